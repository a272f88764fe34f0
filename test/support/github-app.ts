/**
 * A GitHub App's key pair for tests, with the loopback GitHub's App side (src/playground/fake-github-app.ts).
 *
 * The private key is PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`), as GitHub hands it out in the App's .pem file:
 * @octokit/auth-app signs with universal-github-app-jwt, which on Node converts PKCS#1 to PKCS#8 itself
 * (lib/crypto-node.js) and takes PKCS#8 as it is; only OpenSSH keys are refused. `privateKeyPkcs8` is the same key as
 * PKCS#8, for code that only takes that.
 */
import { generateKeyPairSync, sign } from 'node:crypto';

export interface AppKey {
  /** PKCS#1 PEM, as GitHub's .pem file. */
  privateKey: string;
  /** The same key as PKCS#8 PEM. */
  privateKeyPkcs8: string;
  /** SPKI PEM: FakeGitHubApp's `publicKey`. */
  publicKey: string;
}

export function generateAppKey(): AppKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    privateKeyPkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * A GitHub App JWT signed by hand, claims as given (defaults: iat 60 s ago, exp 9 minutes ahead, iss the App id), for
 * the cases @octokit/auth-app would never produce (expired, too long, another alg).
 */
export function signAppJwt(privateKey: string, claims: { iss: number | string; iat?: number; exp?: number }, alg = 'RS256'): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg, typ: 'JWT' })}.${b64({ iat: now - 60, exp: now + 9 * 60, ...claims })}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), privateKey).toString('base64url')}`;
}
