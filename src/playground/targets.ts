/**
 * What the playground template's probes talk to (src/playground/checklists/playground.yml), all on 127.0.0.1 and
 * configured into the bot through its environment (`env`), so `npm run playground` needs no setup:
 * - GitHub (./fake-github.ts): `acme/platform`, whose build.yml is green on main (after a red run) and whose
 *   nightly-e2e.yml is red, and a `production` environment with the deploy's secrets (names only, as GitHub lists them);
 * - a health endpoint (`GET /health/ready`, `/health/live`): 200 `{"status":"ok"}`, or 503 while the page's switch says
 *   failing (`health.failing`);
 * - CloudWatch (./fake-cloudwatch.ts, AWS JSON 1.0 as the SDK speaks it; dummy credentials): a low 5xx count and the
 *   `app-prod-` alarms, all OK;
 * - PostgreSQL: the server at `databaseUrl` when given (the developer's DATABASE_URL), otherwise an embedded PGlite
 *   served over the wire (./pg-wire.ts), in PLAYGROUND_DATABASE_URL; the probes only read (locks, the WAL position);
 * - GitHub's App side (./fake-github-app.ts): Preflight installed as a GitHub App on `acme` (a key pair made at start;
 *   GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_WEBHOOK_SECRET), the custom deployment protection rule of
 *   acme/platform's `production`: `runReachesProduction` registers a waiting gate and delivers its signed
 *   `deployment_protection_rule` webhook to the bot, as GitHub does when a workflow job reaches the environment.
 *
 * The health endpoint's origin is written in the template as HEALTH_ORIGIN; when that port is taken (or `healthPort`
 * is 0, as tests ask) it listens elsewhere, and `renderTemplates` writes the template with the origin it got.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { FakeCloudWatch } from './fake-cloudwatch.js';
import { FakeGitHub } from './fake-github.js';
import { FakeGitHubApp, type FakeGate } from './fake-github-app.js';
import { deliver, signedDelivery } from './github-deliveries.js';
import { servePgliteOverWire, type PgWireServer } from './pg-wire.js';

/** Where the template says the health endpoint is; `npm run playground` listens there when it can. */
export const HEALTH_ORIGIN = 'http://127.0.0.1:3751';
export const HEALTH_PORT = 3751;

/** A token the stand-in GitHub asks for, as GitHub asks for one (not a secret: it opens nothing else). */
const GITHUB_TOKEN = 'playground-github-token';

/** The playground's GitHub App: its id, its one installation (on acme), and its webhook secret (not secrets either). */
export const GITHUB_APP_ID = 1_000_001;
export const GITHUB_INSTALLATION_ID = 5150;
const GITHUB_WEBHOOK_SECRET = 'playground-webhook-secret';
/** The repository and environment the App gates (the playground template's `github:`). */
export const GATED_REPO = 'acme/platform';
export const GATED_ENVIRONMENT = 'production';

/** What a workflow run reaching production did: the gate GitHub registered, and how the bot answered its webhook. */
export interface GateDeliveryResult {
  gate: FakeGate;
  /** The bot's HTTP status (202: waiting for GO; 0: the bot did not answer). */
  status: number;
  text: string;
}

export interface PlaygroundTargets {
  /** The bot's environment for them: GITHUB_*, AWS_*, CLOUDWATCH_ENDPOINT, PLAYGROUND_DATABASE_URL. */
  env: Record<string, string>;
  /** The health endpoint's origin (http://127.0.0.1:PORT). */
  healthOrigin: string;
  /** The page's switch: while true, the health endpoint answers 503. */
  health: { failing: boolean };
  github: FakeGitHub;
  /** The GitHub App side of `github`: the gates it registered and how Preflight answered them. */
  githubApp: FakeGitHubApp;
  /**
   * A workflow run of acme/platform reaching `production` (a fresh SHA on main, by octocat): GitHub registers the
   * waiting gate and delivers the signed `deployment_protection_rule` webhook to `webhookUrl` (the bot's /github/webhook).
   */
  runReachesProduction(webhookUrl: string): Promise<GateDeliveryResult>;
  cloudwatch: FakeCloudWatch;
  /** Which PostgreSQL the postgres probes read: the developer's server, or the embedded one. */
  database: 'postgres' | 'pglite';
  /** Copies the templates of `from` into `to`, the health endpoint's origin as it is now. */
  renderTemplates(from: string, to: string): Promise<string>;
  close(): Promise<void>;
}

export interface TargetsOptions {
  /** A PostgreSQL for the probes to read (DATABASE_URL); absent: PGlite, served over the wire. */
  databaseUrl?: string;
  /** The health endpoint's port: default HEALTH_PORT (a free one when taken); 0 for any. */
  healthPort?: number;
}

export async function startTargets(opts: TargetsOptions = {}): Promise<PlaygroundTargets> {
  const health = { failing: false };
  const healthServer = await startHealth(health, opts.healthPort ?? HEALTH_PORT);
  // The App's key pair, made afresh at each start: the bot signs its JWTs with the private key, the fake checks them.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const githubApp = new FakeGitHubApp({ appId: GITHUB_APP_ID, publicKey, installations: [{ id: GITHUB_INSTALLATION_ID, account: GATED_REPO.split('/')[0]! }] });
  const github = seedGitHub(await new FakeGitHub({ token: GITHUB_TOKEN, login: 'preflight-bot', workflows: { 'build.yml': { inputs: [] }, 'nightly-e2e.yml': { inputs: [] } }, app: githubApp }).start());
  const cloudwatch = seedCloudWatch(await new FakeCloudWatch().start());

  let pglite: PGlite | undefined;
  let wire: PgWireServer | undefined;
  let databaseUrl = opts.databaseUrl;
  if (!databaseUrl) {
    pglite = await PGlite.create();
    await pglite.exec(`CREATE TABLE orders (id serial PRIMARY KEY, placed_at timestamptz NOT NULL DEFAULT now());
                       INSERT INTO orders (placed_at) SELECT now() - n * interval '1 minute' FROM generate_series(1, 50) n;`);
    wire = await servePgliteOverWire(pglite);
    databaseUrl = wire.url;
  }

  const healthOrigin = `http://127.0.0.1:${healthServer.port}`;
  return {
    env: {
      GITHUB_TOKEN,
      GITHUB_API_URL: github.url,
      GITHUB_APP_ID: String(GITHUB_APP_ID),
      GITHUB_APP_PRIVATE_KEY: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      GITHUB_WEBHOOK_SECRET,
      AWS_REGION: 'eu-west-1',
      CLOUDWATCH_ENDPOINT: cloudwatch.url,
      AWS_ACCESS_KEY_ID: 'playground',
      AWS_SECRET_ACCESS_KEY: 'playground',
      PLAYGROUND_DATABASE_URL: databaseUrl,
    },
    healthOrigin,
    health,
    github,
    githubApp,
    async runReachesProduction(webhookUrl) {
      const gate = githubApp.requestGate({ repo: GATED_REPO, environment: GATED_ENVIRONMENT, sha: randomBytes(20).toString('hex'), ref: 'main', installationId: GITHUB_INSTALLATION_ID, sender: 'octocat' });
      try {
        const answer = await deliver(webhookUrl, signedDelivery(gate.payload, GITHUB_WEBHOOK_SECRET, { appId: GITHUB_APP_ID }), { signal: AbortSignal.timeout(10_000) });
        return { gate, ...answer };
      } catch (err) {
        return { gate, status: 0, text: err instanceof Error ? err.message : String(err) };
      }
    },
    cloudwatch,
    database: opts.databaseUrl ? 'postgres' : 'pglite',
    async renderTemplates(from, to) {
      await mkdir(to, { recursive: true });
      for (const name of await readdir(from)) {
        if (!/\.ya?ml$/.test(name)) continue;
        const text = await readFile(path.join(from, name), 'utf8');
        await writeFile(path.join(to, name), text.split(HEALTH_ORIGIN).join(healthOrigin));
      }
      return to;
    },
    async close() {
      await Promise.allSettled([healthServer.close(), github.close(), cloudwatch.close(), wire?.close()]);
      await pglite?.close().catch(() => undefined);
    },
  };
}

function seedGitHub(gh: FakeGitHub): FakeGitHub {
  gh.branches['main'] = 'c0ffee0d15ea5e0000000000000000000000beef';
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  // Added oldest first: each is listed before the ones added earlier, as GitHub lists runs newest first.
  gh.addRun('build.yml', { event: 'push', head_branch: 'main', status: 'completed', conclusion: 'failure', head_sha: 'badc0de000000000000000000000000000000000', created_at: ago(90), display_title: 'Fix the flaky checkout test' });
  gh.addRun('build.yml', { event: 'push', head_branch: 'main', status: 'completed', conclusion: 'success', head_sha: gh.branches['main'], created_at: ago(30), display_title: 'Release v1.50' });
  gh.addRun('nightly-e2e.yml', { event: 'schedule', head_branch: 'main', status: 'completed', conclusion: 'success', created_at: ago(26 * 60) });
  gh.addRun('nightly-e2e.yml', { event: 'schedule', head_branch: 'main', status: 'completed', conclusion: 'failure', created_at: ago(2 * 60) });
  gh.secrets.repo.push('SLACK_WEBHOOK_URL');
  gh.secrets.environments['production'] = ['PGHOST_PROD', 'PGPASSWORD_PROD', 'DEPLOY_ROLE_ARN'];
  return gh;
}

function seedCloudWatch(cw: FakeCloudWatch): FakeCloudWatch {
  cw.metrics['AWS/ApplicationELB/HTTPCode_Target_5XX_Count'] = 0;
  cw.metrics['AWS/ApplicationELB/TargetResponseTime'] = 0.18;
  const since = new Date(Date.now() - 3 * 86_400_000);
  cw.alarms.push(
    { name: 'app-prod-5xx', type: 'MetricAlarm', state: 'OK', since },
    { name: 'app-prod-latency-p95', type: 'MetricAlarm', state: 'OK', since },
    { name: 'app-prod-health', type: 'CompositeAlarm', state: 'OK', since },
  );
  return cw;
}

async function startHealth(health: { failing: boolean }, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || !/^\/health(\/(live|ready))?$/.test(url.pathname)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    res
      .writeHead(health.failing ? 503 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify(health.failing ? { status: 'failing', reason: 'switched to failing in the playground page' } : { status: 'ok' }));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    await listen(0);
  }
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
