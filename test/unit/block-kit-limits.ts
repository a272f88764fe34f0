import { isDeepStrictEqual } from 'node:util';
import { blockTextLength } from '../../blocks/layout.js';

/**
 * Slack's Block Kit limits (shared/docs/SLACK-FACTS.md) as a checker that names every breach, so a failing test
 * says which block of which message Slack would refuse. Unknown block or element types are reported too:
 * a renderer that starts using a new type must be checked before it ships.
 */
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const textOf = (t: unknown): string | undefined => (isObj(t) && typeof t['text'] === 'string' ? t['text'] : undefined);
const arrayOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export const MESSAGE_TEXT_BUDGET = 10_000;

class Problems {
  readonly list: string[] = [];
  add(where: string, what: string): void {
    this.list.push(`${where}: ${what}`);
  }
  max(where: string, what: string, value: string | undefined, limit: number): void {
    if (value !== undefined && value.length > limit) this.add(where, `${what} is ${value.length} characters (max ${limit})`);
  }
  count(where: string, what: string, n: number, limit: number): void {
    if (n > limit) this.add(where, `${n} ${what} (max ${limit})`);
  }
}

function checkOption(p: Problems, where: string, o: unknown, plainOnly: boolean): void {
  if (!isObj(o)) return p.add(where, 'option is not an object');
  const text = o['text'];
  if (textOf(text) === undefined) p.add(where, 'option has no text');
  if (plainOnly && isObj(text) && text['type'] !== 'plain_text') p.add(where, 'select option text must be plain_text');
  p.max(where, 'option text', textOf(text), 75);
  p.max(where, 'option description', textOf(o['description']), 75);
  if (typeof o['value'] !== 'string') p.add(where, 'option has no value');
  else p.max(where, 'option value', o['value'], 75);
}

function checkSelection(p: Problems, where: string, options: unknown[], selected: unknown[]): void {
  selected.forEach((s, i) => {
    if (!options.some((o) => isDeepStrictEqual(o, s))) p.add(`${where}.initial[${i}]`, 'initial option is not one of the options');
  });
}

function checkElement(p: Problems, where: string, e: unknown): void {
  if (!isObj(e)) return p.add(where, 'element is not an object');
  if (typeof e['action_id'] === 'string') p.max(where, 'action_id', e['action_id'], 255);
  p.max(where, 'placeholder', textOf(e['placeholder']), 150);
  const options = arrayOf(e['options']);
  const initial = [...arrayOf(e['initial_options']), ...(e['initial_option'] === undefined ? [] : [e['initial_option']])];
  switch (e['type']) {
    case 'button':
      if (textOf(e['text']) === undefined) p.add(where, 'button has no text');
      p.max(where, 'button text', textOf(e['text']), 75);
      if (typeof e['value'] === 'string') p.max(where, 'button value', e['value'], 2000);
      return;
    case 'checkboxes':
    case 'radio_buttons':
      p.count(where, 'options', options.length, 10);
      if (options.length === 0) p.add(where, 'no options');
      options.forEach((o, i) => checkOption(p, `${where}.options[${i}]`, o, false));
      return checkSelection(p, where, options, initial);
    case 'static_select':
      p.count(where, 'options', options.length, 100);
      if (options.length === 0) p.add(where, 'no options');
      options.forEach((o, i) => checkOption(p, `${where}.options[${i}]`, o, true));
      return checkSelection(p, where, options, initial);
    case 'plain_text_input': {
      const max = e['max_length'];
      const value = e['initial_value'];
      if (typeof max === 'number' && typeof value === 'string' && value.length > max) {
        p.add(where, `initial_value is ${value.length} characters, over the input's max_length ${max}`);
      }
      return;
    }
    case 'overflow':
      p.count(where, 'options', options.length, 5);
      if (options.length === 0) p.add(where, 'no options');
      return options.forEach((o, i) => checkOption(p, `${where}.options[${i}]`, o, true));
    case 'datepicker':
    case 'datetimepicker':
    case 'users_select':
      return;
    default:
      return p.add(where, `element type ${String(e['type'])} is not checked by this test`);
  }
}

function checkBlocks(p: Problems, blocks: readonly unknown[], maxBlocks: number): void {
  p.count('message', 'blocks', blocks.length, maxBlocks);
  const ids = new Set<string>();
  blocks.forEach((b, i) => {
    const where = `blocks[${i}]`;
    if (!isObj(b)) return p.add(where, 'block is not an object');
    const id = b['block_id'];
    if (typeof id === 'string') {
      p.max(where, 'block_id', id, 255);
      if (ids.has(id)) p.add(where, `block_id ${id} is used twice`);
      ids.add(id);
    }
    switch (b['type']) {
      case 'header': {
        const text = b['text'];
        if (!isObj(text) || text['type'] !== 'plain_text') p.add(where, 'header text must be plain_text');
        return p.max(where, 'header text', textOf(text), 150);
      }
      case 'section': {
        const fields = arrayOf(b['fields']);
        if (textOf(b['text']) === undefined && fields.length === 0) p.add(where, 'section has neither text nor fields');
        p.max(where, 'section text', textOf(b['text']), 3000);
        p.count(where, 'section fields', fields.length, 10);
        fields.forEach((f, j) => p.max(`${where}.fields[${j}]`, 'field text', textOf(f), 2000));
        if (b['accessory'] !== undefined) checkElement(p, `${where}.accessory`, b['accessory']);
        return;
      }
      case 'actions': {
        const elements = arrayOf(b['elements']);
        p.count(where, 'elements', elements.length, 25);
        return elements.forEach((e, j) => checkElement(p, `${where}.elements[${j}]`, e));
      }
      case 'context': {
        const elements = arrayOf(b['elements']);
        p.count(where, 'elements', elements.length, 10);
        return elements.forEach((e, j) => p.max(`${where}.elements[${j}]`, 'context text', textOf(e), 3000));
      }
      case 'input':
        p.max(where, 'input label', textOf(b['label']), 2000);
        p.max(where, 'input hint', textOf(b['hint']), 2000);
        return checkElement(p, `${where}.element`, b['element']);
      case 'divider':
        return;
      default:
        return p.add(where, `block type ${String(b['type'])} is not checked by this test`);
    }
  });
}

/** Every way a chat message (blocks + fallback text) breaks Slack's limits; empty when it fits. */
export function messageProblems(message: { text: string; blocks: readonly unknown[] }): string[] {
  const p = new Problems();
  checkBlocks(p, message.blocks, 50);
  const chars = blockTextLength(message.blocks as Parameters<typeof blockTextLength>[0]);
  if (chars > MESSAGE_TEXT_BUDGET) p.add('message', `block text totals ${chars} characters (budget ${MESSAGE_TEXT_BUDGET})`);
  if (message.text.trim() === '') p.add('message', 'no fallback text');
  p.max('message', 'fallback text', message.text, 4000);
  return p.list;
}

/** Every way a modal view breaks Slack's limits; empty when it fits. */
export function modalProblems(view: unknown): string[] {
  const p = new Problems();
  if (!isObj(view)) return ['view is not an object'];
  for (const key of ['title', 'submit', 'close'] as const) p.max('view', key, textOf(view[key]), 24);
  if (textOf(view['title']) === undefined) p.add('view', 'no title');
  if (typeof view['private_metadata'] === 'string') p.max('view', 'private_metadata', view['private_metadata'], 3000);
  if (typeof view['callback_id'] === 'string') p.max('view', 'callback_id', view['callback_id'], 255);
  checkBlocks(p, arrayOf(view['blocks']), 100);
  return p.list;
}

/** Every way an App Home view breaks Slack's limits (100 blocks, as a modal's, but no title); empty when it fits. */
export function homeProblems(view: unknown): string[] {
  const p = new Problems();
  if (!isObj(view)) return ['view is not an object'];
  if (view['type'] !== 'home') p.add('view', 'type is not home');
  if (typeof view['private_metadata'] === 'string') p.max('view', 'private_metadata', view['private_metadata'], 3000);
  if (typeof view['callback_id'] === 'string') p.max('view', 'callback_id', view['callback_id'], 255);
  checkBlocks(p, arrayOf(view['blocks']), 100);
  return p.list;
}
