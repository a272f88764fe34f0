import { DatabaseUnavailable } from '../errors.js';
import { isDatabaseUnreachable } from '../store/db.js';
import { schedule, type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';

export interface Job {
  name: string;
  /** A six-field cron expression (seconds first). */
  every: string;
  run(): Promise<unknown>;
}

/**
 * Runs background jobs on node-cron. Every replica runs the same jobs; each job is safe to run anywhere at
 * once: re-rendering a promotion takes that promotion's render lease, and pruning old receipts twice
 * deletes nothing twice.
 */
export class Ticker {
  private readonly tasks: ScheduledTask[] = [];

  constructor(private readonly log: Logger) {}

  start(jobs: readonly Job[]): void {
    for (const job of jobs) {
      const task = schedule(job.every, () => this.runOnce(job), { name: job.name, noOverlap: true });
      this.tasks.push(task);
    }
  }

  /** Run a job now, logging (never throwing) a failure: the next tick tries again. */
  async runOnce(job: Job): Promise<void> {
    try {
      await job.run();
    } catch (err) {
      // The database away is an outage /readyz already reports (and requests log as a warning), not a fault of the job.
      if (isDatabaseUnreachable(err) || err instanceof DatabaseUnavailable) this.log.warn({ err, job: job.name }, 'background job could not reach the database; it runs again on the next tick');
      else this.log.error({ err, job: job.name }, 'background job failed; it runs again on the next tick');
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.tasks.splice(0).map((t) => t.stop()));
  }
}
