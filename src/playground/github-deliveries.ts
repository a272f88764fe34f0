import { createHmac, randomBytes, randomUUID } from 'node:crypto';

/**
 * Webhook deliveries as GitHub sends them to a GitHub App's webhook URL: the raw body is the payload's JSON, signed
 * with the webhook secret (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, and the legacy SHA-1
 * `X-Hub-Signature` GitHub still sends beside it), with GitHub's delivery headers. Pure but for `deliver`, which posts
 * one with fetch. The playground and the tests build deliveries with these.
 */
export interface DeliveryOptions {
  /** `X-GitHub-Event`; 'deployment_protection_rule' when absent. */
  event?: string;
  /** `X-GitHub-Delivery`; a fresh UUID when absent. */
  deliveryId?: string;
  /** `X-GitHub-Hook-ID`; 1 when absent. */
  hookId?: number | string;
  /** The App's id: with it, `X-GitHub-Hook-Installation-Target-Type: integration` and `…-Target-ID: <appId>`. */
  appId?: number | string;
}

export interface SignedDelivery {
  headers: Record<string, string>;
  /** The raw body, exactly as signed. */
  body: string;
}

/** `sha256=<hex HMAC-SHA256 of body>`, as in `X-Hub-Signature-256`. */
export function signatureOf(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export function signedDelivery(payload: object, secret: string, opts: DeliveryOptions = {}): SignedDelivery {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': `GitHub-Hookshot/${randomBytes(4).toString('hex').slice(0, 7)}`,
    'X-GitHub-Delivery': opts.deliveryId ?? randomUUID(),
    'X-GitHub-Event': opts.event ?? 'deployment_protection_rule',
    'X-GitHub-Hook-ID': String(opts.hookId ?? 1),
    'X-Hub-Signature': `sha1=${createHmac('sha1', secret).update(body, 'utf8').digest('hex')}`,
    'X-Hub-Signature-256': signatureOf(body, secret),
  };
  if (opts.appId !== undefined) {
    headers['X-GitHub-Hook-Installation-Target-Type'] = 'integration';
    headers['X-GitHub-Hook-Installation-Target-ID'] = String(opts.appId);
  }
  return { headers, body };
}

/** POSTs a delivery to the App's webhook URL, as GitHub does; the answer's status and text. */
export async function deliver(url: string, delivery: SignedDelivery, init: { signal?: AbortSignal } = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body, signal: init.signal ?? null });
  return { status: res.status, text: await res.text() };
}
