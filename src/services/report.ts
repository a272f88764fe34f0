import { buildReport, reportFileBase, reportJson, reportMarkdown, type AuditReport, type ReportInput } from '../domain/report.js';
import { escLiteral } from '../domain/mrkdwn.js';
import { UserError } from '../errors.js';
import { listApprovals } from '../store/approvals.js';
import { auditHead, listAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { listDecisions } from '../store/decisions.js';
import { overviewTs } from '../store/messages.js';
import { getPromotion, loadView } from '../store/promotions.js';
import { listReminders } from '../store/reminders.js';
import { latestPromotionId, listRunsWithEvidence } from '../store/report.js';
import type { Deps, UploadRefusal } from './deps.js';

/**
 * The audit report (`/promote report <release>`, and the `report` CLI): a promotion's record loaded from the database in
 * one consistent snapshot, rendered by src/domain/report.ts as Markdown and JSON, and uploaded into the checklist's
 * thread through the port (`deps.slack.uploadFiles`). When Slack will not take the files, the person gets the Markdown
 * in their private answer instead (blocks/report.ts cuts it to one message).
 */

export interface ReportFiles {
  report: AuditReport;
  markdown: string;
  json: string;
  /** `<date>-<release>`: the files are `<base>.md` and `<base>.json`. */
  base: string;
}

/**
 * Everything the report shows, read in one REPEATABLE READ, READ ONLY transaction: a change committing meanwhile
 * cannot leave the trail and the head it records (or the items and their events) from two different moments.
 */
export async function loadReportInput(db: Db, promotionId: string, generatedAt: Date): Promise<ReportInput | undefined> {
  return db.tx(async (q) => {
    await q.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const promotion = await getPromotion(q, promotionId);
    if (!promotion) return undefined;
    const view = (await loadView(q, promotionId))!;
    return {
      promotion,
      states: view.states,
      runs: await listRunsWithEvidence(q, promotionId),
      approvals: await listApprovals(q, promotionId),
      decisions: await listDecisions(q, promotionId),
      reminders: await listReminders(q, promotionId),
      audit: await listAudit(q, promotionId),
      head: (await auditHead(q, promotionId)) ?? { seq: 0, hash: '' },
      threadTs: await overviewTs(q, promotionId),
      generatedAt,
    };
  });
}

/** A promotion's report, both files; undefined when there is no such promotion. */
export async function reportFiles(db: Db, promotionId: string, generatedAt: Date): Promise<ReportFiles | undefined> {
  const input = await loadReportInput(db, promotionId, generatedAt);
  if (!input) return undefined;
  const report = buildReport(input);
  return { report, markdown: reportMarkdown(report), json: reportJson(report), base: reportFileBase(report) };
}

/** What `/promote report` did: uploaded both files into the thread, or not (and why), with the Markdown to show instead. */
export type ReportOutcome = {
  release: string;
  promotionId: string;
  channelId: string;
  threadTs: string | null;
  /** The file names, `.md` then `.json`. */
  files: [string, string];
  head: { seq: number; hash: string };
  /** The trail matched its recorded head when the report was made. */
  intact: boolean;
} & (
  | { uploaded: true }
  | {
      uploaded: false;
      /** Slack's refusal, or: the checklist was never posted (no thread), or this bot cannot upload at all. */
      why: UploadRefusal | 'no-thread' | 'unavailable';
      detail?: string;
      markdown: string;
    }
);

/**
 * `/promote report <release>`: the latest promotion of that release in this channel, active or ended. Reading it
 * changes nothing, so it is not a change and leaves no audit event (the trail it reports stays as it was).
 */
export async function reportByRelease(deps: Deps, input: { channelId: string; release: string; userId: string }): Promise<ReportOutcome> {
  const promotionId = await latestPromotionId(deps.db, input.channelId, input.release);
  if (!promotionId) {
    throw new UserError(
      `There is no promotion of ${escLiteral(input.release)} in this channel, active or ended. \`/promote list\` shows the active ones; a report is made in the channel the promotion ran in.`,
      'not_found',
    );
  }
  const files = (await reportFiles(deps.db, promotionId, deps.clock()))!;
  const { report } = files;
  const names: [string, string] = [`${files.base}.md`, `${files.base}.json`];
  const base = {
    release: report.promotion.release,
    promotionId,
    channelId: report.promotion.channel,
    threadTs: report.promotion.checklist_ts,
    files: names,
    head: report.audit.head,
    intact: report.audit.checked.intact,
  };
  deps.log.info({ promotionId, userId: input.userId, events: report.audit.events.length, intact: base.intact }, 'audit report requested');
  const threadTs = report.promotion.checklist_ts;
  if (!threadTs) return { ...base, uploaded: false, why: 'no-thread', markdown: files.markdown };
  if (!deps.slack.uploadFiles) return { ...base, uploaded: false, why: 'unavailable', markdown: files.markdown };
  const title = `Promotion record of ${report.promotion.release}`;
  const outcome = await deps.slack.uploadFiles({
    channelId: report.promotion.channel,
    threadTs,
    files: [
      { filename: names[0], title: `${title} (Markdown)`, content: files.markdown },
      { filename: names[1], title: `${title} (JSON)`, content: files.json },
    ],
  });
  if (outcome.ok) return { ...base, uploaded: true };
  return { ...base, uploaded: false, why: outcome.why, ...(outcome.detail ? { detail: outcome.detail } : {}), markdown: files.markdown };
}
