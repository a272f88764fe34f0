/**
 * Work a committed change wants done now rather than at its job's next tick (the status page's calls, the GitHub gate's
 * answers), run in the background: a kick while it runs asks for one more pass after it, so a burst of kicks is a few
 * passes, never a pile of concurrent ones. A pass that fails is reported and left to the job's sweep.
 */
export class BackgroundPass {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
    private readonly signal?: AbortSignal,
  ) {}

  /** Run a pass now, or one more after the one running. Returns at once; never throws. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass().catch(this.onError);
      } while (this.again && !this.signal?.aborted);
    })().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once no pass is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
