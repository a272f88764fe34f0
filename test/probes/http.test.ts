/**
 * The HTTP probe (src/probes/http.ts) against loopback servers that answer, answer slowly, fail, hang or redirect.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpFamily, safeUrl } from '../../src/probes/http.js';
import { probeContext, specOf } from '../support/probe-context.js';

const servers: Array<{ server: Server; sockets: Set<Socket> }> = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ server, sockets });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const { server, sockets } of servers.splice(0)) {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

const health = (req: IncomingMessage, res: ServerResponse) => {
  if (req.url?.startsWith('/health/live')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  else if (req.url === '/health/ready') res.writeHead(503).end('{"status":"starting","token":"s3cr3tValue0123456789"}');
  else res.writeHead(404).end();
};
const probe = (settings: Record<string, unknown>, timeoutMs = 5_000) => httpFamily.run(specOf('http', settings), probeContext({ timeoutMs }));

describe('http probe', () => {
  it('passes on the expected status, with the latency as evidence', async () => {
    const base = await serve(health);
    const out = await probe({ url: `${base}/health/live`, max_latency_ms: 2_000, body_contains: '"ok"' });
    expect(out.status).toBe('pass');
    expect(out.summary).toMatch(/^200 in \d+ ms$/);
    expect(out.evidence.metrics).toEqual([{ name: 'latency_ms', value: expect.any(Number), threshold: '<= 2000 ms' }]);
  });

  it('fails on another status, showing the first bytes of the body with token-like values stripped', async () => {
    const base = await serve(health);
    const out = await probe({ url: `${base}/health/ready` });
    expect(out).toMatchObject({ status: 'fail', summary: 'status 503, expected 200' });
    const text = out.evidence.lines.join('\n');
    expect(text).toContain('body (first bytes): {"status":"starting","token":"[redacted]"}');
    expect(text).not.toContain('s3cr3tValue');
  });

  it('fails on a body that does not match, and on a regular expression that does not match', async () => {
    const base = await serve(health);
    expect(await probe({ url: `${base}/health/live`, body_contains: 'healthy' })).toMatchObject({ status: 'fail', summary: 'body does not contain "healthy"' });
    const out = await probe({ url: `${base}/health/live`, body_matches: '"status":\\s*"up"' });
    expect(out).toMatchObject({ status: 'fail' });
    expect(out.evidence.lines).toContain('body (first bytes): {"status":"ok"}');
  });

  it('fails when slower than max_latency_ms', async () => {
    const base = await serve((_req, res) => void setTimeout(() => res.writeHead(200).end('ok'), 300));
    const out = await probe({ url: `${base}/health`, max_latency_ms: 100 });
    expect(out.status).toBe('fail');
    expect(out.summary).toMatch(/^\d+ ms, over 100 ms$/);
    expect(out.evidence.metrics?.[0]?.value).toBeGreaterThanOrEqual(290);
  });

  it('ends a hanging target through ctx.signal, with "timed out after N s"', async () => {
    const base = await serve(() => {}); // never answers
    // Ended by the signal (the message says so), not by the target: a hang would outlast the test's own timeout.
    await expect(probe({ url: `${base}/health` }, 1_000)).rejects.toThrow(`timed out after 1 s: no answer from ${base}/health`);
  });

  it('ends a body that never finishes through ctx.signal too', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200);
      res.write('{"status":');
    });
    await expect(probe({ url: `${base}/health`, body_contains: 'ok' }, 1_000)).rejects.toThrow(/timed out after 1 s/);
  });

  it('is an error, not a fail, when nothing answers', async () => {
    const base = await serve(health);
    const { server, sockets } = servers.pop()!;
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await probe({ url: `${base}/health` })).toMatchObject({ status: 'error', summary: 'no answer: connection refused' });
  });

  it('follows a redirect on the same host, and never one to another host', async () => {
    const other = await serve(health);
    const base = await serve((req, res) => {
      if (req.url === '/old') res.writeHead(301, { location: '/health/live' }).end();
      else if (req.url === '/health/live') health(req, res);
      else res.writeHead(302, { location: `${other}/health/live?access_token=abc123def456ghi789jkl` }).end();
    });
    expect(await probe({ url: `${base}/old` })).toMatchObject({ status: 'pass' });
    const out = await probe({ url: `${base}/elsewhere` });
    expect(out).toMatchObject({ status: 'fail', summary: `redirected to ${new URL(other).host}, not followed` });
    expect(out.evidence.lines[0]).toBe(`GET ${base}/elsewhere: 302 to ${other}/health/live?access_token=[redacted] (another host: not followed)`);
    expect(await probe({ url: `${base}/elsewhere`, expect_status: 302 })).toMatchObject({ status: 'pass' });
  });

  it('keeps secrets out: URLs shown without token-like query values, the values given to the runner to strip', () => {
    expect(safeUrl('https://api.acme.io/health?verbose=1&sig=abc&x=Zm9vYmFyMTIzNDU2Nzg5MGFiY2Q')).toBe('https://api.acme.io/health?verbose=1&sig=[redacted]&x=[redacted]');
    const spec = specOf('http', { url: 'https://api.acme.io/health?api_key=k3y-0123456789' });
    expect(httpFamily.secrets(spec, probeContext())).toContain('k3y-0123456789');
  });

  it('names the url key when it is still a placeholder', () => {
    expect(httpFamily.placeholders(specOf('http', { url: 'https://api.example.com/health/live' }))).toEqual([{ key: 'url', value: 'https://api.example.com/health/live' }]);
    expect(httpFamily.placeholders(specOf('http', { url: 'https://api.acme.io/health' }))).toEqual([]);
  });
});
