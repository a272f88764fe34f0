/**
 * `npm run playground`: the real bot (HTTP mode, signatures checked, or Socket Mode with `socketMode`; the real Bolt
 * app, embedded PGlite in the data directory), the Slack emulator, and the page's web server, all on 127.0.0.1.
 * What the emulator holds is saved next to the database (slack.json), and the bot's clock offset too (clock.json), so
 * a restart shows the same workspace; Reset stops everything, empties the directory and starts afresh.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { GITHUB_WEBHOOK_PATH } from '../../github/webhook.js';
import { REAL_TIMER } from '../../slack/rate-budget.js';
import { pgliteDirDatabase } from '../databases.js';
import type { FakeSlackSnapshot } from '../fake-slack.js';
import { startLocalStack } from '../stack.js';
import { GATED_ENVIRONMENT, GATED_REPO, HEALTH_PORT, startTargets, type PlaygroundTargets } from '../targets.js';
import { PlaygroundClock } from './clock.js';
import { startWebServer, type GitHubRunView, type WebServer } from './server.js';
import { Session } from './session.js';
import { CHANNELS, PEOPLE, USER_GROUPS } from './workspace.js';

/** The playground's own templates (roles held by the seeded people). */
export const PLAYGROUND_TEMPLATES = fileURLToPath(new URL('../checklists/', import.meta.url));

export interface PlaygroundOptions {
  /** Where the database, the emulator's state and the clock are kept; e.g. .data/playground. */
  dataDir: string;
  /** The page's port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** Where the bot logs (JSON lines); default nowhere. */
  logTo?: Writable;
  /** Enforce Slack's rate limits in the emulator (default true, as Slack does). */
  rateLimits?: boolean;
  templatesDir?: string;
  /**
   * The PostgreSQL the template's postgres probes read (`npm run playground` passes DATABASE_URL); absent, an embedded
   * PGlite served over the wire (../targets.ts).
   */
  targetDatabaseUrl?: string;
  /** The probes' health endpoint's port: default 3751, a free one when that is taken; 0 for any. */
  healthPort?: number;
  /** Run the bot in Socket Mode against the emulator (envelopes and acks) instead of HTTP (default false). */
  socketMode?: boolean;
}

export interface Playground {
  /** The page: http://127.0.0.1:PORT/ */
  url: string;
  session(): Session;
  /** What the template's probes talk to: GitHub, the health endpoint (and its switch), CloudWatch, PostgreSQL. */
  targets: PlaygroundTargets;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startPlayground(opts: PlaygroundOptions): Promise<Playground> {
  const dataDir = path.resolve(opts.dataDir);
  const slackFile = path.join(dataDir, 'slack.json');
  let web: WebServer | undefined;
  let saving: NodeJS.Timeout | undefined;
  let current: Session;
  const targets = await startTargets({ healthPort: opts.healthPort ?? HEALTH_PORT, ...(opts.targetDatabaseUrl ? { databaseUrl: opts.targetDatabaseUrl } : {}) });

  const save = async (s: Session): Promise<void> => {
    const snapshot = s.stack.fake.snapshot();
    await writeFile(`${slackFile}.tmp`, JSON.stringify(snapshot));
    await rename(`${slackFile}.tmp`, slackFile);
  };

  const begin = async (): Promise<Session> => {
    await mkdir(dataDir, { recursive: true });
    const restore = await readFile(slackFile, 'utf8').then((t) => JSON.parse(t) as FakeSlackSnapshot, () => undefined);
    const clock = await PlaygroundClock.load(path.join(dataDir, 'clock.json'));
    const stack = await startLocalStack({
      database: await pgliteDirDatabase(path.join(dataDir, 'db')),
      // The templates as the probes' targets are now (the health endpoint's origin), and the bot configured for them.
      templatesDir: await targets.renderTemplates(opts.templatesDir ?? PLAYGROUND_TEMPLATES, path.join(dataDir, 'templates')),
      env: targets.env,
      clock: clock.now,
      timer: REAL_TIMER,
      logLevel: 'info',
      ...(opts.socketMode ? { socketMode: true } : {}),
      ...(opts.logTo ? { logTo: opts.logTo } : { logTo: devNull() }),
      fake: {
        users: PEOPLE.map((p) => ({ id: p.id, name: p.name, real_name: p.real_name!, tz: p.tz })),
        usergroups: Object.fromEntries(USER_GROUPS.map((g) => [g.id, g.users])),
        channels: CHANNELS.map((c) => ({ id: c.id, name: c.name })),
        rateLimits: opts.rateLimits ?? true,
        ...(restore ? { restore } : {}),
      },
    });
    const session: Session = new Session(stack, clock, () => {
      web?.changed();
      clearTimeout(saving);
      saving = setTimeout(() => void save(session).catch(() => undefined), 300);
    });
    return session;
  };

  const end = async (s: Session): Promise<void> => {
    clearTimeout(saving);
    s.close();
    await s.stack.close();
  };

  current = await begin();
  web = await startWebServer({
    port: opts.port ?? 0,
    session: () => current,
    health: targets.health,
    github: {
      repo: GATED_REPO,
      environment: GATED_ENVIRONMENT,
      // GitHub delivers to the App's webhook URL: the bot's /github/webhook, over HTTP in either transport.
      async run() {
        const { gate, status, text } = await targets.runReachesProduction(`http://127.0.0.1:${current.stack.bot.port}${GITHUB_WEBHOOK_PATH}`);
        let message = text;
        try {
          message = String((JSON.parse(text) as { message?: unknown }).message ?? text);
        } catch {
          // not JSON: the text as it came
        }
        return { runId: gate.runId, sha: gate.sha, status, message };
      },
      runs: () =>
        targets.githubApp.gates
          .map((g): GitHubRunView => ({
            runId: g.runId,
            repo: g.repo,
            environment: g.environment,
            sha: g.sha,
            ref: g.ref,
            status: g.status,
            ...(g.comment !== undefined ? { comment: g.comment } : {}),
            reports: g.reports.map((r) => r.comment),
            requestedAt: g.requestedAt,
            ...(g.answeredAt ? { answeredAt: g.answeredAt } : {}),
          }))
          .reverse(),
    },
    reset: async () => {
      await end(current);
      await rm(dataDir, { recursive: true, force: true });
      // GitHub's side is kept across Reset, but not the runs the old bot was gating: the page starts afresh.
      targets.githubApp.gates.splice(0);
      current = await begin();
    },
  });
  // A gate answered (GO approves it through the App's installation token) shows on the page at once.
  const stopGitHub = targets.githubApp.onChange(() => web?.changed());

  return {
    url: web.url,
    session: () => current,
    targets,
    reset: () => web!.reset(),
    async close() {
      stopGitHub();
      await web!.close();
      clearTimeout(saving);
      await save(current).catch(() => undefined);
      await end(current);
      await targets.close();
    },
  };
}

function devNull(): Writable {
  return new Writable({ write: (_chunk, _enc, done) => done() });
}
