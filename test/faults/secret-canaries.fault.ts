/**
 * Secret canaries (issue 14): every secret the bot holds gets a distinctive value (the Slack token and signing secret,
 * the database password, probe targets' credentials, the GitHub token, the GitHub App's private key and webhook secret,
 * the Statuspage key, AWS's secret key and session token, a token in an http probe's URL), and two bot processes run
 * at LOG_LEVEL=debug while errors are driven through every path that handles one: a webhook with a bad signature, a
 * status page that refuses the key (401), probes that fail (PostgreSQL refusing the role, an endpoint answering 500 and
 * echoing its URL, GitHub answering 404 and 403 then 401, CloudWatch refusing the credentials, then throttling), a gate answered through
 * installation tokens, a report uploaded, the CLIs, a bot that cannot start. Then every log line, every Web API call the
 * fake Slack recorded (request bodies), every upload, every row of every table, and what GitHub and Statuspage were
 * sent (bodies) are searched for each canary, and for the word CANARY itself. Zero occurrences.
 *
 * Uses the shared PostgreSQL server (TEST_DATABASE_URL) for a throwaway database and role, dropped at the end.
 * `--quick`: two rounds of probes instead of three (what `npm test` runs). Times are printed, never asserted.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ACTION, refValue } from '../../src/ids.js';
import { spawnBot, type BotProcess } from '../../src/playground/bot-process.js';
import { FakeCloudWatch } from '../../src/playground/fake-cloudwatch.js';
import { FakeGitHub } from '../../src/playground/fake-github.js';
import { FakeGitHubApp } from '../../src/playground/fake-github-app.js';
import { startFakeSlack, type FakeMessage, type FakeSlack } from '../../src/playground/fake-slack.js';
import { deliver, signedDelivery } from '../../src/playground/github-deliveries.js';
import { blockActions, checkboxBlocks, promotionMessages, slashCommand, toggleCheckboxes, visibleText, type SlackSender } from '../../src/playground/slack-client/index.js';
import { FakeStatuspage } from '../support/fake-statuspage.js';
import { generateAppKey } from '../support/github-app.js';
import { crashed, eventually, finish, QUICK, type Figures } from './support.js';

const NAME = 'secret-canaries';
const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const CHANNEL = 'C0DEPLOYS';
const CHAIR = 'U0CHAIR';
const LEAD = 'U0LEAD';
const APP_ID = 424242;
const INSTALLATION = 5150;
const REPO = 'acme/platform';
const SHA = 'c0ffee1234567890abcdef1234567890abcdef12';

const hex = (n: number) => randomBytes(n).toString('hex');
const pgTarget = new URL(TEST_DATABASE_URL);
const suffix = hex(5);
const ROLE = `canary_${suffix}`;
const DATABASE = `canary_${suffix}`;

/** One distinctive value per secret. */
const C = {
  slackToken: `xoxb-CANARY-slack-${hex(12)}`,
  signingSecret: `CANARYsigning${hex(12)}`,
  dbPassword: `CANARYdbpass${hex(12)}`,
  probePgPassword: `CANARYprobepass${hex(12)}`,
  probePgBadUser: `CANARYpgbaduser${hex(5)}`,
  probePgBadPassword: `CANARYpgbadpass${hex(12)}`,
  githubToken: `ghp_CANARY${hex(13)}`,
  webhookSecret: `CANARYwebhook${hex(12)}`,
  statuspageKey: `CANARYstatuspage${hex(12)}`,
  awsSecret: `CANARYaws${hex(16)}`,
  awsSession: `CANARYawssession${hex(16)}`,
  urlToken: `CANARYurltoken${hex(12)}`,
};

const dbUrl = (user: string, password: string, database = DATABASE) => `postgres://${user}:${password}@${pgTarget.hostname}:${pgTarget.port || 5432}/${database}`;

function template(httpTarget: string): string {
  return `# Written by test/faults/secret-canaries.fault.ts: a checklist whose every probe meets a secret.
name: Canary checklist
environment: production
github:
  repo: ${REPO}
  environment: production
  channel: ${CHANNEL}
  commit: deployed-sha
roles:
  lead:
    label: Release lead
    users: [${LEAD}]
  chair:
    label: Chairman
    users: [${CHAIR}]
decider: chair
window:
  duration: 2h
statuspage:
  page_id: pg0canary
  components: [cmp0api]
  maintenance:
    name: "Maintenance: {release}"
    body: "We deploy {release} between {start} and {end}."
sections:
  - id: gates
    title: Gates
    kind: gates
    items:
      - id: deployed-sha
        label: Deployed commit SHA
        field: { type: sha }
      - id: statuspage
        label: Status page maintenance scheduled
  - id: checks
    title: Checks after GO
    kind: verify
    phase: after-go
    items:
      - id: pg-ok
        label: The database answers
        probe: { type: postgres, connection: PROBE_PG_OK, sql: "SELECT count(*) AS n FROM pg_class", expect: { min_rows: 1 } }
      - id: pg-bad
        label: The replica answers
        probe: { type: postgres, connection: PROBE_PG_BAD, check: no-ungranted-locks }
      - id: health
        label: Health endpoint answers 200
        probe: { type: http, url: "${httpTarget}" }
      - id: build
        label: Build green on main
        probe: { type: github-actions, repo: ${REPO}, workflow: build.yml, branch: main }
      - id: gh-secrets
        label: Deploy secrets set
        probe: { type: github-actions, check: environment-secrets, repo: ${REPO}, environment: production, secrets: [PGPASSWORD_PROD, DEPLOY_KEY] }
      - id: errors-5xx
        label: Few 5xx
        probe: { type: cloudwatch, namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count, statistic: Sum, period: 5m, window: 15m, threshold: { op: "<", value: 5 } }
      - id: alarms
        label: No alarm firing
        probe: { type: cloudwatch-alarms, prefix: app-prod- }
      - id: env-set
        label: The bot has its keys
        probe: { type: env, names: [STATUSPAGE_API_KEY, GITHUB_TOKEN, PROBE_PG_OK, AWS_SECRET_ACCESS_KEY] }
`;
}

/** A health endpoint that fails, echoing the URL it was asked for (as a careless upstream does). */
async function failingEndpoint(): Promise<{ server: Server; origin: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `upstream failed for ${req.url}`, token: new URL(req.url ?? '/', 'http://x').searchParams.get('token') }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

/** Run a command to its end; its whole output (stdout and stderr) and exit code. */
function run(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const count = (haystack: string, needle: string) => (needle ? haystack.split(needle).length - 1 : 0);

async function main(): Promise<void> {
  const began = performance.now();
  const figures: Figures = { form: QUICK ? 'quick' : 'full' };
  const checks: Array<[string, boolean]> = [];
  const cleanup: Array<() => Promise<unknown>> = [];
  const bots: BotProcess[] = [];
  let fake: FakeSlack | undefined;
  try {
    // ---- the world: a throwaway database and role, the fakes, the templates --------------------------------------
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${C.dbPassword}'`);
    cleanup.push(async () => {
      const a = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
        await a.query(`DROP ROLE IF EXISTS ${ROLE}`);
      } finally {
        await a.end();
      }
    });
    await admin.query(`CREATE DATABASE ${DATABASE} OWNER ${ROLE}`);
    await admin.end();

    fake = await startFakeSlack();
    const key = generateAppKey();
    const app = new FakeGitHubApp({ appId: APP_ID, publicKey: key.publicKey, installations: [{ id: INSTALLATION, account: 'acme' }] });
    const github = await new FakeGitHub({ app, token: C.githubToken }).start();
    cleanup.push(() => github.close());
    github.secrets.repo.push('DEPLOY_KEY');
    github.secrets.org = 'forbidden';
    github.secrets.environments['production'] = ['PGHOST_PROD'];
    const statuspage = await new FakeStatuspage({ apiKey: `sp-the-key-the-bot-was-not-given-${hex(8)}`, pages: ['pg0canary'] }).start();
    cleanup.push(() => statuspage.close());
    const cloudwatch = await new FakeCloudWatch().start();
    cleanup.push(() => cloudwatch.close());
    cloudwatch.fail = { status: 403, code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' };
    const endpoint = await failingEndpoint();
    cleanup.push(() => new Promise((resolve) => endpoint.server.close(resolve)));
    const checklists = await mkdtemp(path.join(tmpdir(), 'preflight-canaries-'));
    cleanup.push(() => rm(checklists, { recursive: true, force: true }));
    await writeFile(path.join(checklists, 'canary.yml'), template(`${endpoint.origin}/health?token=${C.urlToken}`));

    const env: Record<string, string> = {
      SLACK_BOT_TOKEN: C.slackToken,
      SLACK_SIGNING_SECRET: C.signingSecret,
      SLACK_API_URL: fake.apiUrl,
      DATABASE_URL: dbUrl(ROLE, C.dbPassword),
      CHECKLISTS_DIR: checklists,
      LOG_LEVEL: 'debug',
      NODE_ENV: 'production',
      GITHUB_TOKEN: C.githubToken,
      GITHUB_API_URL: github.url,
      GITHUB_APP_ID: String(APP_ID),
      GITHUB_APP_PRIVATE_KEY: key.privateKey,
      GITHUB_WEBHOOK_SECRET: C.webhookSecret,
      STATUSPAGE_API_KEY: C.statuspageKey,
      STATUSPAGE_API_URL: statuspage.url,
      AWS_REGION: 'eu-west-1',
      CLOUDWATCH_ENDPOINT: cloudwatch.url,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: C.awsSecret,
      AWS_SESSION_TOKEN: C.awsSession,
      PROBE_PG_OK: dbUrl(ROLE, C.probePgPassword),
      PROBE_PG_BAD: dbUrl(C.probePgBadUser, C.probePgBadPassword),
    };

    // ---- two bots, at debug level ---------------------------------------------------------------------------------
    let t = performance.now();
    bots.push(...(await Promise.all([spawnBot('canary-1', env), spawnBot('canary-2', env)])));
    figures['bots ready'] = `${bots.length} in ${Math.round(performance.now() - t)} ms`;
    const senders: SlackSender[] = bots.map((b) => ({ url: `${b.url}/slack/events`, signingSecret: C.signingSecret }));
    const f = fake;
    const command = async (text: string, user: string, sender = senders[0]!) => (await slashCommand(sender, { text, userId: user, channelId: CHANNEL, responseUrl: f.responseUrl({ channel: CHANNEL, user }) })).status;
    const click = async (user: string, message: FakeMessage, action: Record<string, unknown>, sender = senders[1]!) =>
      (await blockActions(sender, { userId: user, channelId: CHANNEL, message, action, responseUrl: f.responseUrl({ channel: CHANNEL, user, messageTs: message.ts }), triggerId: f.triggerId() })).status;
    const statuses: Record<string, number> = {};
    let actionTs = 1795300000;
    const element = (actionId: string, value?: string): { message: FakeMessage; action: Record<string, unknown> } => {
      const m = promotionMessages(f, CHANNEL)[0];
      for (const message of m ? [m.overview, ...m.thread] : []) {
        for (const block of message.blocks) {
          for (const el of [...(block.elements ?? []), ...(block.accessory ? [block.accessory] : [])]) {
            if (el.action_id === actionId && (value === undefined || el.value === value)) return { message, action: { ...el, block_id: block.block_id, action_ts: `${actionTs++}.000001` } };
          }
        }
      }
      throw new Error(`no ${actionId} shown`);
    };

    // ---- a delivery with a bad signature, then GitHub's job reaching production --------------------------------
    const gate = app.requestGate({ repo: REPO, environment: 'production', sha: SHA, ref: 'main', installationId: INSTALLATION, sender: 'octocat' });
    statuses['webhook, bad signature'] = (await deliver(`${bots[0]!.url}/github/webhook`, signedDelivery(gate.payload, `not-${C.webhookSecret}`))).status;
    statuses['webhook, good signature'] = (await deliver(`${bots[1]!.url}/github/webhook`, signedDelivery(gate.payload, C.webhookSecret))).status;
    const inspect = new URL(TEST_DATABASE_URL);
    inspect.pathname = `/${DATABASE}`;
    const db = new pg.Client({ connectionString: inspect.toString() });
    await db.connect();
    cleanup.unshift(() => db.end());
    const pid = await eventually('the promotion the job opened', async () => (await db.query<{ id: string }>("SELECT id FROM promotions WHERE release = 'main'")).rows[0]?.id, 30_000);
    await eventually('its checklist in Slack', () => promotionMessages(f, CHANNEL)[0]?.thread.some((m) => checkboxBlocks(m).some((b) => b.values.includes('statuspage'))), 30_000);

    // ---- the status page refuses the key ------------------------------------------------------------------------
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    statuses['/promote schedule'] = await command(`schedule main ${day} 02:00 UTC`, CHAIR);
    await eventually('Statuspage refusing the key', () => statuspage.calls.some((c) => c.status === 401), 30_000);
    await eventually('the refusal shown in the thread', () => f.messages(CHANNEL).some((m) => visibleText(m).includes('the status page was *not* updated')), 30_000);

    // ---- GO: GitHub's gate answered with an installation token -------------------------------------------------
    const box = promotionMessages(f, CHANNEL)[0]!.thread.flatMap((message) => checkboxBlocks(message).filter((b) => b.values.includes('statuspage')).map((b) => ({ message, b })))[0]!;
    // Slack failing too: the tick's refresh meets 500s (the client's retries, then the error logged and the lead told).
    f.faults.set('chat.update', { kind: '500', count: 4 });
    statuses['tick'] = await click(LEAD, box.message, toggleCheckboxes(box.message, box.b.blockId, ['statuspage']));
    await eventually('the tick applied', async () => (await db.query("SELECT 1 FROM item_states WHERE promotion_id = $1 AND item_id = 'statuspage' AND state = 'done'", [pid])).rows.length > 0, 30_000);
    const go = await eventually('GO shown', () => {
      try {
        return element(ACTION.go);
      } catch {
        return undefined;
      }
    }, 30_000);
    statuses['GO'] = await click(CHAIR, go.message, go.action);
    await eventually('GitHub told of the GO', () => app.reviews.some((r) => r.state === 'approved' && r.httpStatus === 204), 30_000);

    // ---- probes: GitHub 404 and 403 and CloudWatch refusing the token, then GitHub 401 and a bad signature, then
    // (full form) CloudWatch throttling, which the SDK retries ----------------------------------------------------
    const rounds = QUICK ? 2 : 3;
    let probeRuns = 0;
    for (let round = 1; round <= rounds; round++) {
      if (round === 2) {
        github.opts.token = `some-other-token-${hex(6)}`; // every PAT call now 401 Bad credentials
        cloudwatch.fail = { status: 403, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.' };
      }
      if (round === 3) {
        github.opts.token = C.githubToken;
        cloudwatch.fail = { status: 400, code: 'Throttling', message: 'Rate exceeded' };
      }
      t = performance.now();
      const runAll = await eventually('Run all checks shown', () => {
        try {
          return element(ACTION.runProbes, refValue(pid, 'checks'));
        } catch {
          return undefined;
        }
      }, 30_000);
      statuses[`Run all checks (round ${round})`] = await click(round === 2 ? CHAIR : LEAD, runAll.message, runAll.action, senders[round % 2]);
      probeRuns += 8;
      await eventually(`round ${round} of the probes finished`, async () => Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM probe_runs WHERE promotion_id = $1 AND status NOT IN ('running')", [pid])).rows[0]!.n) >= probeRuns, 90_000);
      figures[`probes round ${round}`] = `${Math.round(performance.now() - t)} ms`;
    }
    const outcomes = (await db.query<{ item_id: string; status: string; summary: string }>('SELECT item_id, status, summary FROM probe_runs WHERE promotion_id = $1 ORDER BY started_at', [pid])).rows;
    for (const o of outcomes) console.log(`  probe ${o.item_id}: ${o.status}: ${o.summary.slice(0, 150)}`);

    // ---- the report, some commands, a refusal ---------------------------------------------------------------------
    statuses['/promote report'] = await command('report main', LEAD, senders[1]);
    await eventually('the report uploaded', () => f.files().filter((x) => x.completed).length >= 1, 30_000);
    statuses['/promote status'] = await command('status main', LEAD);
    statuses['/promote abort (unknown release)'] = await command('abort v9.99 nothing to abort', LEAD);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    // ---- the bots stop; the CLIs; a bot that cannot reach its database ----------------------------------------
    await Promise.all(bots.map((b) => b.stop()));
    const cli = (script: string, args: string[], databaseUrl: string) => run([script, ...args], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'debug' });
    const outputs: Record<string, string> = {};
    for (const b of bots) outputs[`bot ${b.name} output (stdout+stderr)`] = b.output();
    const verify = await cli('src/cli/verify-audit.ts', ['main'], env['DATABASE_URL']!);
    // A role that does not exist, with the real password (a typo in the user name): the password must not show.
    const wrongRole = dbUrl(`nobody_${suffix}`, C.dbPassword);
    const verifyBad = await cli('src/cli/verify-audit.ts', ['main'], wrongRole);
    const report = await cli('src/cli/report.ts', ['main', '--json'], env['DATABASE_URL']!);
    const badStart = await run(['src/main.ts'], { ...env, PORT: '0', DATABASE_URL: wrongRole }, 60_000);
    outputs['verify-audit output'] = verify.output;
    outputs['verify-audit output (unknown role)'] = verifyBad.output;
    outputs['report CLI output'] = report.output;
    outputs['bot that could not start (unknown role) output'] = badStart.output;
    figures['CLI exit codes'] = `verify-audit ${verify.code}, verify-audit (unknown role) ${verifyBad.code}, report ${report.code}, failed start ${badStart.code}`;

    // ---- where to search ------------------------------------------------------------------------------------------
    const sources: Array<[string, string]> = [...Object.entries(outputs)];
    sources.push(['slack: Web API calls (method, request body, answer)', JSON.stringify(f.calls.map((c) => ({ method: c.method, args: c.args, answer: c.answer })))]);
    sources.push(['slack: messages', JSON.stringify(f.messages())]);
    sources.push(['slack: ephemerals and response_url posts', JSON.stringify([f.ephemerals(), f.responses()])]);
    sources.push(['slack: views', JSON.stringify(f.views())]);
    sources.push(['slack: uploaded files', f.files().map((x) => `${x.filename}\n${x.title}\n${f.fileText(x.id) ?? ''}`).join('\n')]);
    sources.push(['github: review bodies and requests', JSON.stringify([app.reviews.map((r) => ({ ...r, authorization: undefined })), github.requests, github.dispatches.map((d) => d.body)])]);
    sources.push(['statuspage: request bodies', JSON.stringify(statuspage.calls.map((c) => ({ method: c.method, path: c.path, body: c.body })))]);
    const tables = (await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name")).rows.map((r) => r.table_name);
    let rows = 0;
    for (const table of tables) {
      // A promotion keeps the checklist as written (its template), the http probe's URL with it: searched apart.
      const r = await db.query<{ row: string }>(`SELECT (to_jsonb(t)${table === 'promotions' ? " - 'template'" : ''})::text AS row FROM "${table}" t`);
      rows += r.rows.length;
      sources.push([`db: ${table}`, r.rows.map((x) => x.row).join('\n')]);
    }
    const asWritten = (await db.query<{ template: string }>('SELECT template::text AS template FROM promotions')).rows.map((x) => x.template).join('\n');
    figures['database searched'] = `${tables.length} tables, ${rows} rows`;

    // ---- what to search for ---------------------------------------------------------------------------------------
    const body = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    const slices = (label: string, b64: string) => [0.1, 0.3, 0.5, 0.7, 0.9].map((at) => [`${label} slice @${Math.round(at * 100)}%`, b64.slice(Math.floor(at * (b64.length - 40)), Math.floor(at * (b64.length - 40)) + 40)] as [string, string]);
    const canaries: Array<[string, string]> = [
      ['SLACK_BOT_TOKEN', C.slackToken],
      ['SLACK_SIGNING_SECRET', C.signingSecret],
      ['DATABASE_URL password', C.dbPassword],
      ['PROBE_PG_OK password', C.probePgPassword],
      ['PROBE_PG_BAD user', C.probePgBadUser],
      ['PROBE_PG_BAD password', C.probePgBadPassword],
      ['GITHUB_TOKEN', C.githubToken],
      ['GITHUB_WEBHOOK_SECRET', C.webhookSecret],
      ['STATUSPAGE_API_KEY', C.statuspageKey],
      ['AWS_SECRET_ACCESS_KEY', C.awsSecret],
      ['AWS_SESSION_TOKEN', C.awsSession],
      ['token= in the http probe URL', C.urlToken],
      ...slices('GitHub App key (PKCS#1, as given)', body(key.privateKey)),
      ...slices('GitHub App key (PKCS#8, as the bot holds it)', body(key.privateKeyPkcs8)),
      ...[...app.tokens.keys()].map((tok, i) => [`installation token ${i + 1} (${tok.slice(0, 8)}…)`, tok] as [string, string]),
      // The App's JWTs (signed with its key, good for minutes): credentials too.
      ...[...new Set(app.tokenRequests.map((r) => r.authorization?.replace(/^Bearer\s+/i, '') ?? ''))].filter(Boolean).map((jwt, i) => [`App JWT ${i + 1} (signature part)`, jwt.split('.')[2] ?? jwt] as [string, string]),
      ['the word CANARY (any canary, whole or cut)', 'CANARY'],
    ];
    const hits = canaries.map(([label, value]) => ({ label, where: sources.map(([s, text]) => [s, count(text, value)] as const).filter(([, n]) => n > 0) }));
    for (const [s, text] of sources) {
      const n = canaries.reduce((sum, [, value]) => sum + count(text, value), 0);
      console.log(`  searched ${s}: ${text.length} chars, ${n} canary occurrence(s)`);
    }
    figures['promotions.template (the checklist as written, kept with its promotion; not counted)'] = canaries.map(([label, value]) => [label, count(asWritten, value)] as const).filter(([, n]) => n > 0).map(([label, n]) => `${label} ×${n}`).join(', ') || 'no canary';
    for (const h of hits) console.log(`  canary ${h.label}: ${h.where.reduce((s, [, n]) => s + n, 0)}${h.where.length ? ` (${h.where.map(([s, n]) => `${s} ×${n}`).join(', ')})` : ''}`);
    for (const h of hits) {
      for (const [s] of h.where) {
        const text = sources.find(([x]) => x === s)![1];
        const value = canaries.find(([l]) => l === h.label)![1];
        const at = text.indexOf(value);
        console.log(`  leak: ${h.label} in ${s}: …${text.slice(Math.max(0, at - 160), at + value.length + 60).replace(/\s+/g, ' ')}…`);
      }
    }

    // ---- that the scenario happened, and the canaries were in use where they belong ------------------------------
    const gateAnswered = app.reviews.filter((r) => r.state === 'approved' && r.httpStatus === 204).length;
    const failed = outcomes.filter((o) => o.status !== 'pass').map((o) => o.item_id);
    figures['requests answered'] = Object.entries(statuses).map(([k, v]) => `${k} ${v}`).join(', ');
    figures['installation tokens minted'] = app.tokens.size;
    figures['Statuspage answers'] = statuspage.calls.map((c) => c.status).join(', ');
    figures['CloudWatch calls refused'] = cloudwatch.calls.length;
    figures['GitHub requests (PAT and App)'] = github.requests.length;
    figures['failing endpoint hits'] = endpoint.hits();
    figures['probe runs'] = `${outcomes.length} (${outcomes.filter((o) => o.status === 'pass').length} passed; not passing: ${[...new Set(failed)].join(', ')})`;
    figures['uploads'] = f.files().map((x) => `${x.filename} (${x.length} bytes)`).join(', ');
    figures['Web API calls recorded / answered 500'] = `${f.calls.length} / ${f.faults.count()['500']}`;
    figures['bot log lines'] = bots.reduce((s, b) => s + b.output().split('\n').filter(Boolean).length, 0);
    figures['total'] = `${Math.round(performance.now() - began)} ms`;
    const inUse = [
      f.calls.some((c) => c.token === C.slackToken),
      statuspage.calls.some((c) => c.authorization?.includes(C.statuspageKey)),
      app.reviews.some((r) => r.authorization?.startsWith('token ghs_')),
    ];
    const leaks = hits.reduce((s, h) => s + h.where.reduce((x, [, n]) => x + n, 0), 0);
    checks.push([`the bots used the canaries where they belong (the Slack token on Slack's wire, the Statuspage key in its Authorization, an installation token at GitHub): ${inUse.filter(Boolean).length} of ${inUse.length}`, inUse.every(Boolean)]);
    checks.push([`the errors happened: bad signature refused (${statuses['webhook, bad signature']}), Statuspage 401, GO answered in GitHub (${gateAnswered}), probes failing (${new Set(failed).size} items), a report uploaded, the bad-role start refused (exit ${badStart.code})`, statuses['webhook, bad signature'] === 401 && statuspage.calls.some((c) => c.status === 401) && gateAnswered === 1 && ['pg-bad', 'health', 'build', 'gh-secrets', 'errors-5xx', 'alarms'].every((i) => failed.includes(i)) && f.files().length > 0 && badStart.code !== 0]);
    checks.push([`every Slack request acknowledged (${Object.values(statuses).filter((s) => s === 200).length} of ${Object.keys(statuses).filter((k) => !k.startsWith('webhook')).length})`, Object.entries(statuses).filter(([k]) => !k.startsWith('webhook')).every(([, s]) => s === 200)]);
    checks.push([`${canaries.length} canaries searched in ${sources.length} places: ${leaks} occurrence(s)`, leaks === 0]);
  } catch (err) {
    // What the people and the bots said, to see why.
    for (const e of fake?.ephemerals() ?? []) console.error(`  told ${e.user}: ${e.text}`);
    for (const b of bots) console.error(`  ${b.name}, last lines:\n${b.output().split('\n').slice(-15).join('\n')}`);
    throw err;
  } finally {
    await Promise.all(bots.map((b) => b.kill()));
    await fake?.close();
    for (const c of cleanup) await c().catch((err: unknown) => console.error(`cleanup: ${(err as Error).message}`));
  }
  finish(NAME, figures, checks);
}

main().catch((err) => crashed(NAME, err));
