/**
 * The playground's GitHub stand-in (issue 13), through the page's API and no browser: "A workflow run reached
 * production" (`POST /api/github/run`) registers a waiting gate in the loopback GitHub and delivers its signed
 * `deployment_protection_rule` webhook to the bot; the checklist shows the waiting job; the playground template is
 * completed and GO pressed with the page's own acts (`/api/action`, `/api/submit`), and the stand-in's gate is
 * approved, which `/api/state` shows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toggleCheckboxes } from '../../src/playground/slack-client/index.js';
import type { FakeMessage } from '../../src/playground/fake-slack.js';
import { startPlayground, type Playground } from '../../src/playground/web/playground.js';

const CHANNEL = 'C0DEPLOYS';
type Json = Record<string, any>;

interface RunView {
  runId: number;
  sha: string;
  ref: string;
  status: 'waiting' | 'approved' | 'rejected';
  comment?: string;
  reports: string[];
}

describe('the playground: the GitHub stand-in', () => {
  let dataDir: string;
  let playground: Playground | undefined;

  afterEach(async () => {
    await playground?.close();
    playground = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  const post = async (route: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json }> => {
    const res = await fetch(new URL(route, playground!.url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as Json };
  };
  const state = async (user = 'U0LEAD') => (await (await fetch(new URL(`/api/state?user=${user}`, playground!.url))).json()) as Json;
  const settle = () => playground!.session().stack.settle();
  const messages = () => playground!.session().stack.fake.messages(CHANNEL);
  const overview = () => messages().find((m) => !m.thread_ts || m.thread_ts === m.ts)!;
  const text = (m: FakeMessage) => JSON.stringify(m.blocks);

  /** The message and block whose block_id contains `part` (the thread's item blocks, the overview's approvals). */
  const blockWith = (part: string): { message: FakeMessage; block: Json } => {
    for (const message of messages()) {
      const block = message.blocks.find((b: Json) => String(b.block_id ?? '').includes(part));
      if (block) return { message, block };
    }
    throw new Error(`no block ${part}`);
  };

  /** A click as the page sends it, on `element` of `block` in `message`, by `user`. */
  async function click(user: string, message: FakeMessage, block: Json, element: Json): Promise<void> {
    const res = await post('/api/action', { user, container: { type: 'message', channel: CHANNEL, ts: message.ts }, action: { ...element, block_id: block.block_id }, ...(message.thread_ts ? { threadTs: message.thread_ts } : {}) });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe(200);
    await settle();
  }

  /** An item's field: its Set/Edit button, then the modal submitted with `value` (as the page builds the element's value). */
  async function setField(item: string, value: Json): Promise<void> {
    const { message, block } = blockWith(`|${item}|`);
    await click('U0LEAD', message, block, block.accessory);
    const modal = (await state()).modals.at(-1) as { viewId: string; view: Json };
    const input = modal.view.blocks.find((b: Json) => b.type === 'input');
    const submitted = await post('/api/submit', { user: 'U0LEAD', viewId: modal.viewId, values: { [input.block_id]: { [input.element.action_id]: { type: input.element.type, ...value } } } });
    expect(submitted.json.errors).toBeUndefined();
    await settle();
  }

  const approve = async (user: string, approval: string) => {
    const { message, block } = blockWith(`|${approval}`);
    await click(user, message, block, block.elements.find((e: Json) => e.action_id === 'approval.approve'));
  };

  it('a workflow run reaching production waits in the checklist, and GO approves its gate', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'preflight-playground-'));
    playground = await startPlayground({ dataDir, rateLimits: false });

    // Another origin may not play GitHub either.
    expect((await post('/api/github/run', {}, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await state()).github).toEqual({ repo: 'acme/platform', environment: 'production', runs: [] });

    // The run: GitHub registers the gate and delivers the webhook; the bot answers 202 and starts a promotion of the
    // playground template (none is running), its release named after the branch and the commit.
    const run = await post('/api/github/run', {});
    expect(run.status).toBe(200);
    expect(run.json).toMatchObject({ status: 202, message: expect.stringContaining('waiting for Preflight') });
    const sha = run.json.sha as string;
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    await until(() => overview() !== undefined && text(overview()).includes('GitHub job waiting'));
    const said = text(overview());
    expect(said).toContain(`Promotion main-${sha.slice(0, 7)}`);
    expect(said).toContain(`run ${run.json.runId}`);
    expect(said).toContain('triggered by octocat');
    // Its SHA is the release commit the code review is bound to.
    await until(() => text(blockWith('|deployed-sha|').message).includes(sha));
    const waiting = (await state()).github.runs as RunView[];
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ runId: run.json.runId, sha, ref: 'main', status: 'waiting' });
    expect(playground.targets.githubApp.gates[0]?.status).toBe('waiting');

    // Everything GO needs, as the page does it: the readiness items, the choice, the change's fields, the live checks
    // (every stand-in answers well), the code review twice, the database review.
    const readiness = blockWith('|readiness.');
    await click('U0LEAD', readiness.message, readiness.block, toggleCheckboxes(readiness.message, readiness.block.block_id, ['ci-green', 'staging-healthy', 'feature-flags']));
    const choice = blockWith('|restore-tested|');
    const yes = choice.block.accessory.options.find((o: Json) => o.value === 'yes');
    await click('U0LEAD', choice.message, choice.block, { ...choice.block.accessory, selected_option: yes });
    await setField('change-ticket', { value: 'CHG-1234' });
    await setField('maintenance-start', { selected_date_time: Math.floor(Date.now() / 1000) + 3600 });
    await setField('on-call', { selected_user: 'U0DBA' });
    const runAll = messages()
      .flatMap((message) => message.blocks.map((block: Json) => ({ message, block })))
      .find(({ block }) => block.type === 'actions' && block.elements.some((e: Json) => e.action_id === 'probe.run-all'))!;
    await click('U0LEAD', runAll.message, runAll.block, runAll.block.elements.find((e: Json) => e.action_id === 'probe.run-all'));
    await until(() => /Live checks\*\\n9\/9/.test(text(overview())), 30_000);
    await approve('U0CTO', 'code-review');
    await approve('U0SEC', 'code-review');
    await approve('U0DBA', 'dba-review');
    await until(() => text(overview()).includes('2 of 2 complete'));

    // GO, by the Chairman: the job of the bound commit is approved in GitHub, with Preflight's comment.
    const decision = blockWith('decision|');
    await click('U0CHAIR', decision.message, decision.block, decision.block.elements.find((e: Json) => e.action_id === 'decision.go'));
    await until(() => playground!.targets.githubApp.gates[0]?.status === 'approved');
    const [approved] = (await state()).github.runs as RunView[];
    expect(approved).toMatchObject({ runId: run.json.runId, status: 'approved' });
    expect(approved!.comment).toContain(`Approved by Preflight: GO for main-${sha.slice(0, 7)} (commit ${sha.slice(0, 7)})`);
    expect(playground.targets.githubApp.reviews.filter((r) => r.state !== undefined).map((r) => [r.state, r.httpStatus])).toEqual([['approved', 204]]);
    // The overview says GitHub took it; and Reset forgets the stand-in's runs with the rest.
    await until(() => text(overview()).includes('*Released* in GitHub'));
    expect((await post('/api/reset', {})).status).toBe(200);
    expect((await state()).github.runs).toEqual([]);
  }, 120_000);
});

/** Poll until `check` holds (the bot posts and answers GitHub after its commit). */
async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
