import type { Logger } from '../logger.js';
import type { Db } from '../store/db.js';
import type { Template } from '../domain/template.js';
import type { OutboxSending } from '../slack/outbox.js';
import type { ClickIntake } from './intake.js';

/** Anything that brings a promotion's Slack messages up to date with the database. */
export interface Refresher {
  refresh(promotionId: string): Promise<void>;
}

/** What the use cases depend on, passed explicitly: no hidden singletons. */
export interface Deps {
  db: Db;
  clock: () => Date;
  log: Logger;
  templates: ReadonlyMap<string, Template>;
  publisher: Refresher;
  /** Sends one-off posts enqueued in the outbox (src/store/outbox.ts) right away, exactly once. */
  outbox: OutboxSending;
  /** Stores clicks as they arrive and applies them in batches (./intake.ts): one per process. */
  clicks: ClickIntake;
}
