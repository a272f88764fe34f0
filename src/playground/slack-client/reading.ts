/** What a channel shows a reader: the promotion's messages, their checkboxes and their text. */
import type { FakeMessage, FakeSlack } from '../fake-slack.js';

/** The channel a simulated user works in unless told otherwise. */
export const DEFAULT_CHANNEL = 'C0DEPLOYS';

/** The promotion's messages as the channel shows them: the overview, then its thread in order. */
export function promotionMessages(fake: FakeSlack, channel = DEFAULT_CHANNEL): { overview: FakeMessage; thread: FakeMessage[] }[] {
  const all = fake.messages(channel);
  return all
    .filter((m) => !m.thread_ts || m.thread_ts === m.ts)
    .map((overview) => ({ overview, thread: all.filter((m) => m.thread_ts === overview.ts && m.ts !== overview.ts) }));
}

/** Every checkbox block in a message, with its options' values and which of them show ticked. */
export function checkboxBlocks(message: FakeMessage): Array<{ blockId: string; values: string[]; ticked: string[] }> {
  return message.blocks
    .filter((b) => b.type === 'actions' && b.elements?.[0]?.type === 'checkboxes')
    .map((b) => ({
      blockId: b.block_id as string,
      values: (b.elements[0].options as Array<{ value: string }>).map((o) => o.value),
      ticked: ((b.elements[0].initial_options ?? []) as Array<{ value: string }>).map((o) => o.value),
    }));
}

/** Find the message and block that hold an item's checkbox. */
export function findCheckbox(fake: FakeSlack, itemId: string, channel = DEFAULT_CHANNEL): { message: FakeMessage; blockId: string; ticked: boolean } {
  for (const message of fake.messages(channel)) {
    for (const b of checkboxBlocks(message)) {
      if (b.values.includes(itemId)) return { message, blockId: b.blockId, ticked: b.ticked.includes(itemId) };
    }
  }
  throw new Error(`no checkbox for item ${itemId}`);
}

/** All of a message's block text, for assertions about what a reader sees. */
export function visibleText(message: FakeMessage): string {
  const out: string[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (typeof o['text'] === 'string') out.push(o['text']);
    Object.values(o).forEach(walk);
  };
  walk(message.blocks);
  return out.join('\n');
}
