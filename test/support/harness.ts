/**
 * The end-to-end tests' view of the local stack (src/playground/stack.ts): the fake Slack, N real bot processes on
 * one database and a simulated Slack client bound to them, under the names the test files use.
 */
import { DEFAULT_CHANNEL } from '../../src/playground/slack-client/index.js';
import { DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET, startLocalStack, type LocalStack, type LocalStackOptions } from '../../src/playground/stack.js';

export { checkboxBlocks, findCheckbox, promotionMessages, visibleText } from '../../src/playground/slack-client/index.js';
export type { BotProcess } from '../../src/playground/stack.js';

export const BOT_TOKEN = DEFAULT_BOT_TOKEN;
export const SIGNING_SECRET = DEFAULT_SIGNING_SECRET;
export const CHANNEL = DEFAULT_CHANNEL;

export type Harness = LocalStack;
export type HarnessOptions = LocalStackOptions;

/**
 * The local stack without the bots' scheduler unless a test asks for it: nothing runs on wall-clock time beside a
 * test (a sweep landing mid-test joins its refreshes and makes it flaky). A test that wants a sweep calls
 * `preflight.repair()`.
 */
export function startHarness(opts: HarnessOptions): Promise<Harness> {
  return startLocalStack({ ...opts, scheduler: opts.scheduler ?? false });
}
