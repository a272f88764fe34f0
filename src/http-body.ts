import type { IncomingMessage } from 'node:http';

/**
 * A request's whole body (its exact bytes: signatures are over them), or undefined as soon as it passes `maxBytes`
 * (the rest is not kept; answer 413 with `connection: close`). Slack's requests (src/slack/request-guard.ts) and
 * GitHub's deliveries (src/github/webhook.ts) are read with it.
 */
export function readCappedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(size > maxBytes ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
