/**
 * The deadline every GitHub and Statuspage call runs under (src/deadline.ts): a call to a server that never answers
 * ends, even when garbage collection runs while it waits (a signal from AbortSignal.any did not, on Node 20: the
 * GitHub gate's background pass then hung for good). GC is forced many times during each wait. The GitHub App's
 * own requests (minting an installation token, which Octokit sends with no signal of the caller's) end too.
 */
import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadline, fetchWithDeadline, withDeadline } from '../../src/deadline.js';
import { GithubApp } from '../../src/github/app.js';
import { createLogger } from '../../src/logger.js';
import { generateAppKey } from '../support/github-app.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** `work`, with a full garbage collection every 10 ms until it settles; 'hung' if it has not settled in 10 s. */
async function underGc<T>(work: Promise<T>): Promise<T | 'hung'> {
  const collecting = setInterval(gc, 10);
  let guard: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<'hung'>((resolve) => (guard = setTimeout(() => resolve('hung'), 10_000)))]);
  } finally {
    clearInterval(collecting);
    clearTimeout(guard);
  }
}

const failure = (work: Promise<unknown>) => work.then(() => 'answered', (err: Error) => err);

describe('a call under a deadline', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // Takes every request and never answers; under /slow-body it sends the headers and the start of a body, no more.
    server = createServer((req, res) => {
      if (req.url === '/slow-body') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"partial":');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('ends a fetch that never gets an answer with a TimeoutError, however often GC runs while it waits', async () => {
    const parent = new AbortController();
    for (let i = 0; i < 5; i++) {
      const outcome = await underGc(failure(withDeadline(200, parent.signal, (signal) => fetch(url, { signal }))));
      expect(outcome).toBeInstanceOf(DOMException);
      expect((outcome as DOMException).name).toBe('TimeoutError');
    }
  });

  it('ends it with the reason of the parent signal when the process stops first', async () => {
    const parent = new AbortController();
    const call = failure(withDeadline(60_000, parent.signal, (signal) => fetch(url, { signal })));
    setTimeout(() => parent.abort(new Error('stopping')), 100);
    const outcome = await underGc(call);
    expect((outcome as Error).message).toBe('stopping');
  });

  it('starts aborted under a parent that already is', () => {
    const parent = new AbortController();
    parent.abort(new Error('stopped'));
    const d = deadline(60_000, parent.signal);
    expect(d.signal.aborted).toBe(true);
    expect((d.signal.reason as Error).message).toBe('stopped');
    d.release();
  });

  it('leaves no listener on a long-lived parent once each call is over, and no timer behind', async () => {
    const parent = new AbortController();
    for (let i = 0; i < 20; i++) await withDeadline(60_000, parent.signal, async () => 'done');
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    const d = deadline(50, parent.signal);
    d.release();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(d.signal.aborted).toBe(false);
  });

  it('ends a call that ignores its signal at the deadline all the same', async () => {
    const outcome = await underGc(failure(withDeadline(100, undefined, () => new Promise(() => undefined))));
    expect((outcome as DOMException).name).toBe('TimeoutError');
  });

  it('bounds every request of a fetch the caller gave no signal, reading the body included', async () => {
    const bounded = fetchWithDeadline(200);
    expect(((await underGc(failure(bounded(url)))) as DOMException).name).toBe('TimeoutError');
    const reading = bounded(`${url}slow-body`).then((res) => failure(res.text()));
    expect(((await underGc(reading)) as DOMException).name).toBe('TimeoutError');
  });

  it("lets the GitHub App's check of an installation end when GitHub never answers the token request", async () => {
    const app = new GithubApp({ appId: 424242, privateKey: generateAppKey().privateKeyPkcs8, webhookSecret: 'whsec-deadline' }, url.replace(/\/$/, ''), createLogger('silent'), 300);
    expect(await underGc(app.checkInstallation(5150))).toBe('unreachable');
  });
});
