/**
 * Verify promotions' audit trails against the database, e.g. before committing a report or in a team's CI:
 *   npm run verify-audit -- <promotion id | release>
 * With a release, every promotion of that release (in any channel). Recomputes each trail's hash chain (the rows'
 * hashes and previous hashes, seq contiguous from 1, the head the promotion records) and names any event that was
 * altered, removed or reordered (src/domain/audit-verify.ts). Exit 0 when every trail is intact (the head is printed),
 * 1 when one is not, 2 on bad usage, an unknown promotion or release, or a database that cannot be read.
 * Reads DATABASE_URL through src/config.ts as the bot does (PGlite in PREFLIGHT_DATA_DIR when unset); changes nothing.
 */
import { describeVerdict, verifyAuditTrail } from '../domain/audit-verify.js';
import { RELEASE_PATTERN } from '../domain/names.js';
import { ConfigError } from '../config.js';
import { auditHead, listAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { promotionsOfRelease } from '../store/report.js';
import { openBotDatabase, PROMOTION_ID } from './database.js';

const USAGE = 'usage: verify-audit <promotion id | release>   (with a release: every promotion of it)';

async function targets(db: Db, arg: string): Promise<Array<{ id: string; release: string; channelId: string; createdAt: Date }>> {
  if (PROMOTION_ID.test(arg)) {
    const r = await db.query<{ id: string; release: string; channel_id: string; created_at: Date }>(
      'SELECT id, release, channel_id, created_at FROM promotions WHERE id = $1',
      [arg.toLowerCase()],
    );
    return r.rows.map((row) => ({ id: row.id, release: row.release, channelId: row.channel_id, createdAt: new Date(row.created_at) }));
  }
  return (await promotionsOfRelease(db, arg)).map((p) => ({ ...p, release: arg }));
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const words = args.filter((a) => a !== '--');
  if (words.length !== 1 || words[0]!.startsWith('-')) {
    console.error(USAGE);
    return 2;
  }
  const arg = words[0]!;
  if (!PROMOTION_ID.test(arg) && !RELEASE_PATTERN.test(arg)) {
    console.error(`${JSON.stringify(arg)} is neither a promotion id nor a release\n${USAGE}`);
    return 2;
  }
  let opened;
  try {
    opened = await openBotDatabase();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `cannot open the database: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const { db, where } = opened;
  try {
    const found = await targets(db, arg);
    if (found.length === 0) {
      console.error(PROMOTION_ID.test(arg) ? `no promotion ${arg} in ${where}` : `no promotion of release ${arg} in ${where}`);
      return 2;
    }
    let broken = 0;
    for (const p of found) {
      const head = (await auditHead(db, p.id)) ?? { seq: 0, hash: '' };
      const verdict = verifyAuditTrail(await listAudit(db, p.id), head);
      const name = `${p.release} (promotion ${p.id}, channel ${p.channelId}, started ${p.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC)`;
      if (verdict.intact) {
        console.log(`ok   ${name}: ${verdict.events} events intact; head: event ${head.seq}, hash ${head.hash || '(empty)'}`);
        continue;
      }
      broken++;
      console.log(`FAIL ${name}: the audit trail was altered:`);
      for (const line of describeVerdict(verdict)) console.log(`  - ${line}`);
      console.log(`  (the promotion records head: event ${head.seq}, hash ${head.hash || '(empty)'})`);
    }
    return broken > 0 ? 1 : 0;
  } catch (err) {
    console.error(`cannot read the audit trail: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  } finally {
    await db.close().catch(() => undefined);
  }
}

process.exitCode = await main(process.argv.slice(2));
