import type { AllMiddlewareArgs, AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { PreflightApp } from './context.js';

/** A listener's middleware and, last, the listener itself: run in order, each going on with `next()`. */
type Chain = Array<Middleware<AnyMiddlewareArgs>>;

interface Route {
  /** Only clicks in this block (`block_id`), when set. */
  blockId?: string;
  chain: Chain;
}

/** The constraints a route takes: Bolt's, with ids as strings. */
interface Constraints {
  type?: string;
  action_id?: unknown;
  block_id?: unknown;
  callback_id?: unknown;
}

/** The registrations the listeners make, with Bolt's own signatures. */
export type ListenerRoutes = Pick<PreflightApp, 'action' | 'view'>;

/**
 * Clicks (`block_actions`) and modal submissions (`view_submission`) find their listeners by id, through one Bolt
 * listener for each of the two.
 *
 * Why: Bolt runs every registered listener's matcher chain for every request, copying the request's arguments for
 * each middleware it calls. With 24 click listeners and 9 modal listeners, a checkbox click ran 35 chains to find its
 * one, about a tenth of the CPU a click cost (BENCHMARKS.md). Registration reads as Bolt's does
 * (`routes.action(constraints, ...middleware, listener)`), and so does matching, for the constraints a route takes: the
 * type, then `action_id` (or `callback_id`) and `block_id`, as strings; every listener that matches runs, and a request
 * nothing matches is left alone, as Bolt leaves it. A regular expression, or another kind of request, is registered with
 * the app itself.
 */
export class Routes implements ListenerRoutes {
  private readonly actions = new Map<string, Route[]>();
  private readonly views = new Map<string, Route[]>();

  readonly action = ((constraints: Constraints, ...chain: Chain): void => {
    const { type, action_id: actionId, block_id: blockId, ...rest } = constraints;
    if (type !== 'block_actions' || typeof actionId !== 'string' || (blockId !== undefined && typeof blockId !== 'string') || Object.keys(rest).length > 0) {
      throw new Error(`a click route needs type 'block_actions', a string action_id and at most a string block_id: ${JSON.stringify(constraints)}`);
    }
    add(this.actions, actionId, { ...(blockId === undefined ? {} : { blockId }), chain });
  }) as unknown as ListenerRoutes['action'];

  readonly view = ((constraints: Constraints, ...chain: Chain): void => {
    const { type, callback_id: callbackId, ...rest } = constraints;
    if (type !== 'view_submission' || typeof callbackId !== 'string' || Object.keys(rest).length > 0) {
      throw new Error(`a modal route needs type 'view_submission' and a string callback_id: ${JSON.stringify(constraints)}`);
    }
    add(this.views, callbackId, { chain });
  }) as unknown as ListenerRoutes['view'];

  /** Hand the app one listener for the clicks and one for the submissions, which route them. */
  mount(app: PreflightApp): void {
    app.action({ type: 'block_actions' }, async (args) => {
      const { action } = args as unknown as { action: { action_id?: string; block_id?: string } };
      const routes = this.actions.get(action.action_id ?? '') ?? [];
      await runAll(routes.filter((r) => r.blockId === undefined || r.blockId === action.block_id), args);
    });
    app.view({ type: 'view_submission' }, async (args) => {
      await runAll(this.views.get(args.view.callback_id) ?? [], args);
    });
  }
}

function add(routes: Map<string, Route[]>, id: string, route: Route): void {
  routes.set(id, [...(routes.get(id) ?? []), route]);
}

/** Run every matching route, as Bolt runs every matching listener: all of them, then the failure if one failed. */
async function runAll(routes: Route[], args: unknown): Promise<void> {
  if (routes.length === 1) return run(routes[0]!.chain, args as AnyMiddlewareArgs & AllMiddlewareArgs);
  const failed = (await Promise.allSettled(routes.map((r) => run(r.chain, args as AnyMiddlewareArgs & AllMiddlewareArgs)))).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function run(chain: Chain, args: AnyMiddlewareArgs & AllMiddlewareArgs): Promise<void> {
  const at = async (i: number): Promise<void> => {
    const fn = chain[i];
    if (fn) await fn({ ...args, next: () => at(i + 1) } as never);
  };
  return at(0);
}
