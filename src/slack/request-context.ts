import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { RequestContext } from '../listeners/context.js';
import type { Deps } from '../services/deps.js';
import { wasNotAcknowledged } from '../errors.js';
import { answerError } from './answer-error.js';

/**
 * The first middleware of every request: gives it an id, a child logger carrying that id, the user and the
 * kind of request, and the use cases' dependencies with that logger (so every line a service logs while
 * serving it carries the ids). Any error a listener throws is answered here, inside the tracked work, so
 * waiting for `track`ed work also covers telling the person (and one thrown before the request was acknowledged,
 * on purpose, is then thrown on: see `notAcknowledged`).
 */
export function requestContext(
  deps: Deps,
  client: WebClient,
  track: (work: Promise<void>) => Promise<void>,
): Middleware<AnyMiddlewareArgs, RequestContext> {
  return async ({ body, context, next }) => {
    const b = body as { user?: { id?: string }; user_id?: string; type?: string; command?: string };
    const requestId = randomUUID();
    const actorId = b.user?.id ?? b.user_id;
    const log = deps.log.child({ requestId, userId: actorId, kind: b.type ?? b.command });
    context.requestId = requestId;
    context.arrivedAt = typeof context.arrivedAt === 'number' ? context.arrivedAt : performance.now();
    context.actorId = actorId;
    context.log = log;
    context.deps = { ...deps, log };
    await track(
      next().catch(async (err: unknown) => {
        await answerError(client, err, body, log);
        // A click that could not be stored goes on to the app's error handler, which has Bolt answer Slack 500.
        if (wasNotAcknowledged(err)) throw err;
      }),
    );
  };
}
