/**
 * The bot's clock in the playground: the wall clock plus an offset the page moves forward ("+1 h", "jump to T-5m")
 * through the playground's own endpoint. The bot takes it as `createPreflight`'s `clock`; nothing else can move it.
 * Saved in the data directory so a restarted playground does not send its promotions back in time.
 *
 * It also remembers when each move happened (`steps`), so the page can show a message at the bot's time when it was
 * posted: the emulator stamps messages (their `ts`) with the wall clock.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';

/** From wall-clock time `at` (epoch ms) on, the bot's clock ran `offsetMs` ahead. */
export interface ClockStep {
  at: number;
  offsetMs: number;
}

/** The moves kept (a playground moved by hand for months keeps its last ones; older messages show their wall time). */
const STEPS_KEPT = 500;

export class PlaygroundClock {
  private readonly history: ClockStep[];

  constructor(
    private offsetMs = 0,
    private readonly file?: string,
    steps: ClockStep[] = [],
  ) {
    this.history = steps.length > 0 ? steps : offsetMs > 0 ? [{ at: 0, offsetMs }] : [];
  }

  static async load(file: string): Promise<PlaygroundClock> {
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as { offsetMs?: unknown; steps?: unknown };
      const offset = typeof saved.offsetMs === 'number' && saved.offsetMs > 0 ? saved.offsetMs : 0;
      const steps = Array.isArray(saved.steps)
        ? saved.steps.filter((s): s is ClockStep => typeof s?.at === 'number' && typeof s?.offsetMs === 'number' && s.offsetMs >= 0)
        : [];
      return new PlaygroundClock(offset, file, steps);
    } catch {
      return new PlaygroundClock(0, file);
    }
  }

  /** The bot's now. */
  now = (): Date => new Date(Date.now() + this.offsetMs);

  get offset(): number {
    return this.offsetMs;
  }

  /** Every move so far, oldest first: the bot's time at wall time `t` is `t` plus the offset of the last step at or before `t`. */
  get steps(): readonly ClockStep[] {
    return this.history;
  }

  /** Move forward by `ms` (never back: what the bot recorded would then lie in its future). */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms <= 0) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
    this.history.push({ at: Date.now(), offsetMs: this.offsetMs });
    if (this.history.length > STEPS_KEPT) this.history.splice(0, this.history.length - STEPS_KEPT);
    await this.save();
  }

  /** Move forward to `at`; refused when `at` is not ahead of the bot's now. */
  async jumpTo(at: Date): Promise<void> {
    await this.advance(at.getTime() - this.now().getTime());
  }

  private async save(): Promise<void> {
    if (!this.file) return;
    await writeFile(`${this.file}.tmp`, JSON.stringify({ offsetMs: this.offsetMs, steps: this.history }));
    await rename(`${this.file}.tmp`, this.file);
  }
}
