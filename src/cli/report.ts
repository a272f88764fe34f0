/**
 * A promotion's audit record, printed from the database (what `/promote report` uploads into the checklist's thread):
 *   npm run report -- <promotion id | release> [--json]
 * With a release, its latest promotion (in any channel). Markdown by default, the JSON report with --json. Exit 0, or
 * 2 on bad usage, an unknown promotion or release, or a database that cannot be read. Reads DATABASE_URL through
 * src/config.ts as the bot does (PGlite in PREFLIGHT_DATA_DIR when unset); changes nothing.
 */
import { ConfigError } from '../config.js';
import { RELEASE_PATTERN } from '../domain/names.js';
import { reportFiles } from '../services/report.js';
import { promotionsOfRelease } from '../store/report.js';
import { openBotDatabase, PROMOTION_ID } from './database.js';

const USAGE = 'usage: report <promotion id | release> [--json]   (with a release: its latest promotion)';

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const json = args.includes('--json');
  const words = args.filter((a) => a !== '--' && a !== '--json');
  if (words.length !== 1 || words[0]!.startsWith('-') || !(PROMOTION_ID.test(words[0]!) || RELEASE_PATTERN.test(words[0]!))) {
    console.error(USAGE);
    return 2;
  }
  const arg = words[0]!;
  let opened;
  try {
    opened = await openBotDatabase();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `cannot open the database: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const { db, where } = opened;
  try {
    const id = PROMOTION_ID.test(arg) ? arg.toLowerCase() : (await promotionsOfRelease(db, arg)).at(-1)?.id;
    const files = id ? await reportFiles(db, id, new Date()) : undefined;
    if (!files) {
      console.error(PROMOTION_ID.test(arg) ? `no promotion ${arg} in ${where}` : `no promotion of release ${arg} in ${where}`);
      return 2;
    }
    process.stdout.write(json ? files.json : files.markdown);
    return 0;
  } catch (err) {
    console.error(`cannot read the promotion: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  } finally {
    await db.close().catch(() => undefined);
  }
}

process.exitCode = await main(process.argv.slice(2));
