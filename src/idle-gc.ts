import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { Logger } from './logger.js';

/** How often the collector looks at the process. */
export const IDLE_CHECK_MS = 2_000;
/** The event loop was busy less than this share of the last look's interval: the process is resting. */
export const IDLE_UTILIZATION = 0.05;
/** The heap grew at least this much since the last collection: a burst left it large. */
export const GROWN_BYTES = 32 * 1024 * 1024;

/** Where the collector reads the process (tests give their own). */
export interface ProcessProbe {
  /** The share of the time since the last call the event loop was busy (0-1). */
  utilization(): number;
  /** The V8 heap's size now, as committed (heapTotal). */
  heapBytes(): number;
}

const NODE_PROBE = (): ProcessProbe => {
  let last = performance.eventLoopUtilization();
  return {
    utilization() {
      const now = performance.eventLoopUtilization();
      const delta = performance.eventLoopUtilization(now, last);
      last = now;
      return delta.utilization;
    },
    heapBytes: () => v8.getHeapStatistics().total_heap_size,
  };
};

/**
 * Gives memory back after a burst. Under load V8 grows its heap (a burst of clicks waiting for their batch holds
 * their requests: the heap went from 72 to 290 MiB at 800 clicks a second), and when the load stops, nothing
 * allocates any more, so nothing makes V8 collect and shrink it: RSS stayed near 460 MiB on an idle bot that started
 * at 136. Once the event loop rests for a whole look (IDLE_CHECK_MS) with the heap GROWN_BYTES over what the last
 * collection left, this runs one full collection (25-80 ms, while nothing waits), and V8 hands the emptied pages
 * back. A quiet or steadily busy process is never collected by it.
 *
 * It needs V8's collector exposed (`node --expose-gc`, as `npm start` and the Dockerfile run the bot); without it,
 * it does nothing.
 */
export class IdleCollector {
  private timer: NodeJS.Timeout | undefined;
  private baseline: number;

  constructor(
    private readonly gc: () => void,
    private readonly log: Logger,
    private readonly probe: ProcessProbe = NODE_PROBE(),
  ) {
    this.baseline = probe.heapBytes();
  }

  /** The collector for this process: undefined unless node was started with --expose-gc. */
  static forProcess(log: Logger): IdleCollector | undefined {
    const gc = (globalThis as { gc?: () => void }).gc;
    return gc ? new IdleCollector(gc, log) : undefined;
  }

  start(): void {
    this.timer ??= setInterval(() => this.look(), IDLE_CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look: collect if the process rests with a heap a burst left large. Returns whether it collected. */
  look(): boolean {
    const busy = this.probe.utilization();
    const heap = this.probe.heapBytes();
    // Shrunk by V8 itself meanwhile: that is the new floor.
    if (heap < this.baseline) this.baseline = heap;
    if (busy >= IDLE_UTILIZATION || heap - this.baseline < GROWN_BYTES) return false;
    const started = performance.now();
    this.gc();
    this.baseline = this.probe.heapBytes();
    this.log.debug({ ms: Math.round(performance.now() - started), heapBefore: heap, heapAfter: this.baseline }, 'collected the heap a burst left');
    return true;
  }
}
