/**
 * The end-to-end tests' view of the local stack (src/playground/stack.ts): the fake Slack, N real bot processes on
 * one database and a simulated Slack client bound to them, under the names the test files use.
 */
import { DEFAULT_CHANNEL } from '../../src/playground/slack-client/index.js';
import { DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET, type LocalStack, type LocalStackOptions } from '../../src/playground/stack.js';

export { checkboxBlocks, findCheckbox, promotionMessages, visibleText } from '../../src/playground/slack-client/index.js';
export { startLocalStack as startHarness, type BotProcess } from '../../src/playground/stack.js';

export const BOT_TOKEN = DEFAULT_BOT_TOKEN;
export const SIGNING_SECRET = DEFAULT_SIGNING_SECRET;
export const CHANNEL = DEFAULT_CHANNEL;

export type Harness = LocalStack;
export type HarnessOptions = LocalStackOptions;
