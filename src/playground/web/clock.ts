/**
 * The bot's clock in the playground: the wall clock plus an offset the page moves forward ("+1 h", "jump to T-5m")
 * through the playground's own endpoint. The bot takes it as `createPreflight`'s `clock`; nothing else can move it.
 * Saved in the data directory so a restarted playground does not send its promotions back in time.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';

export class PlaygroundClock {
  constructor(
    private offsetMs = 0,
    private readonly file?: string,
  ) {}

  static async load(file: string): Promise<PlaygroundClock> {
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as { offsetMs?: unknown };
      return new PlaygroundClock(typeof saved.offsetMs === 'number' && saved.offsetMs > 0 ? saved.offsetMs : 0, file);
    } catch {
      return new PlaygroundClock(0, file);
    }
  }

  /** The bot's now. */
  now = (): Date => new Date(Date.now() + this.offsetMs);

  get offset(): number {
    return this.offsetMs;
  }

  /** Move forward by `ms` (never back: what the bot recorded would then lie in its future). */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms <= 0) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
    await this.save();
  }

  /** Move forward to `at`; refused when `at` is not ahead of the bot's now. */
  async jumpTo(at: Date): Promise<void> {
    await this.advance(at.getTime() - this.now().getTime());
  }

  private async save(): Promise<void> {
    if (!this.file) return;
    await writeFile(`${this.file}.tmp`, JSON.stringify({ offsetMs: this.offsetMs }));
    await rename(`${this.file}.tmp`, this.file);
  }
}
