import { performance } from 'node:perf_hooks';
import { UserError } from '../errors.js';
import type { Db } from '../store/db.js';
import { storeClicks, type StoredClick } from '../store/click-intake.js';

/** At most this many clicks wait to be stored; a click beyond it is refused at once (backpressure). */
export const MAX_WAITING = 5_000;
/** At most this many clicks per INSERT. */
export const INSERT_BATCH = 500;
/**
 * A click still not stored this long after its request arrived is refused, not acknowledged: Slack (and Bolt) stop
 * waiting for the acknowledgement at 3 s, and an acknowledgement nobody sees would tell the person nothing.
 */
export const STORE_DEADLINE_MS = 2_500;
/**
 * A click stored later than this after its request arrived is taken back and refused: acknowledged now, the answer
 * could reach Slack after its 3 s, which shows the person an error for a click that would then be applied.
 */
export const ACK_DEADLINE_MS = 2_800;

/** The bot is taking clicks faster than the database stores them: this one was not stored, and not acknowledged. */
export class Busy extends UserError {
  constructor() {
    super('Preflight is too busy to take this click right now, so nothing was recorded. Please click again in a moment.', 'busy');
    this.name = 'Busy';
  }
}

interface Waiting {
  click: StoredClick;
  /** When its request arrived (performance.now()). */
  since: number;
  resolve(stored: boolean): void;
  reject(err: unknown): void;
}

/**
 * Stores clicks as they arrive, with group insert: while one INSERT runs, the clicks that arrive wait, and the next
 * INSERT stores all of them in one statement. A quiet checklist pays one INSERT per click, as before; a busy one
 * pays one per batch, so clicks never queue for pool connections (each waiting for a connection used to fail at the
 * pool's checkout timeout under load). What waits is bounded: past MAX_WAITING, or STORE_DEADLINE_MS, a click is
 * refused with `Busy`, before it is acknowledged, so Slack tells the person it did not go through.
 */
export class GroupInsert {
  private waiting: Waiting[] = [];
  /** The INSERTs running, if any (one batch at a time). */
  private draining: Promise<void> | undefined;

  constructor(private readonly db: Db) {}

  /**
   * Store a click; resolves false when it was stored already (a redelivery). `arrivedAt` (performance.now() when its
   * request arrived) is what the deadline counts from; default now.
   */
  store(click: StoredClick, arrivedAt = performance.now()): Promise<boolean> {
    if (this.waiting.length >= MAX_WAITING) return Promise.reject(new Busy());
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.push({ click, since: arrivedAt, resolve, reject });
      if (!this.draining) this.draining = this.drain();
    });
  }

  /** Resolves when nothing is waiting to be stored. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // Waits first, so that `draining` is set before the loop can end and clear it.
    await Promise.resolve();
    try {
      await this.insertAll();
    } finally {
      this.draining = undefined;
    }
  }

  private async insertAll(): Promise<void> {
    while (this.waiting.length > 0) {
      const now = performance.now();
      const taken = this.waiting.splice(0, INSERT_BATCH);
      const batch: Waiting[] = [];
      for (const w of taken) {
        if (now - w.since > STORE_DEADLINE_MS) w.reject(new Busy());
        else batch.push(w);
      }
      if (batch.length === 0) continue;
      let stored: Set<string>;
      try {
        stored = await storeClicks(this.db, batch.map((w) => w.click));
      } catch (err) {
        for (const w of batch) w.reject(err);
        continue;
      }
      // A key twice in one batch (a redelivery that arrived before the first was stored) is stored by the first.
      const first = new Set<string>();
      for (const w of batch) {
        const key = w.click.receiptKey;
        w.resolve(stored.has(key) && !first.has(key));
        first.add(key);
      }
    }
  }
}
