/** Block Kit checks (the limits in docs/SLACK-FACTS.md), with the errors Slack answers for them. */
import { isObject, type Json } from './util.js';

/** Reported threshold of `msg_blocks_too_long` (sum of the text in a message's blocks); Slack's is about 12-13k. */
export const MESSAGE_BLOCK_TEXT_LIMIT = 12_000;

type Surface = 'message' | 'modal' | 'home';

export class BlockChecker {
  readonly errors: string[] = [];

  private err(pointer: string, what: string): void {
    if (this.errors.length < 20) this.errors.push(`[ERROR] ${what} [json-pointer:${pointer}]`);
  }

  private maxLen(v: unknown, max: number, pointer: string): void {
    if (typeof v === 'string' && v.length > max) this.err(pointer, `must be less than ${max + 1} characters`);
  }

  textObject(t: unknown, pointer: string, max: number, plainOnly = false): void {
    if (!isObject(t)) {
      this.err(pointer, 'must be a text object');
      return;
    }
    if (t.type !== 'plain_text' && t.type !== 'mrkdwn') {
      this.err(`${pointer}/type`, 'must be plain_text or mrkdwn');
    } else if (plainOnly && t.type !== 'plain_text') {
      this.err(`${pointer}/type`, 'must be plain_text');
    }
    if (typeof t.text !== 'string') {
      this.err(`${pointer}/text`, 'missing required field: text');
    } else if (t.text.length === 0) {
      this.err(`${pointer}/text`, 'must be more than 0 characters');
    } else {
      this.maxLen(t.text, max, `${pointer}/text`);
    }
  }

  private options(options: unknown, pointer: string, max: number, min = 1): Json[] {
    if (!Array.isArray(options)) {
      this.err(pointer, 'must be an array');
      return [];
    }
    if (options.length < min) this.err(pointer, `must provide at least ${min} items`);
    if (options.length > max) this.err(pointer, `no more than ${max} items allowed`);
    const out: Json[] = [];
    options.forEach((o, i) => {
      const p = `${pointer}/${i}`;
      if (!isObject(o)) {
        this.err(p, 'must be an option object');
        return;
      }
      this.textObject(o.text, `${p}/text`, 75);
      if (typeof o.value !== 'string') this.err(`${p}/value`, 'missing required field: value');
      else this.maxLen(o.value, 150, `${p}/value`);
      if (o.description !== undefined) this.textObject(o.description, `${p}/description`, 75);
      out.push(o);
    });
    return out;
  }

  private sameOption(a: Json, b: Json): boolean {
    const at = isObject(a.text) ? a.text.text : undefined;
    const bt = isObject(b.text) ? b.text.text : undefined;
    return a.value === b.value && at === bt;
  }

  element(el: unknown, pointer: string): void {
    if (!isObject(el)) {
      this.err(pointer, 'must be an element object');
      return;
    }
    if (typeof el.type !== 'string') {
      this.err(`${pointer}/type`, 'missing required field: type');
      return;
    }
    if (el.action_id !== undefined) {
      if (typeof el.action_id !== 'string') this.err(`${pointer}/action_id`, 'must be a string');
      else this.maxLen(el.action_id, 255, `${pointer}/action_id`);
    }
    switch (el.type) {
      case 'button':
        this.textObject(el.text, `${pointer}/text`, 75, true);
        this.maxLen(el.value, 2000, `${pointer}/value`);
        this.maxLen(el.url, 3000, `${pointer}/url`);
        break;
      case 'checkboxes':
      case 'radio_buttons': {
        const opts = this.options(el.options, `${pointer}/options`, 10);
        const initial: unknown[] =
          el.type === 'checkboxes'
            ? Array.isArray(el.initial_options)
              ? el.initial_options
              : []
            : el.initial_option !== undefined
              ? [el.initial_option]
              : [];
        const key = el.type === 'checkboxes' ? 'initial_options' : 'initial_option';
        initial.forEach((o, i) => {
          const p = el.type === 'checkboxes' ? `${pointer}/${key}/${i}` : `${pointer}/${key}`;
          if (!isObject(o) || !opts.some((x) => this.sameOption(x, o))) {
            this.err(p, 'must match an option in options');
          }
        });
        break;
      }
      case 'static_select':
      case 'multi_static_select':
        if (el.options !== undefined) this.options(el.options, `${pointer}/options`, 100);
        if (Array.isArray(el.option_groups) && el.option_groups.length > 100) {
          this.err(`${pointer}/option_groups`, 'no more than 100 items allowed');
        }
        break;
      case 'overflow':
        this.options(el.options, `${pointer}/options`, 5);
        break;
      default:
        break;
    }
  }

  blocks(blocks: unknown, surface: Surface, pointer = '/blocks'): void {
    if (!Array.isArray(blocks)) {
      this.err(pointer, 'must be an array');
      return;
    }
    const max = surface === 'message' ? 50 : 100;
    if (blocks.length > max) this.err(pointer, `no more than ${max} items allowed`);
    const blockIds = new Set<string>();
    blocks.forEach((b, i) => {
      const p = `${pointer}/${i}`;
      if (!isObject(b)) {
        this.err(p, 'must be a block object');
        return;
      }
      if (typeof b.type !== 'string') {
        this.err(`${p}/type`, 'missing required field: type');
        return;
      }
      if (b.block_id !== undefined) {
        if (typeof b.block_id !== 'string') this.err(`${p}/block_id`, 'must be a string');
        else {
          this.maxLen(b.block_id, 255, `${p}/block_id`);
          if (blockIds.has(b.block_id)) this.err(`${p}/block_id`, `duplicate block_id "${b.block_id}"`);
          blockIds.add(b.block_id);
        }
      }
      switch (b.type) {
        case 'section':
          if (b.text === undefined && b.fields === undefined) this.err(p, 'must provide text or fields');
          if (b.text !== undefined) this.textObject(b.text, `${p}/text`, 3000);
          if (b.fields !== undefined) {
            if (!Array.isArray(b.fields)) this.err(`${p}/fields`, 'must be an array');
            else {
              if (b.fields.length > 10) this.err(`${p}/fields`, 'no more than 10 items allowed');
              b.fields.forEach((f, j) => this.textObject(f, `${p}/fields/${j}`, 2000));
            }
          }
          if (b.accessory !== undefined) this.element(b.accessory, `${p}/accessory`);
          break;
        case 'header':
          this.textObject(b.text, `${p}/text`, 150, true);
          break;
        case 'context':
          if (!Array.isArray(b.elements) || b.elements.length === 0) this.err(`${p}/elements`, 'must provide elements');
          else if (b.elements.length > 10) this.err(`${p}/elements`, 'no more than 10 items allowed');
          break;
        case 'actions': {
          if (!Array.isArray(b.elements) || b.elements.length === 0) {
            this.err(`${p}/elements`, 'must provide elements');
            break;
          }
          if (b.elements.length > 25) this.err(`${p}/elements`, 'no more than 25 items allowed');
          const actionIds = new Set<string>();
          b.elements.forEach((el, j) => {
            this.element(el, `${p}/elements/${j}`);
            if (isObject(el) && typeof el.action_id === 'string') {
              if (actionIds.has(el.action_id)) {
                this.err(`${p}/elements/${j}/action_id`, `duplicate action_id "${el.action_id}"`);
              }
              actionIds.add(el.action_id);
            }
          });
          break;
        }
        case 'input':
          this.textObject(b.label, `${p}/label`, 2000, true);
          this.element(b.element, `${p}/element`);
          break;
        default:
          break;
      }
    });
  }

  view(view: unknown): void {
    if (!isObject(view)) {
      this.err('/view', 'must be a view object');
      return;
    }
    if (view.type !== 'modal' && view.type !== 'home') {
      this.err('/view/type', 'must be modal or home');
      return;
    }
    this.blocks(view.blocks, view.type, '/view/blocks');
    this.maxLen(view.private_metadata, 3000, '/view/private_metadata');
    this.maxLen(view.callback_id, 255, '/view/callback_id');
    this.maxLen(view.external_id, 255, '/view/external_id');
    if (view.type === 'modal') {
      this.textObject(view.title, '/view/title', 24, true);
      if (view.submit !== undefined) this.textObject(view.submit, '/view/submit', 24, true);
      if (view.close !== undefined) this.textObject(view.close, '/view/close', 24, true);
      const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObject(b) && b.type === 'input');
      if (hasInput && view.submit === undefined) this.err('/view/submit', 'submit is required when an input block is in the view');
    }
  }
}

/** Total characters of text in Block Kit JSON (every `text` string of text objects and rich text). */
export function blockTextLength(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + blockTextLength(x), 0);
  if (!isObject(v)) return 0;
  let n = 0;
  for (const [k, x] of Object.entries(v)) {
    if (k === 'text' && typeof x === 'string') n += x.length;
    else n += blockTextLength(x);
  }
  return n;
}
