/**
 * `npm run playground` without a browser: state survives a restart (the bot's PGlite and the emulator's saved state),
 * Reset starts afresh, the clock only the playground can move, and the page's server refusing other origins.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPlayground, type Playground } from '../../src/playground/web/playground.js';

const CHANNEL = 'C0DEPLOYS';

describe('the playground', () => {
  let dataDir: string;
  let playground: Playground | undefined;

  afterEach(async () => {
    await playground?.close();
    playground = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  const overviewOf = (p: Playground) => p.session().stack.fake.messages(CHANNEL).find((m) => !m.thread_ts);
  const post = (p: Playground, route: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(new URL(route, p.url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('keeps its workspace across a restart, and Reset starts afresh', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'preflight-playground-'));
    playground = await startPlayground({ dataDir });
    expect((await post(playground, '/api/command', { user: 'U0LEAD', channel: CHANNEL, text: '/promote start v1.50' })).status).toBe(200);
    await playground.session().stack.settle();
    const before = overviewOf(playground)!;
    expect(JSON.stringify(before.blocks)).toContain('v1.50');
    await playground.close();

    playground = await startPlayground({ dataDir });
    const after = overviewOf(playground)!;
    expect(after.ts).toBe(before.ts);
    // The restarted bot still knows the promotion and updates the very message it posted before the restart.
    const state = (await (await fetch(new URL('/api/state?user=U0CTO', playground.url))).json()) as { messages: { ts: string }[] };
    expect(state.messages.some((m) => m.ts === before.ts)).toBe(true);
    const block = after.blocks.find((b: any) => String(b.block_id).includes('|code-review'));
    const approve = block.elements.find((e: any) => e.text.text === 'Approve');
    const res = await post(playground, '/api/action', { user: 'U0CTO', container: { type: 'message', channel: CHANNEL, ts: after.ts }, action: { ...approve, block_id: block.block_id } });
    expect(res.status).toBe(200);
    await playground.session().stack.settle();
    expect(JSON.stringify(overviewOf(playground)!.blocks)).toContain('1 of 2 approvals');

    expect((await post(playground, '/api/reset', {})).status).toBe(200);
    expect(overviewOf(playground)).toBeUndefined();
    expect((await post(playground, '/api/command', { user: 'U0LEAD', channel: CHANNEL, text: '/promote start v1.50' })).status).toBe(200);
    await playground.session().stack.settle();
    expect(overviewOf(playground)).toBeDefined();
  }, 120_000);

  it('moves the bot clock forward only, through its own endpoint, and refuses a POST from another origin', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'preflight-playground-'));
    playground = await startPlayground({ dataDir });
    const before = playground.session().clock.now().getTime();
    const moved = (await (await post(playground, '/api/clock', { advanceMs: 3_600_000 })).json()) as { offsetMs: number };
    expect(moved.offsetMs).toBe(3_600_000);
    expect(playground.session().clock.now().getTime() - before).toBeGreaterThanOrEqual(3_600_000);
    expect((await post(playground, '/api/clock', { advanceMs: -60_000 })).status).toBe(400);
    // No promotion with a T0 yet: nothing to jump to, and the answer says why.
    const jump = await post(playground, '/api/clock', { to: 'T-5m' });
    expect(jump.status).toBe(409);
    expect(((await jump.json()) as { error: string }).error).toContain('no T0');
    expect((await post(playground, '/api/reset', {}, { origin: 'https://evil.example' })).status).toBe(403);
  }, 120_000);

  it('jumps to T-5m of the promotion\'s T0 (not the window\'s start), then to each next reminder, posting what fell due at once', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'preflight-playground-'));
    playground = await startPlayground({ dataDir });
    const s = playground.session();
    const jump = (to: string) => post(playground!, '/api/clock', { to });
    const thread = () => s.stack.fake.messages(CHANNEL).filter((m) => m.thread_ts && m.thread_ts !== m.ts).map((m) => JSON.stringify(m.blocks));

    // Started, not scheduled: the refusal says how to schedule it.
    expect((await post(playground, '/api/command', { user: 'U0LEAD', channel: CHANNEL, text: '/promote start v1.50' })).status).toBe(200);
    await s.stack.settle();
    const refused = await jump('T-5m');
    expect(refused.status).toBe(409);
    const { error } = (await refused.json()) as { error: string };
    expect(error).toContain('no T0');
    expect(error).toContain('/promote schedule v1.50 in 2h');
    expect(error).toContain('Schedule window');

    // The playground's window opens 15 minutes before T0: T-5m is T0's, 10 minutes after the window opens.
    expect((await post(playground, '/api/command', { user: 'U0LEAD', channel: CHANNEL, text: '/promote schedule v1.50 in 2h' })).status).toBe(200);
    await s.stack.settle();
    const row = (await s.stack.bot.db.query<{ t0: Date; window_start: Date }>("SELECT t0, window_start FROM promotions WHERE release = 'v1.50'")).rows[0]!;
    expect(new Date(row.t0).getTime() - new Date(row.window_start).getTime()).toBe(15 * 60_000);
    const moved = (await (await jump('T-5m')).json()) as { now: string; moved: string };
    expect(moved.moved).toBe('T-5m of v1.50');
    expect(Math.abs(new Date(moved.now).getTime() - (new Date(row.t0).getTime() - 5 * 60_000))).toBeLessThan(5_000);
    // The server asks the bot to send what fell due right after the move (its scheduler would within 5 s).
    await s.stack.settle();
    await until(() => thread().some((b) => b.includes('Final checks (T-5m)') && b.includes('Still open')));
    expect((await jump('T-5m')).status).toBe(409);

    // Next reminder: T0, then the T+2m decision point.
    expect(((await (await jump('next')).json()) as { moved: string }).moved).toBe('T0 of v1.50: reminder');
    expect(((await (await jump('next')).json()) as { moved: string }).moved).toBe('T+2m of v1.50: decision point');
    await s.stack.settle();
    await until(() => thread().some((b) => b.includes('checkpoint.continue')));
  }, 120_000);
});

/** Poll until `check` holds, for what the bot sends after answering (the outbox posts after its commit). */
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

