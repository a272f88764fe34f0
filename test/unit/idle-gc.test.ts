/**
 * The idle collector (src/idle-gc.ts) collects once after a burst, when the process rests with a heap the burst grew,
 * and never while it is busy or when the heap did not grow.
 */
import { describe, expect, it } from 'vitest';
import { GROWN_BYTES, IDLE_UTILIZATION, IdleCollector } from '../../src/idle-gc.js';
import { createLogger } from '../../src/logger.js';

const MiB = 1024 * 1024;

function collector(start: number) {
  const state = { busy: 0, heap: start, collections: 0, afterCollection: start };
  const c = new IdleCollector(
    () => {
      state.collections++;
      state.heap = state.afterCollection;
    },
    createLogger('silent'),
    { utilization: () => state.busy, heapBytes: () => state.heap },
  );
  return { c, state };
}

describe('the idle collector', () => {
  it('waits while the process is busy, then collects once when it rests', () => {
    const { c, state } = collector(72 * MiB);
    state.heap = 290 * MiB;
    state.busy = 0.9;
    expect(c.look()).toBe(false);
    state.busy = IDLE_UTILIZATION / 2;
    state.afterCollection = 80 * MiB;
    expect(c.look()).toBe(true);
    expect(state.collections).toBe(1);
    // Resting on: nothing grew since, nothing to do.
    expect(c.look()).toBe(false);
    expect(state.collections).toBe(1);
  });

  it('leaves a resting heap alone unless it grew by GROWN_BYTES since the last collection', () => {
    const { c, state } = collector(100 * MiB);
    state.heap = 100 * MiB + GROWN_BYTES - 1;
    expect(c.look()).toBe(false);
    // V8 shrank it by itself: the floor moves down with it, and growth counts from there.
    state.heap = 60 * MiB;
    expect(c.look()).toBe(false);
    state.heap = 60 * MiB + GROWN_BYTES;
    expect(c.look()).toBe(true);
  });
});
