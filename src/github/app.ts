import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import type { GithubAppConfig } from '../config.js';
import { fetchWithDeadline } from '../deadline.js';
import type { Logger } from '../logger.js';

const SILENT = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** What GitHub said about an installation when asked for a token. */
export type InstallationCheck = 'ok' | 'unknown' | 'unreachable';

/**
 * Preflight's GitHub App (issue 13): the Octokit that acts for one installation. Only the App that owns a deployment
 * protection rule may answer it, with an installation token: `@octokit/auth-app` signs the App's JWT (RS256 with its
 * private key) and exchanges it for a token of the installation the delivery names, caching tokens until shortly
 * before they expire, so a burst of answers mints one. Every request it makes, minting a token included (Octokit
 * gives that request no signal of the caller's), ends after `requestTimeoutMs`: a GitHub that never answers must not
 * hold a webhook's handler or the token every later answer of that installation waits for.
 */
export class GithubApp {
  private readonly clients = new Map<number, Octokit>();

  constructor(
    private readonly config: GithubAppConfig,
    private readonly apiUrl: string,
    private readonly log: Logger,
    /** The deadline of every request (src/app.ts gives the gate's `requestTimeoutMs`). */
    private readonly requestTimeoutMs: number,
  ) {}

  get webhookSecret(): string {
    return this.config.webhookSecret;
  }

  /** The Octokit acting as the installation (one per installation, kept: its token cache lives in it). */
  installation(installationId: number): Octokit {
    let client = this.clients.get(installationId);
    if (!client) {
      client = new Octokit({
        authStrategy: createAppAuth,
        auth: { appId: this.config.appId, privateKey: this.config.privateKey, installationId },
        baseUrl: this.apiUrl.replace(/\/+$/, ''),
        userAgent: 'preflight',
        log: SILENT,
        request: { fetch: fetchWithDeadline(this.requestTimeoutMs) },
      });
      this.clients.set(installationId, client);
    }
    return client;
  }

  /**
   * Whether GitHub knows this installation of the App: a token is minted (and cached for the answer). 'unknown' when
   * GitHub refuses it (404: uninstalled, or not this App's; 401/403: GitHub does not take the App's JWT), 'unreachable'
   * when GitHub could not be asked (the delivery is still genuine: it was signed with the App's webhook secret).
   */
  async checkInstallation(installationId: number): Promise<InstallationCheck> {
    try {
      await this.installation(installationId).auth({ type: 'installation' });
      return 'ok';
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 401 || status === 403 || status === 404) {
        this.log.warn({ installationId, status }, 'GitHub does not know this installation of the App');
        return 'unknown';
      }
      this.log.warn({ installationId, status, err: { message: (err as Error).message } }, 'could not ask GitHub about an installation');
      return 'unreachable';
    }
  }
}
