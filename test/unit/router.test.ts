/**
 * Clicks and modal submissions reach their listeners through one Bolt listener each (src/listeners/router.ts): the
 * matching must stay Bolt's for the constraints the app registers. (Every click and modal of the product also goes
 * through the real Bolt app in test/e2e.)
 */
import { describe, expect, it } from 'vitest';
import { Routes } from '../../src/listeners/router.js';
import type { PreflightApp } from '../../src/listeners/context.js';

type Mounted = (args: Record<string, unknown>) => Promise<void>;

/** Mount the routes on a stand-in app, and return the two listeners it was given. */
function mounted(routes: Routes): { click: Mounted; submit: Mounted } {
  const got: Record<string, Mounted> = {};
  routes.mount({
    action: (c: { type: string }, fn: Mounted) => void (got[c.type] = fn),
    view: (c: { type: string }, fn: Mounted) => void (got[c.type] = fn),
  } as unknown as PreflightApp);
  return { click: got['block_actions']!, submit: got['view_submission']! };
}

describe('the listener routes', () => {
  it('runs the middleware and listener of the click\'s action id in order, and a block id only when it matches', async () => {
    const routes = new Routes();
    const ran: string[] = [];
    const mw = (name: string) => async ({ next }: { next: () => Promise<void> }) => {
      ran.push(name);
      await next();
    };
    const listener = (name: string) => async () => void ran.push(name);
    routes.action({ type: 'block_actions', action_id: 'toggle' }, mw('resolve') as never, listener('onToggle') as never);
    routes.action({ type: 'block_actions', action_id: 'value', block_id: 'na' }, listener('onSwitch') as never);
    const { click } = mounted(routes);

    await click({ action: { action_id: 'toggle', block_id: 'x' } });
    expect(ran).toEqual(['resolve', 'onToggle']);
    ran.length = 0;
    await click({ action: { action_id: 'value', block_id: 'other' } });
    await click({ action: { action_id: 'unknown', block_id: 'na' } });
    expect(ran).toEqual([]);
    await click({ action: { action_id: 'value', block_id: 'na' } });
    expect(ran).toEqual(['onSwitch']);
  });

  it('stops where a middleware does not go on, and passes a listener\'s failure on', async () => {
    const routes = new Routes();
    const ran: string[] = [];
    routes.action({ type: 'block_actions', action_id: 'refused' }, (async () => void ran.push('refuses')) as never, (async () => void ran.push('listener')) as never);
    routes.view({ type: 'view_submission', callback_id: 'form' }, (async () => {
      throw new Error('could not save');
    }) as never);
    const { click, submit } = mounted(routes);
    await click({ action: { action_id: 'refused' } });
    expect(ran).toEqual(['refuses']);
    await expect(submit({ view: { callback_id: 'form' } })).rejects.toThrow('could not save');
    await expect(submit({ view: { callback_id: 'another' } })).resolves.toBeUndefined();
  });

  it('refuses at registration what it would not match as Bolt does', () => {
    const routes = new Routes();
    expect(() => routes.action({ type: 'block_actions', action_id: /toggle/ } as never, (async () => undefined) as never)).toThrow('a string action_id');
    expect(() => routes.action({ action_id: 'toggle' } as never, (async () => undefined) as never)).toThrow("type 'block_actions'");
    expect(() => routes.view({ type: 'view_closed', callback_id: 'form' } as never, (async () => undefined) as never)).toThrow("type 'view_submission'");
  });
});
