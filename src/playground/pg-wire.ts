/**
 * An embedded PGlite served over PostgreSQL's wire protocol on 127.0.0.1, so that a client that only speaks TCP (`pg`,
 * the postgres probe family, psql) can reach it: the playground's "production database" when no DATABASE_URL is set.
 *
 * PGlite is one backend, so one connection is served at a time and the others wait their turn (as
 * @electric-sql/pglite-socket does; that package pins an older PGlite and seven extension packages as exact peers, so
 * this is the few lines of it the playground needs). Each whole frontend message goes to `execProtocolRaw` in order,
 * and what PGlite answers goes back. A CancelRequest is answered by closing it (nothing runs concurrently to cancel);
 * an SSLRequest gets 'N' (no TLS). When a client leaves, whatever transaction it left open is rolled back and the
 * session reset, as a real server ends a backend.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

export interface PgWireServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function servePgliteOverWire(db: PGlite, opts: { port?: number } = {}): Promise<PgWireServer> {
  let turn: Promise<void> = Promise.resolve();
  const sockets = new Set<Socket>();

  const serve = (socket: Socket): Promise<void> =>
    new Promise<void>((done) => {
      let buffered = Buffer.alloc(0);
      let started = false;
      let chain: Promise<void> = Promise.resolve();
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        socket.destroy();
        // Whatever the client left open ends with it, as a backend's exit does.
        chain = chain
          .then(() => db.exec('ROLLBACK; DISCARD ALL;'))
          .then(() => undefined, () => undefined)
          .finally(done);
      };
      const send = (messages: Buffer): void => {
        chain = chain
          .then(async () => {
            const answer = await db.execProtocolRaw(new Uint8Array(messages));
            if (answer.length > 0 && !socket.destroyed) socket.write(Buffer.from(answer));
          })
          .catch(() => finish());
      };
      socket.on('data', (data: Buffer) => {
        buffered = Buffer.concat([buffered, data]);
        const whole: Buffer[] = [];
        for (;;) {
          if (!started) {
            if (buffered.length < 8) break;
            const len = buffered.readInt32BE(0);
            if (buffered.length < len) break;
            const code = buffered.readInt32BE(4);
            const message = buffered.subarray(0, len);
            buffered = buffered.subarray(len);
            if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
              socket.write('N');
              continue;
            }
            if (code === CANCEL_REQUEST) return finish();
            started = true;
            whole.push(message);
            continue;
          }
          if (buffered.length < 5) break;
          const len = buffered.readInt32BE(1);
          if (buffered.length < 1 + len) break;
          const type = String.fromCharCode(buffered[0]!);
          const message = buffered.subarray(0, 1 + len);
          buffered = buffered.subarray(1 + len);
          if (type === 'X') {
            if (whole.length) send(Buffer.concat(whole));
            return finish();
          }
          whole.push(message);
        }
        if (whole.length) send(Buffer.concat(whole));
      });
      socket.on('error', () => finish());
      socket.on('close', () => finish());
    });

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.pause();
    // One backend: a connection waits until the one before it has gone.
    turn = turn.then(() => {
      if (socket.destroyed) return;
      const served = serve(socket);
      socket.resume();
      return served;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await turn.catch(() => undefined);
    },
  };
}
