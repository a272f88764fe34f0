/**
 * The playground's page and a modal with a static_select and a users_select (the section's Assign… modal): opened by a
 * click sent as the page sends it, its values built as the page's own renderer builds them (static/blocks.js), and
 * submitted through the page's server. No browser: the page's values are what `initialValues` and the elements'
 * change handlers produce.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT, VIEW } from '../../src/ids.js';
import { startPlayground, type Playground } from '../../src/playground/web/playground.js';

const CHANNEL = 'C0DEPLOYS';
type Json = Record<string, any>;

describe('the playground: a modal with a static_select and a users_select', () => {
  let dataDir: string;
  let playground: Playground | undefined;

  afterEach(async () => {
    await playground?.close();
    playground = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  const post = async (p: Playground, route: string, body: unknown): Promise<{ status: number; json: Json }> => {
    const res = await fetch(new URL(route, p.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as Json };
  };
  const state = async (p: Playground, user: string) => (await (await fetch(new URL(`/api/state?user=${user}`, p.url))).json()) as Json;

  it('renders the Assign… modal, and submits the item and the person the page picked', async () => {
    // The page's renderer is a plain ES module served to the browser; its value-building parts need no DOM.
    const blocksJs = '../../src/playground/web/static/blocks.js';
    const { initialValues } = (await import(blocksJs)) as { initialValues: (blocks: unknown[], ctx: Json) => Json };

    dataDir = await mkdtemp(path.join(tmpdir(), 'preflight-playground-'));
    playground = await startPlayground({ dataDir });
    const fake = playground.session().stack.fake;
    expect((await post(playground, '/api/command', { user: 'U0LEAD', channel: CHANNEL, text: '/promote start v1.50' })).status).toBe(200);
    await playground.session().stack.settle();

    const message = fake.messages(CHANNEL).find((m) => m.thread_ts && JSON.stringify(m.blocks).includes(ACTION.openAssign))!;
    const block = message.blocks.find((b: Json) => b.type === 'actions' && b.elements.some((e: Json) => e.action_id === ACTION.openAssign));
    const button = block.elements.find((e: Json) => e.action_id === ACTION.openAssign);
    const clicked = await post(playground, '/api/action', { user: 'U0LEAD', container: { type: 'message', channel: CHANNEL, ts: message.ts }, action: { ...button, block_id: block.block_id }, threadTs: message.thread_ts });
    expect(clicked.status).toBe(200);
    await playground.session().stack.settle();

    const [modal] = (await state(playground, 'U0LEAD')).modals as Array<{ viewId: string; view: Json }>;
    expect(modal?.view.callback_id).toBe(VIEW.assign);
    const itemInput = modal!.view.blocks.find((b: Json) => b.block_id === INPUT.assignItem);
    const userInput = modal!.view.blocks.find((b: Json) => b.block_id === INPUT.assignUser);
    expect([itemInput.element.type, userInput.element.type]).toEqual(['static_select', 'users_select']);

    // What the page holds when the modal opens (nothing chosen), then after the person picks an item and someone.
    const values = initialValues(modal!.view.blocks, {});
    expect(values[INPUT.assignItem][INPUT.value]).toEqual({ type: 'static_select', selected_option: null });
    expect(values[INPUT.assignUser][INPUT.value]).toEqual({ type: 'users_select', selected_user: null });
    const option = itemInput.element.options[1];
    values[INPUT.assignItem][INPUT.value] = { type: 'static_select', selected_option: { text: option.text, value: option.value } };
    values[INPUT.assignUser][INPUT.value] = { type: 'users_select', selected_user: 'U0DBA' };

    const submitted = await post(playground, '/api/submit', { user: 'U0LEAD', viewId: modal!.viewId, values });
    expect(submitted.status).toBe(200);
    expect(submitted.json.errors).toBeUndefined();
    await playground.session().stack.settle();
    expect((await state(playground, 'U0LEAD')).modals).toEqual([]);
    const thread = JSON.stringify(fake.messages(CHANNEL).filter((m) => m.thread_ts).map((m) => m.blocks));
    expect(thread).toContain('assigned to <@U0DBA>');
  }, 120_000);
});
