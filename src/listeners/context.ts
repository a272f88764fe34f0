import type { App, StringIndexed } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { Promotion } from '../domain/promotion.js';
import type { Deps } from '../services/deps.js';

/**
 * What every listener finds in Bolt's `context`, set by the first middleware for each request (see
 * src/slack/request-context.ts): the request's id and the person, and the use cases' dependencies with the
 * request's own child logger, so every line logged while serving the request carries those ids.
 */
export interface RequestContext extends StringIndexed {
  requestId: string;
  /**
   * When the request arrived (performance.now(); set by the HTTP receiver as the body is read, else when the first
   * middleware runs): deadlines that count against Slack's 3 s count from here.
   */
  arrivedAt: number;
  /** The Slack user behind the request, when the payload says. */
  actorId: string | undefined;
  log: Logger;
  /** The app's dependencies, `log` being this request's logger. */
  deps: Deps;
}

/** What a click's middleware adds: the parsed click and the promotion it is about, known to be running. */
export interface ClickContext<C> extends RequestContext {
  click: C;
  promotion: Promotion;
}

/** What a stored click's middleware adds: the parsed click only (it is checked when applied). */
export interface StoredClickContext<C> extends RequestContext {
  click: C;
}

/** What a modal submission's middleware adds: the parsed submission and its promotion, known to be running. */
export interface SubmissionContext<S> extends RequestContext {
  submission: S;
  promotion: Promotion;
}

/** The Bolt app, typed with the context every request carries. */
export type PreflightApp = App<RequestContext>;
