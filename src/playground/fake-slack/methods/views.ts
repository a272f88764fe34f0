/** views.open, views.push, views.update and views.publish: modals and App Home views, and the trigger_ids they use. */
import { randomBytes } from 'node:crypto';
import { BlockChecker } from '../block-checker.js';
import { normalizeBlocks } from '../messages.js';
import type { FakeSlackState } from '../state.js';
import { clone, isObject, type Json, SlackApiError, str, truthy } from '../util.js';

const TRIGGER_TTL_MS = 3000;

/** A trigger_id that views.open/views.push accept once within 3 s. */
export function issueTriggerId(s: FakeSlackState): string {
  const id = `${s.now()}.${Math.floor(Math.random() * 1e10)}.${randomBytes(16).toString('hex')}`;
  s.triggers.set(id, { issuedAt: s.now(), used: false });
  return id;
}

function checkView(s: FakeSlackState, view: unknown, type: 'modal' | 'home'): Json {
  if (!isObject(view)) throw new SlackApiError('invalid_arguments', ['[ERROR] missing required field: view [json-pointer:/view]']);
  if (view.type !== type) {
    throw new SlackApiError('invalid_arguments', [`[ERROR] must be ${type} [json-pointer:/view/type]`]);
  }
  if (s.validate) {
    const checker = new BlockChecker();
    checker.view(view);
    if (checker.errors.length > 0) throw new SlackApiError('invalid_arguments', checker.errors);
  }
  return view;
}

function useTrigger(s: FakeSlackState, a: Json): string {
  const trigger = str(a.trigger_id) ?? str(a.interactivity_pointer);
  if (!trigger) {
    throw new SlackApiError('invalid_arguments', ['[ERROR] missing required field: trigger_id [json-pointer:/trigger_id]']);
  }
  const issued = s.triggers.get(trigger);
  if (issued) {
    if (issued.used) throw new SlackApiError('exchanged_trigger_id');
    if (s.now() - issued.issuedAt > TRIGGER_TTL_MS) throw new SlackApiError('expired_trigger_id');
    issued.used = true;
  }
  return trigger;
}

function newViewId(s: FakeSlackState): string {
  return `V0FAKE${String(++s.viewCounter).padStart(5, '0')}`;
}

function newHash(): string {
  return `${Math.floor(Date.now() / 1000)}.${randomBytes(4).readUInt32BE(0)}`;
}

function viewJson(
  s: FakeSlackState,
  input: Json,
  id: string,
  extra: { root?: string; previous?: string | null; state?: unknown },
): Json {
  return {
    id,
    team_id: s.teamId,
    type: input.type,
    blocks: normalizeBlocks(s, input.blocks),
    private_metadata: str(input.private_metadata) ?? '',
    callback_id: str(input.callback_id) ?? '',
    state: extra.state ?? { values: {} },
    hash: newHash(),
    title: input.title ?? null,
    clear_on_close: truthy(input.clear_on_close),
    notify_on_close: truthy(input.notify_on_close),
    close: input.close ?? null,
    submit: input.submit ?? null,
    previous_view_id: extra.previous ?? null,
    root_view_id: extra.root ?? id,
    app_id: s.appId,
    external_id: str(input.external_id) ?? '',
    app_installed_team_id: s.teamId,
    bot_id: s.botId,
  };
}

export function openView(s: FakeSlackState, a: Json, method: 'views.open' | 'views.push'): Json {
  const trigger = useTrigger(s, a);
  const input = checkView(s, a.view, 'modal');
  checkExternalId(s, input, undefined);
  const id = newViewId(s);
  const view = viewJson(s, input, id, {});
  s.viewMap.set(id, { id, view, trigger_id: trigger, method });
  return { ok: true, view: clone(view) };
}

function checkExternalId(s: FakeSlackState, input: Json, ownId: string | undefined): void {
  const ext = str(input.external_id);
  if (!ext) return;
  for (const v of s.viewMap.values()) {
    if (v.id !== ownId && v.view.external_id === ext) throw new SlackApiError('duplicate_external_id');
  }
}

export function updateView(s: FakeSlackState, a: Json): Json {
  const viewId = str(a.view_id);
  const externalId = str(a.external_id);
  if (!viewId && !externalId) {
    throw new SlackApiError('invalid_arguments', ['[ERROR] either view_id or external_id is required']);
  }
  const record = viewId
    ? s.viewMap.get(viewId)
    : [...s.viewMap.values()].find((v) => v.view.external_id === externalId);
  if (!record) throw new SlackApiError('not_found');
  const hash = str(a.hash);
  if (hash && hash !== record.view.hash) throw new SlackApiError('hash_conflict');
  const input = checkView(s, a.view, record.view.type === 'home' ? 'home' : 'modal');
  checkExternalId(s, input, record.id);
  record.view = viewJson(s, input, record.id, {
    root: record.view.root_view_id,
    previous: record.view.previous_view_id,
  });
  return { ok: true, view: clone(record.view) };
}

export function publishView(s: FakeSlackState, a: Json): Json {
  const userId = str(a.user_id);
  if (!userId) throw new SlackApiError('invalid_arguments', ['[ERROR] missing required field: user_id']);
  if (s.strictUsers && !s.users.has(userId)) throw new SlackApiError('user_not_found');
  const input = checkView(s, a.view, 'home');
  const existingId = s.homeViewByUser.get(userId);
  const existing = existingId ? s.viewMap.get(existingId) : undefined;
  const hash = str(a.hash);
  if (existing && hash && hash !== existing.view.hash) throw new SlackApiError('hash_conflict');
  const id = existing?.id ?? newViewId(s);
  const view = viewJson(s, input, id, {});
  s.viewMap.set(id, { id, view, user_id: userId, method: 'views.publish' });
  s.homeViewByUser.set(userId, id);
  return { ok: true, view: clone(view) };
}
