import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhooks } from '@octokit/webhooks';
import type { Logger } from '../logger.js';
import type { Deps } from '../services/deps.js';
import { attachGateToPromotion, receiveGateRequest } from '../services/github-gate.js';
import { isDatabaseUnreachable } from '../store/db.js';
import { DatabaseUnavailable } from '../errors.js';
import { readCappedBody } from '../http-body.js';

/** Where GitHub delivers the App's webhooks (the name other tools rely on). */
export const GITHUB_WEBHOOK_PATH = '/github/webhook';

/** GitHub caps payloads at 25 MB; a deployment_protection_rule payload is a few kilobytes. Anything bigger is refused. */
const MAX_BODY_BYTES = 1024 * 1024;

/** GitHub's delivery ids are GUIDs; refused otherwise, before anything is stored under one. */
const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;

export interface WebhookHandler {
  /** Answers `POST /github/webhook`; false for any other request (so a server can answer it). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/**
 * `POST /github/webhook` (issue 13). The signature (`X-Hub-Signature-256`: HMAC-SHA256 of the raw body with the App's
 * webhook secret) is verified by `@octokit/webhooks` before the body is even parsed; a request without a valid one is
 * refused 401 and nothing is written. The verified delivery goes to the gate's use case, which answers with a status
 * (202 stored, 200 handled already, 4xx refused); GitHub is answered then, well within its 10 seconds, and a stored
 * gate joins its promotion after the answer (`track` lets shutdown and tests wait for it; the sweep catches up after a
 * crash). Without the GitHub App configured every delivery is refused 503.
 */
export function githubWebhook(opts: { deps: Deps; secret: string | undefined; log: Logger; track: (work: Promise<void>) => void }): WebhookHandler {
  const webhooks = opts.secret ? new Webhooks({ secret: opts.secret }) : undefined;
  const { deps, log } = opts;
  return {
    async handle(req, res) {
      const path = (req.url ?? '').split('?')[0];
      if (path !== GITHUB_WEBHOOK_PATH) return false;
      const answer = (status: number, message: string) => {
        if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
      };
      if (req.method !== 'POST') {
        answer(405, 'GitHub delivers webhooks with POST');
        return true;
      }
      const raw = await readCappedBody(req, MAX_BODY_BYTES);
      if (raw === undefined) {
        // The rest of the body is not read: the connection is closed once the answer is out.
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify({ message: `payload larger than ${MAX_BODY_BYTES} bytes` }), () => req.destroy());
        return true;
      }
      const body = raw.toString('utf8');
      const header = (name: string) => {
        const v = req.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      const deliveryId = header('x-github-delivery');
      const event = header('x-github-event');
      const signature = header('x-hub-signature-256');
      if (!webhooks) {
        log.warn({ deliveryId, event }, 'GitHub webhook refused: the GitHub App is not configured (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_WEBHOOK_SECRET)');
        answer(503, 'the GitHub App is not configured on this Preflight');
        return true;
      }
      if (!signature || !(await webhooks.verify(body, signature).catch(() => false))) {
        log.warn({ deliveryId, event, signed: Boolean(signature) }, 'GitHub webhook refused: bad or missing X-Hub-Signature-256');
        answer(401, 'signature does not match: check GITHUB_WEBHOOK_SECRET against the App\'s webhook secret');
        return true;
      }
      if (!deliveryId || !DELIVERY_ID.test(deliveryId) || !event) {
        log.warn({ event }, 'GitHub webhook refused: no X-GitHub-Delivery or X-GitHub-Event');
        answer(400, 'X-GitHub-Delivery and X-GitHub-Event are required');
        return true;
      }
      // A NUL character (JSON's \u0000) is nothing GitHub sends, and PostgreSQL's text cannot hold it.
      if (/(?<!\\)(?:\\\\)*\\u0000/.test(body)) {
        answer(400, 'the body holds a NUL character');
        return true;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        answer(400, 'the body is not JSON (set the App\'s webhook content type to application/json)');
        return true;
      }
      try {
        const result = await receiveGateRequest(deps, { deliveryId, event, payload });
        log[result.status >= 400 ? 'warn' : 'info']({ deliveryId, event, status: result.status }, `GitHub webhook: ${result.message}`);
        answer(result.status, result.message);
        const gateId = result.gateId;
        if (gateId) {
          opts.track(
            attachGateToPromotion(deps, gateId).then(
              () => undefined,
              (err: unknown) => log.warn({ err, gateId }, 'GitHub gate stored; joining its promotion failed for now (the sweep tries again)'),
            ),
          );
        }
      } catch (err) {
        if (err instanceof DatabaseUnavailable || isDatabaseUnreachable(err)) {
          log.warn({ err, deliveryId }, 'GitHub webhook: the database is unavailable; GitHub can redeliver');
          answer(503, 'the database is unavailable; redeliver this delivery in a moment');
        } else {
          log.error({ err, deliveryId, event }, 'GitHub webhook failed');
          answer(500, 'Preflight could not handle this delivery; redeliver it from the App\'s Advanced settings');
        }
      }
      return true;
    },
  };
}
