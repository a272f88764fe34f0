/** A user ticking and unticking checkboxes: the action object their client sends, from the message as it shows it. */
import type { FakeMessage } from '../fake-slack.js';
import { slackNowTs } from './wire.js';

type AnyJson = any;

function findCheckboxes(message: FakeMessage, blockId: string, actionId?: string): { element: AnyJson; block: AnyJson } {
  const block = message.blocks.find((b: AnyJson) => b && b.block_id === blockId);
  if (!block) {
    const ids = message.blocks.map((b: AnyJson) => b?.block_id).filter(Boolean);
    throw new Error(`toggleCheckboxes: no block "${blockId}" in message ${message.ts} (blocks: ${ids.join(', ')})`);
  }
  const candidates: AnyJson[] = [];
  if (Array.isArray(block.elements)) candidates.push(...block.elements);
  if (block.accessory) candidates.push(block.accessory);
  if (block.element) candidates.push(block.element);
  const element = candidates.find(
    (e) => e && e.type === 'checkboxes' && (actionId === undefined || e.action_id === actionId),
  );
  if (!element) throw new Error(`toggleCheckboxes: block "${blockId}" has no checkboxes element`);
  return { element, block };
}

function copyOption(o: AnyJson): Record<string, unknown> {
  return {
    text: structuredClone(o.text),
    value: o.value,
    ...(o.description !== undefined ? { description: structuredClone(o.description) } : {}),
  };
}

/**
 * Simulates a user who sees `message` and toggles the options with these values in the checkboxes element of block
 * `blockId` (an actions block element, a section accessory or an input element; `actionId` picks one when a block
 * holds several). Returns the action object Slack sends: the element's whole selection as that client now shows it.
 */
export function toggleCheckboxes(
  message: FakeMessage,
  blockId: string,
  toggle: string[],
  actionId?: string,
): Record<string, unknown> {
  const { element } = findCheckboxes(message, blockId, actionId);
  const options: AnyJson[] = Array.isArray(element.options) ? element.options : [];
  const initial: AnyJson[] = Array.isArray(element.initial_options) ? element.initial_options : [];
  const selected = new Set<string>(initial.map((o) => o.value));
  for (const value of toggle) {
    if (!options.some((o) => o.value === value)) {
      throw new Error(
        `toggleCheckboxes: block "${blockId}" has no option "${value}" (options: ${options.map((o) => o.value).join(', ')})`,
      );
    }
    if (selected.has(value)) selected.delete(value);
    else selected.add(value);
  }
  return {
    type: 'checkboxes',
    action_id: element.action_id,
    block_id: blockId,
    selected_options: options.filter((o) => selected.has(o.value)).map(copyOption),
    action_ts: slackNowTs(),
  };
}

/**
 * The message as a client that last saw `item` ticked (or not) shows it, every other checkbox as in `message`: what
 * a stale view holds, for clicks sent from it (only that checkbox matters for the delta a click makes).
 */
export function seenAs(message: FakeMessage, item: string, ticked: boolean): FakeMessage {
  const copy = structuredClone(message);
  for (const block of copy.blocks as AnyJson[]) {
    const element = block.type === 'actions' ? block.elements?.find((e: AnyJson) => e.type === 'checkboxes') : undefined;
    const option = element?.options.find((o: AnyJson) => o.value === item);
    if (!option) continue;
    const initial = ((element.initial_options ?? []) as AnyJson[]).filter((o) => o.value !== item);
    if (ticked) initial.push(option);
    if (initial.length > 0) element.initial_options = initial;
    else delete element.initial_options;
  }
  return copy;
}
