/**
 * Preflight as GitHub's deployment gate (issue 13), end to end: signed `deployment_protection_rule` deliveries, shaped
 * as GitHub sends them, into real bot processes (POST /github/webhook), a loopback GitHub that checks the App's RS256
 * JWT, issues installation tokens and records every review, and the fake Slack. Each case asserts what a person would
 * notice: what GitHub was told (and how many times), what the checklist and its thread show, and what was written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION, approvalBlockId, INPUT, VIEW } from '../../src/ids.js';
import type { GateTiming } from '../../src/github/gate-sender.js';
import { FakeGitHub } from '../../src/playground/fake-github.js';
import { FakeGitHubApp, type FakeGate } from '../../src/playground/fake-github-app.js';
import type { FakeMessage } from '../../src/playground/fake-slack.js';
import { deliver, signedDelivery, type SignedDelivery } from '../../src/playground/github-deliveries.js';
import { listAudit } from '../../src/store/audit.js';
import { attachGate, recordGateRequest } from '../../src/store/github-gates.js';
import { getPromotion, listActive } from '../../src/store/promotions.js';
import { postgresDatabase, type TestDatabase } from '../support/db.js';
import { generateAppKey, type AppKey } from '../support/github-app.js';
import { CHANNEL, findCheckbox, promotionMessages, startHarness, visibleText, type BotProcess, type Harness } from '../support/harness.js';

const APP_ID = 424242;
const INSTALLATION = 5150;
const SECRET = 'whsec-e2e-3f9a1c77d2b84e06';
const SHA_A = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const SHA_B = 'b2c3d4e5f60718293a4b5c6d7e8f901234567890';
const REPO = 'acme/platform';

interface BeginOptions {
  bots?: number;
  socketMode?: boolean;
  gateTiming?: Partial<GateTiming>;
}

describe('the GitHub deployment gate', () => {
  let database: TestDatabase;
  let h: Harness;
  let github: FakeGitHub;
  let app: FakeGitHubApp;
  let key: AppKey;
  let ts = 1795300000;
  const actionTs = () => `${ts++}.000001`;

  afterEach(async () => {
    await h?.close();
    await github?.close();
    await database?.drop();
  });

  async function begin(opts: BeginOptions = {}): Promise<void> {
    database = await postgresDatabase();
    key = generateAppKey();
    app = new FakeGitHubApp({ appId: APP_ID, publicKey: key.publicKey, installations: [{ id: INSTALLATION, account: 'acme' }] });
    github = await new FakeGitHub({ app }).start();
    h = await startHarness({
      database,
      bots: opts.bots ?? 1,
      templatesDir: 'test/fixtures/github-gate',
      ...(opts.socketMode ? { socketMode: true } : {}),
      ...(opts.gateTiming ? { gateTiming: opts.gateTiming } : {}),
      env: { GITHUB_API_URL: github.url, GITHUB_APP_ID: String(APP_ID), GITHUB_APP_PRIVATE_KEY: key.privateKey, GITHUB_WEBHOOK_SECRET: SECRET },
    });
  }

  const webhookUrl = (bot: BotProcess = h.bot) => `http://127.0.0.1:${bot.port}/github/webhook`;

  /** A run of `sha` reaching an environment: GitHub registers the waiting gate (the delivery is not sent yet). */
  function request(sha: string, opts: { environment?: string; repo?: string; runId?: number; sender?: string } = {}): FakeGate {
    return app.requestGate({
      repo: opts.repo ?? REPO,
      environment: opts.environment ?? 'production',
      sha,
      ref: 'main',
      installationId: INSTALLATION,
      sender: opts.sender ?? 'octocat',
      ...(opts.runId ? { runId: opts.runId } : {}),
    });
  }

  /** A run reaching production: GitHub registers the waiting gate and delivers the webhook to a bot. */
  async function runReaches(sha: string, opts: { bot?: BotProcess; runId?: number; environment?: string; repo?: string } = {}) {
    const gate = request(sha, opts);
    const delivery = signedDelivery(gate.payload, SECRET);
    const answer = await deliver(webhookUrl(opts.bot), delivery);
    await h.settle();
    return { gate, answer, delivery };
  }

  const pidOf = async () => (await listActive(h.bot.db, CHANNEL))[0]!.id;
  const overview = () => promotionMessages(h.fake)[0]!.overview;
  const thread = () => promotionMessages(h.fake)[0]!.thread;
  const overviewText = () => visibleText(overview());
  const threadSaying = (text: string) => thread().filter((m) => visibleText(m).includes(text));
  /** The answers (approve or reject) GitHub took. */
  const answersTaken = () => app.reviews.filter((r) => r.state && r.httpStatus === 204);
  /** Every answer call made (taken or not), for a run. */
  const answerCalls = (runId: number) => app.reviews.filter((r) => r.runId === runId && r.state);
  const reportsTo = (runId: number) => app.reviews.filter((r) => r.runId === runId && !r.state);
  const actions = async (pid: string) => (await listAudit(h.bot.db, pid)).map((e) => e.action);
  const count = async (table: string) => Number((await h.bot.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  const gateRows = async () =>
    (await h.bot.db.query<{ run_id: string; state: string; send_state: string; answer_comment: string | null; last_error: string | null; attempts: number; reports_sent: number }>(
      'SELECT run_id, state, send_state, answer_comment, last_error, attempts, reports_sent FROM github_gates ORDER BY requested_at, run_id',
    )).rows;

  /** The element `actionId` as the overview shows it in block `blockId`, as Slack would send it when clicked. */
  function element(blockId: string, actionId: string): { message: FakeMessage; action: Record<string, unknown> } {
    const message = overview();
    const block = message.blocks.find((b: any) => b.block_id === blockId);
    const el = block?.elements?.find((e: any) => e.action_id === actionId) ?? (block?.accessory?.action_id === actionId ? block.accessory : undefined);
    if (!el) throw new Error(`the overview shows no ${actionId} in ${blockId}`);
    return { message, action: { ...el, block_id: blockId, action_ts: actionTs() } };
  }

  async function approve(user: string, pid: string) {
    const { message, action } = element(approvalBlockId(pid, 'lead'), ACTION.approve);
    await h.click(user, message, action);
    await h.settle();
  }

  async function decide(user: string, pid: string, what: 'go' | 'noGo' | 'complete' | 'rollback', bot?: BotProcess) {
    const { message, action } = element(`decision|${pid}`, ACTION[what]);
    const res = await h.click(user, message, action, bot);
    await h.settle();
    return res;
  }

  async function noGo(pid: string, reason: string) {
    await decide('U0CHAIR', pid, 'noGo');
    const modal = h.fake.views().at(-1)!;
    expect(modal.view.callback_id).toBe(VIEW.noGo);
    const values = {
      [INPUT.noGoReason]: { [INPUT.value]: { type: 'plain_text_input', value: reason } },
      [INPUT.noGoDate]: { [INPUT.value]: { type: 'datepicker', selected_date: null } },
    };
    await h.submit('U0CHAIR', { ...modal.view, id: modal.id, state: { values } });
    await h.settle();
  }

  async function rollBack(pid: string, issue: string) {
    await decide('U0CHAIR', pid, 'rollback');
    const modal = h.fake.views().filter((x) => x.view.callback_id === VIEW.rollback).at(-1)!;
    const text = (value: string | null) => ({ [INPUT.value]: { type: 'plain_text_input', value } });
    const values = { [INPUT.rollbackIssue]: text(issue), [INPUT.rollbackImpact]: text(null), [INPUT.rollbackEta]: text(null), [INPUT.rollbackAction]: text(null) };
    await h.submit('U0CHAIR', { ...modal.view, id: modal.id, state: { values } });
    await h.settle();
  }

  async function tickBackup() {
    const { message, blockId } = findCheckbox(h.fake, 'backup');
    await h.toggle('U0LEAD2', message, blockId, ['backup']);
    await h.settle();
  }

  /** Everything GO needs but the SHA the gate binds: the backup ticked, a lead's code review. */
  async function readyForGo(pid: string) {
    await tickBackup();
    await approve('U0LEAD1', pid);
  }

  it('opens a promotion for a waiting job, and GO approves it in GitHub exactly once', async () => {
    await begin();
    const { gate, answer } = await runReaches(SHA_A);
    expect(answer.status).toBe(202);
    const [promotion] = await listActive(h.bot.db, CHANNEL);
    expect(promotion?.release).toBe('main');
    const pid = promotion!.id;
    const text = overviewText();
    expect(text).toContain('GitHub job waiting');
    expect(text).toContain(`run ${gate.runId}`);
    expect(text).toContain(SHA_A.slice(0, 7));
    expect(text).toContain('octocat');
    expect(await actions(pid)).toContain('github.gate_requested');
    expect(threadSaying('GitHub job waiting')).toHaveLength(1);
    // The deployment's SHA fills the commit field the code review binds.
    expect((await h.bot.db.query('SELECT value FROM item_states WHERE promotion_id = $1 AND item_id = $2', [pid, 'deployed-sha'])).rows[0]).toMatchObject({ value: SHA_A });
    // Nothing is answered while the checklist is open.
    await h.bot.preflight.gates();
    expect(answerCalls(gate.runId)).toEqual([]);

    await readyForGo(pid);
    await decide('U0CHAIR', pid, 'go');
    expect((await getPromotion(h.bot.db, pid))!.stage).toBe('go');

    const taken = answersTaken();
    expect(taken).toHaveLength(1);
    expect(taken[0]).toMatchObject({ repo: REPO, runId: gate.runId, environment: 'production', state: 'approved' });
    expect(taken[0]!.comment).toMatch(/^Approved by Preflight: GO for main \(commit a1b2c3d\)/);
    expect(taken[0]!.comment).toMatch(/Checklist: https:\/\/slack\.com\/archives\/C0DEPLOYS\/p\d+$/);
    expect(taken[0]!.authorization).toMatch(/^token ghs_/);
    expect(app.gate(gate.runId, 'production')!.status).toBe('approved');
    expect(threadSaying('GitHub took the GO of *main*')).toHaveLength(1);
    expect(overviewText()).toContain('Released* in GitHub');
    const audit = await actions(pid);
    expect(audit.filter((a) => a === 'github.gate_decided')).toHaveLength(1);
    expect(audit.filter((a) => a === 'github.gate_answered')).toHaveLength(1);

    // Sweeping again, on any schedule, sends nothing more.
    await h.bot.preflight.gates();
    await h.bot.preflight.gates();
    await h.settle();
    expect(answerCalls(gate.runId)).toHaveLength(1);
    expect(threadSaying('GitHub took the GO of *main*')).toHaveLength(1);
    expect(await gateRows()).toMatchObject([{ state: 'approved', send_state: 'sent', attempts: 1 }]);
  });

  it('rejects the waiting job on NO-GO with the reason, and the promotion stays open', async () => {
    await begin();
    const { gate } = await runReaches(SHA_A);
    const pid = await pidOf();
    await noGo(pid, 'Error budget exhausted this week');
    const taken = answersTaken();
    expect(taken).toHaveLength(1);
    expect(taken[0]).toMatchObject({ runId: gate.runId, environment: 'production', state: 'rejected' });
    expect(taken[0]!.comment).toContain('NO-GO for main: Error budget exhausted this week');
    expect(app.gate(gate.runId, 'production')!.status).toBe('rejected');
    expect(threadSaying('GitHub took the rejection')).toHaveLength(1);
    expect(visibleText(threadSaying('GitHub took the rejection')[0]!)).toContain('Error budget exhausted this week');
    const p = (await getPromotion(h.bot.db, pid))!;
    expect([p.status, p.stage]).toEqual(['active', 'no-go']);
    expect(overviewText()).toContain('Rejected* in GitHub');
  });

  it('voids the approvals when a run of another commit arrives, rejects the old run as superseded, and GO approves only the new one', async () => {
    await begin();
    const first = (await runReaches(SHA_A)).gate;
    const pid = await pidOf();
    await readyForGo(pid);
    expect(overviewText()).toContain('1 of 1 approval');

    const second = (await runReaches(SHA_B)).gate;
    expect(await listActive(h.bot.db, CHANNEL)).toHaveLength(1);
    // The approval given for commit A is void, and the checklist says so.
    const text = overviewText();
    expect(text).toContain(':warning: Void: <@U0LEAD1>');
    expect(text).toContain('0 of 1 approval');
    const voidNotices = thread().filter((m) => JSON.stringify(m.blocks).includes('is void because'));
    expect(voidNotices).toHaveLength(1);
    expect(JSON.stringify(voidNotices[0]!.blocks)).toContain('<@U0LEAD1>');
    const waiting = threadSaying(`run ${second.runId}`).find((m) => visibleText(m).includes('GitHub job waiting'))!;
    expect(visibleText(waiting)).toContain('The bound commit changed from `a1b2c3d` to `b2c3d4e`');
    expect(visibleText(waiting)).toContain(`Superseded and rejected: run ${first.runId}`);
    // The old run is rejected in GitHub as superseded, at once.
    expect(app.gate(first.runId, 'production')!.status).toBe('rejected');
    expect(answerCalls(first.runId)[0]!.comment).toContain(`superseded by run ${second.runId} for commit b2c3d4e`);
    expect(app.gate(second.runId, 'production')!.status).toBe('waiting');

    // GO is refused until the lead approves the new commit.
    await decide('U0CHAIR', pid, 'go');
    expect((await getPromotion(h.bot.db, pid))!.stage).not.toBe('go');
    expect(answerCalls(second.runId)).toEqual([]);
    await approve('U0LEAD2', pid);
    await decide('U0CHAIR', pid, 'go');
    expect(app.gate(second.runId, 'production')!.status).toBe('approved');
    expect(answersTaken().map((r) => [r.runId, r.state])).toEqual([
      [first.runId, 'rejected'],
      [second.runId, 'approved'],
    ]);
  });

  it('handles a delivery sent twice, and the same deployment redelivered under a new id, once', async () => {
    await begin();
    const { gate, answer, delivery } = await runReaches(SHA_A);
    expect(answer.status).toBe(202);
    const again = await deliver(webhookUrl(), delivery);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual({ message: 'handled already' });
    const redelivered = await deliver(webhookUrl(), signedDelivery(gate.payload, SECRET));
    expect(redelivered.status).toBe(200);
    expect(JSON.parse(redelivered.text)).toEqual({ message: 'handled already' });
    await h.settle();
    await h.bot.preflight.gates();
    await h.settle();
    expect(await listActive(h.bot.db, CHANNEL)).toHaveLength(1);
    expect(await count('promotions')).toBe(1);
    expect(await count('github_gates')).toBe(1);
    expect(threadSaying('GitHub job waiting')).toHaveLength(1);
    expect((await actions(await pidOf())).filter((a) => a === 'github.gate_requested')).toHaveLength(1);
  });

  it('refuses a forged delivery (wrong secret, tampered body, no signature) with 401 and writes nothing', async () => {
    await begin();
    const gate = request(SHA_A);
    const wrongSecret = signedDelivery(gate.payload, 'whsec-not-the-apps-secret');
    const genuine = signedDelivery(gate.payload, SECRET);
    const tampered: SignedDelivery = { headers: genuine.headers, body: genuine.body.replace(SHA_A, SHA_B) };
    const { 'X-Hub-Signature-256': _dropped, ...unsigned } = signedDelivery(gate.payload, SECRET).headers;
    void _dropped;
    for (const forged of [wrongSecret, tampered, { headers: unsigned, body: genuine.body }]) {
      const answer = await deliver(webhookUrl(), forged);
      expect(answer.status).toBe(401);
      expect(answer.text).toContain('signature does not match');
    }
    await h.settle();
    await h.bot.preflight.gates();
    await h.settle();
    expect(await count('github_gates')).toBe(0);
    expect(await count('github_deliveries')).toBe(0);
    expect(await count('promotions')).toBe(0);
    expect(h.fake.messages(CHANNEL)).toEqual([]);
    // GitHub was not even asked about the installation.
    expect(app.tokenRequests).toEqual([]);
    expect(app.gate(gate.runId, 'production')!.status).toBe('waiting');
  });

  it('refuses a repository or environment no template maps (404) and an unknown installation (403), writing nothing; that job is never answered', async () => {
    await begin();
    const otherRepo = await runReaches(SHA_A, { repo: 'acme/website' });
    expect(otherRepo.answer.status).toBe(404);
    expect(otherRepo.answer.text).toContain('no Preflight template gates acme/website environment production');
    const staging = await runReaches(SHA_A, { environment: 'staging' });
    expect(staging.answer.status).toBe(404);
    expect(staging.answer.text).toContain('environment staging');
    const valid = request(SHA_A);
    const stranger = { ...valid.payload, installation: { ...valid.payload.installation, id: 999_999 } };
    const unknown = await deliver(webhookUrl(), signedDelivery(stranger, SECRET));
    expect(unknown.status).toBe(403);
    expect(unknown.text).toContain('installation 999999');
    await h.settle();
    await h.bot.preflight.gates();
    expect(await count('github_gates')).toBe(0);
    expect(await count('github_deliveries')).toBe(0);
    expect(await count('promotions')).toBe(0);
    expect(h.fake.messages(CHANNEL)).toEqual([]);

    // A promotion opened and decided for production never answers the staging job (left to GitHub's other rules).
    const { gate } = await runReaches(SHA_A);
    const pid = await pidOf();
    await readyForGo(pid);
    await decide('U0CHAIR', pid, 'go');
    await h.bot.preflight.gates();
    expect(answersTaken().map((r) => r.runId)).toEqual([gate.runId]);
    expect(app.reviews.filter((r) => r.runId === staging.gate.runId || r.runId === otherRepo.gate.runId)).toEqual([]);
    expect(app.gate(staging.gate.runId, 'staging')!.status).toBe('waiting');
  });

  it('rejects the waiting job when the promotion is aborted, with the abort reason', async () => {
    await begin();
    const { gate } = await runReaches(SHA_A);
    const pid = await pidOf();
    await h.command('abort main the canary is red', { user: 'U0LEAD1' });
    await h.settle();
    expect((await getPromotion(h.bot.db, pid))!.status).toBe('aborted');
    const taken = answersTaken();
    expect(taken).toHaveLength(1);
    expect(taken[0]).toMatchObject({ runId: gate.runId, state: 'rejected' });
    expect(taken[0]!.comment).toMatch(/^Rejected by Preflight: main was aborted: the canary is red Checklist: https:\/\/slack\.com\/archives\//);
    expect(app.gate(gate.runId, 'production')!.status).toBe('rejected');
    expect(threadSaying('GitHub took the rejection')).toHaveLength(1);
  });

  it('rejects a job arriving while the promotion rolls back, and a job still waiting when it rolls back', async () => {
    await begin();
    const { gate } = await runReaches(SHA_A);
    const pid = await pidOf();
    await readyForGo(pid);
    await decide('U0CHAIR', pid, 'go');
    expect(app.gate(gate.runId, 'production')!.status).toBe('approved');
    // GO decides every job waiting, and a job arriving after GO is answered at once: a job still waiting at a
    // rollback is one that joined without being decided (left over by an older version, or a hand-made row). Made here.
    const leftover = await leftWaiting(pid, SHA_A);
    await rollBack(pid, 'error rate over 5% for 5 minutes');
    expect((await getPromotion(h.bot.db, pid))!.stage).toBe('rolling-back');
    const leftoverAnswer = answerCalls(leftover.runId);
    expect(leftoverAnswer).toMatchObject([{ state: 'rejected', httpStatus: 204 }]);
    expect(leftoverAnswer[0]!.comment).toContain('main is being rolled back.');

    // A re-run of the same commit reaching production during the rollback is rejected at once.
    const rerun = await runReaches(SHA_A);
    expect(rerun.answer.status).toBe(202);
    expect(app.gate(rerun.gate.runId, 'production')!.status).toBe('rejected');
    expect(answerCalls(rerun.gate.runId)[0]!.comment).toContain('main is being rolled back.');
    expect(await listActive(h.bot.db, CHANNEL)).toHaveLength(1);
    expect(answersTaken().map((r) => [r.runId, r.state])).toEqual([
      [gate.runId, 'approved'],
      [leftover.runId, 'rejected'],
      [rerun.gate.runId, 'rejected'],
    ]);
  });

  it('rejects a job still waiting when its promotion is completed', async () => {
    await begin();
    const { gate } = await runReaches(SHA_A);
    const pid = await pidOf();
    await readyForGo(pid);
    await decide('U0CHAIR', pid, 'go');
    const leftover = await leftWaiting(pid, SHA_B);
    await decide('U0CHAIR', pid, 'complete');
    expect((await getPromotion(h.bot.db, pid))!.status).toBe('completed');
    expect(app.gate(gate.runId, 'production')!.status).toBe('approved');
    expect(app.gate(leftover.runId, 'production')!.status).toBe('rejected');
    expect(answerCalls(leftover.runId)[0]!.comment).toContain('main was completed without this run.');
    expect(await gateRows()).toMatchObject([
      { state: 'approved', send_state: 'sent' },
      { state: 'rejected', send_state: 'sent' },
    ]);
  });

  /**
   * A job waiting on GitHub and joined to the promotion without being decided: the row written with the store's own
   * functions, as a delivery would, then joined (no decision). The normal flow never leaves one after GO.
   */
  async function leftWaiting(pid: string, sha: string): Promise<FakeGate> {
    const gate = request(sha);
    const id = crypto.randomUUID();
    await h.bot.db.tx(async (q) => {
      const stored = await recordGateRequest(
        q,
        `delivery-${id}`,
        {
          id,
          templateId: 'gated',
          channelId: CHANNEL,
          installationId: INSTALLATION,
          repo: REPO,
          environment: 'production',
          runId: gate.runId,
          deploymentId: gate.deploymentId,
          sha,
          ref: 'main',
          runUrl: `https://github.com/${REPO}/actions/runs/${gate.runId}`,
          triggeredBy: 'octocat',
          event: 'push',
        },
        new Date(),
      );
      expect(stored).toBe('stored');
      await attachGate(q, id, pid);
    });
    return gate;
  }

  it('with two replicas receiving the same delivery at once, opens one promotion; GO and sweeps on both answer GitHub once', async () => {
    await begin({ bots: 2 });
    const gate = request(SHA_A);
    const delivery = signedDelivery(gate.payload, SECRET);
    const answers = await Promise.all(h.bots.map((bot) => deliver(webhookUrl(bot), delivery)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 202]);
    await h.settle();
    await Promise.all(h.bots.map((bot) => bot.preflight.gates()));
    await h.settle();
    expect(await count('promotions')).toBe(1);
    expect(await count('github_gates')).toBe(1);
    expect(threadSaying('GitHub job waiting')).toHaveLength(1);

    const pid = await pidOf();
    await readyForGo(pid);
    await Promise.all([decide('U0CHAIR', pid, 'go', h.bots[1]), h.bots[0]!.preflight.gates(), h.bots[1]!.preflight.gates()]);
    await Promise.all(h.bots.map((bot) => bot.preflight.gates()));
    await h.settle();
    expect(answerCalls(gate.runId)).toMatchObject([{ state: 'approved', httpStatus: 204 }]);
    expect(app.gate(gate.runId, 'production')!.status).toBe('approved');
    expect(threadSaying('GitHub took the GO of *main*')).toHaveLength(1);
    expect((await actions(pid)).filter((a) => a === 'github.gate_answered')).toHaveLength(1);
  });

  /** Waits until every answer put back after a failure is due again (its backoff is on the database's clock). */
  async function untilRetryDue(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const r = await h.bot.db.query<{ n: string }>("SELECT count(*) AS n FROM github_gates WHERE send_state = 'pending' AND next_attempt_at > clock_timestamp()");
      if (Number(r.rows[0]!.n) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the answer never became due again');
  }

  it('sends the answer again after GitHub fails with 502, and it lands once', async () => {
    await begin({ gateTiming: { retryBaseMs: 1_000 } });
    const { gate } = await runReaches(SHA_A);
    const pid = await pidOf();
    await readyForGo(pid);
    app.failWith502 = 1;
    await decide('U0CHAIR', pid, 'go');
    expect(answerCalls(gate.runId).map((r) => r.httpStatus)).toEqual([502]);
    expect(app.gate(gate.runId, 'production')!.status).toBe('waiting');
    expect(overviewText()).toContain('Approved*, being sent to GitHub');
    expect(await gateRows()).toMatchObject([{ state: 'approved', send_state: 'pending', last_error: 'GitHub answered 502: Server Error' }]);
    // Not before its backoff (a second, by the database's clock)...
    await h.bot.preflight.gates();
    expect(answerCalls(gate.runId)).toHaveLength(1);
    // ...and once it has passed, sent again.
    await untilRetryDue();
    await h.bot.preflight.gates();
    await h.settle();
    await h.bot.preflight.gates();
    expect(answerCalls(gate.runId).map((r) => r.httpStatus)).toEqual([502, 204]);
    expect(app.gate(gate.runId, 'production')!.status).toBe('approved');
    expect(threadSaying('GitHub took the GO of *main*')).toHaveLength(1);
    expect(overviewText()).toContain('Released* in GitHub');
    expect(await actions(pid)).not.toContain('github.gate_failed');
  });

  it('takes GitHub\'s 422 after a call whose answer never came as that call having landed: answered, not failed, approved once', async () => {
    await begin({ gateTiming: { retryBaseMs: 100, requestTimeoutMs: 800 } });
    const { gate } = await runReaches(SHA_A);
    const pid = await pidOf();
    await readyForGo(pid);
    app.hangAfterApplying = 1;
    await decide('U0CHAIR', pid, 'go');
    // GitHub applied it but never answered: the outcome is unknown.
    expect(answerCalls(gate.runId).map((r) => r.httpStatus)).toEqual(['hung']);
    expect(app.gate(gate.runId, 'production')!.status).toBe('approved');
    expect(await gateRows()).toMatchObject([{ send_state: 'pending', last_error: 'GitHub did not answer in time' }]);
    expect(threadSaying('GitHub took the GO')).toEqual([]);
    await untilRetryDue();
    await h.bot.preflight.gates();
    await h.settle();
    expect(answerCalls(gate.runId).map((r) => r.httpStatus)).toEqual(['hung', 422]);
    expect(await gateRows()).toMatchObject([{ state: 'approved', send_state: 'sent', last_error: 'GitHub had taken an earlier attempt' }]);
    const audit = await listAudit(h.bot.db, pid);
    expect(audit.filter((e) => e.action === 'github.gate_failed')).toEqual([]);
    expect(audit.filter((e) => e.action === 'github.gate_answered')).toMatchObject([{ data: { state: 'approved', note: 'GitHub had taken an earlier attempt' } }]);
    expect(threadSaying('GitHub took the GO of *main*')).toHaveLength(1);
    expect(threadSaying('GitHub refused')).toEqual([]);
    // Exactly one approval was applied in GitHub.
    expect(app.gates.filter((g) => g.runId === gate.runId).map((g) => g.status)).toEqual(['approved']);
    await h.bot.preflight.gates();
    expect(answerCalls(gate.runId)).toHaveLength(2);
  });

  it('posts a status report to the waiting job after changes, within 1,024 characters, and at most 10 per deployment', async () => {
    await begin({ gateTiming: { reportEveryMs: 0 } });
    const { gate } = await runReaches(SHA_A);
    const pid = await pidOf();
    await h.bot.preflight.gates();
    const first = reportsTo(gate.runId);
    expect(first).toHaveLength(1);
    expect(first[0]!.environment).toBe('production');
    expect(first[0]!.comment!.length).toBeLessThanOrEqual(1024);
    expect(first[0]!.comment).toContain('**Preflight: main** (Gated deploy)');
    expect(first[0]!.comment).toContain('Approvals: Code review 0/1.');
    expect(first[0]!.comment).toMatch(/\[Open the checklist in Slack\]\(https:\/\/slack\.com\/archives\/C0DEPLOYS\/p\d+\)$/);
    // Nothing changed: no new report.
    await h.bot.preflight.gates();
    expect(reportsTo(gate.runId)).toHaveLength(1);
    await approve('U0LEAD1', pid);
    await h.bot.preflight.gates();
    expect(reportsTo(gate.runId)).toHaveLength(2);
    expect(reportsTo(gate.runId)[1]!.comment).toContain('Approvals: Code review 1/1 ✓.');
    // However many changes, GitHub's limit of 10 per deployment is never passed.
    for (let i = 0; i < 11; i++) {
      await tickBackup();
      await h.bot.preflight.gates();
    }
    const reports = reportsTo(gate.runId);
    expect(reports).toHaveLength(10);
    expect(reports.every((r) => r.httpStatus === 204 && r.comment!.length <= 1024)).toBe(true);
    expect(app.gate(gate.runId, 'production')!.reports).toHaveLength(10);
    expect(await gateRows()).toMatchObject([{ state: 'waiting', reports_sent: 10 }]);
    // The job is still answered as usual.
    await decide('U0CHAIR', pid, 'go');
    expect(app.gate(gate.runId, 'production')!.status).toBe('approved');
  });

  it('keeps the private key, the webhook secret and every installation token out of logs, Slack, the audit trail and the database', async () => {
    await begin({ gateTiming: { reportEveryMs: 0 } });
    await deliver(webhookUrl(), signedDelivery(request(SHA_B).payload, 'whsec-forged'));
    const { gate } = await runReaches(SHA_A);
    const pid = await pidOf();
    await h.bot.preflight.gates();
    await readyForGo(pid);
    app.failWith502 = 1;
    await decide('U0CHAIR', pid, 'go');
    expect(app.gate(gate.runId, 'production')!.status).toBe('waiting');
    const tokens = [...app.tokens.keys()];
    expect(tokens.length).toBeGreaterThan(0);
    expect(reportsTo(gate.runId).length).toBeGreaterThan(0);

    const rows = async (table: string) => (await h.bot.db.query(`SELECT * FROM ${table}`)).rows;
    const everything = JSON.stringify([h.logs, h.fake.messages(CHANNEL), h.fake.calls, await listAudit(h.bot.db, pid), await rows('github_gates'), await rows('github_deliveries')]);
    expect(h.logs.some((l) => l.includes('GitHub gate: a job is waiting'))).toBe(true);
    expect(h.logs.some((l) => l.includes('outcome unknown'))).toBe(true);
    const pemBody = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'));
    const secrets = [SECRET, ...tokens, ...pemBody(key.privateKey), ...pemBody(key.privateKeyPkcs8), pemBody(key.privateKey).join(''), pemBody(key.privateKeyPkcs8).join('')];
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('PRIVATE KEY');
  });

  it('answers a job arriving after GO at once: approved for the commit GO was given for, rejected for another', async () => {
    await begin();
    const { gate } = await runReaches(SHA_A);
    const pid = await pidOf();
    await readyForGo(pid);
    await decide('U0CHAIR', pid, 'go');
    expect(app.gate(gate.runId, 'production')!.status).toBe('approved');

    const same = await runReaches(SHA_A);
    expect(same.answer.status).toBe(202);
    expect(app.gate(same.gate.runId, 'production')!.status).toBe('approved');
    expect(answerCalls(same.gate.runId)[0]!.comment).toContain('GO for main was given for commit a1b2c3d');
    expect(threadSaying(`run ${same.gate.runId}`).some((m) => visibleText(m).includes('was given for this commit: approved'))).toBe(true);

    const other = await runReaches(SHA_B);
    expect(other.answer.status).toBe(202);
    expect(app.gate(other.gate.runId, 'production')!.status).toBe('rejected');
    expect(answerCalls(other.gate.runId)[0]!.comment).toContain('GO for main was given for commit a1b2c3d, not b2c3d4e');
    expect(threadSaying(`run ${other.gate.runId}`).some((m) => visibleText(m).includes('Rejected: *main* is past its GO'))).toBe(true);
    // GO stands: the bound commit and the approvals are not touched by a late job.
    expect(overviewText()).not.toContain('Void:');
    expect(await listActive(h.bot.db, CHANNEL)).toHaveLength(1);
    expect(answersTaken().map((r) => [r.runId, r.state])).toEqual([
      [gate.runId, 'approved'],
      [same.gate.runId, 'approved'],
      [other.gate.runId, 'rejected'],
    ]);
  });

  it('in Socket Mode, serves the webhook on the health server\'s port the same way', async () => {
    await begin({ socketMode: true });
    const forged = await deliver(webhookUrl(), signedDelivery(request(SHA_B).payload, 'whsec-forged'));
    expect(forged.status).toBe(401);
    const { gate, answer } = await runReaches(SHA_A);
    expect(answer.status).toBe(202);
    expect((await listActive(h.bot.db, CHANNEL)).map((p) => p.release)).toEqual(['main']);
    expect(overviewText()).toContain(`run ${gate.runId}`);
    const pid = await pidOf();
    await noGo(pid, 'not today');
    expect(answerCalls(gate.runId)).toMatchObject([{ state: 'rejected', httpStatus: 204 }]);
  });
});
