import type { FieldSpec, FieldType } from './template.js';

/** The longest value each field type stores: bounds both validation and the rendered message size. */
export const FIELD_MAX_LENGTH: Record<FieldType, number> = {
  text: 200,
  sha: 40,
  number: 20,
  url: 500,
  datetime: 12,
  user: 20,
  ticket: 60,
  path: 300,
};

export const NA_REASON_MAX = 200;

const HINTS: Record<FieldType, string> = {
  text: 'Free text',
  sha: 'A commit SHA: 7 to 40 hexadecimal characters',
  number: 'A number',
  url: 'An http(s) URL',
  datetime: 'A date and time',
  user: 'A person in this workspace',
  ticket: 'A ticket reference, e.g. CHG-1234',
  path: 'A file or storage path',
};

/**
 * The template's own words for the value a field expects ("a change ticket such as CHG-1234"), if it gives
 * them. People are never shown a field's regular expression: this, or the placeholder, says it instead.
 * (The schema trims it and refuses it empty; a promotion stored before the key existed simply has none.)
 */
export function fieldDescription(spec: FieldSpec): string | undefined {
  return spec.description?.trim() || undefined;
}

function sentence(text: string): string {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital.slice(0, -1) : capital;
}

/** The hint under a field's input. `clearable`: a value is set, and saving it empty clears it. */
export function fieldHint(spec: FieldSpec, opts: { clearable?: boolean } = { clearable: true }): string {
  const description = fieldDescription(spec);
  let hint = description ? sentence(description) : HINTS[spec.type];
  if (spec.type === 'number' && !description) {
    if (spec.min !== undefined && spec.max !== undefined) hint += ` from ${spec.min} to ${spec.max}`;
    else if (spec.min !== undefined) hint += ` of at least ${spec.min}`;
    else if (spec.max !== undefined) hint += ` of at most ${spec.max}`;
    if (spec.unit) hint += ` (${spec.unit})`;
  }
  return opts.clearable ? `${hint}. Leave empty to clear.` : `${hint}.`;
}

/**
 * What a value that does not match the template's pattern is told: the template's description of the format,
 * or the placeholder as an example, never the regular expression itself.
 */
function formatMismatch(spec: FieldSpec): string {
  const description = fieldDescription(spec);
  if (description) return `This is not in the expected format: ${description.replace(/[.!?]$/, '')}.`;
  const placeholder = spec.placeholder?.trim();
  if (!placeholder) return 'This is not in the expected format.';
  // Placeholders are written either as an example ("e.g. v1.50.3") or as a description of the value.
  const example = placeholder.replace(/^(e\.g\.|eg|for example|example)[:,]?\s*/i, '');
  return example !== placeholder
    ? `This is not in the expected format (for example: ${example}).`
    : `This is not in the expected format (expected: ${placeholder}).`;
}

export type FieldResult = { ok: true; value: string | null } | { ok: false; error: string };

/**
 * Validate and normalise a raw field value as a person entered it. Empty means "clear the value".
 * Error texts are shown next to the input in the modal.
 */
export function validateField(spec: FieldSpec, raw: string | null | undefined): FieldResult {
  const input = (raw ?? '').trim();
  if (input === '') return { ok: true, value: null };
  const max = FIELD_MAX_LENGTH[spec.type];
  if (input.length > max) return { ok: false, error: `Too long: at most ${max} characters.` };
  let value = input;
  switch (spec.type) {
    case 'sha':
      if (!/^[0-9a-fA-F]{7,40}$/.test(input)) {
        return { ok: false, error: 'That does not look like a commit SHA: expected 7 to 40 hexadecimal characters (0-9, a-f).' };
      }
      value = input.toLowerCase();
      break;
    case 'number': {
      // Commas only as thousands separators (1,500); a decimal comma (1,5) is refused rather than misread.
      if (!/^-?((\d{1,3}(,\d{3})+|\d+)(\.\d+)?|\.\d+)$/.test(input)) return { ok: false, error: 'Enter a number, e.g. 42 or 12.5.' };
      if (input.replace(/\D/g, '').replace(/^0+(?=\d)/, '').length > 15) {
        return { ok: false, error: 'Too many digits: at most 15, so the number is kept exactly.' };
      }
      const n = Number(input.replace(/,/g, ''));
      if (spec.min !== undefined && n < spec.min) return { ok: false, error: `Must be at least ${spec.min}.` };
      if (spec.max !== undefined && n > spec.max) return { ok: false, error: `Must be at most ${spec.max}.` };
      value = String(n);
      break;
    }
    case 'url': {
      let url: URL;
      try {
        url = new URL(input);
      } catch {
        return { ok: false, error: 'Enter a full URL starting with https:// or http://.' };
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, error: 'Only http and https URLs are allowed.' };
      value = url.toString();
      // Normalising percent-encodes, which can make the URL longer than what was typed.
      if (value.length > max) return { ok: false, error: `Too long once encoded: at most ${max} characters.` };
      break;
    }
    case 'datetime':
      if (!/^\d{1,12}$/.test(input)) return { ok: false, error: 'Pick a date and a time.' };
      break;
    case 'user':
      if (!/^[UW][A-Z0-9]{2,19}$/.test(input)) return { ok: false, error: 'Pick a person.' };
      break;
    case 'ticket':
      if (!/^[A-Za-z0-9][\w.#/-]*$/.test(input)) {
        return { ok: false, error: 'A ticket reference is letters, digits and - _ . # / with no spaces, e.g. CHG-1234.' };
      }
      break;
    case 'path':
    case 'text':
      if (/[\r\n]/.test(input)) return { ok: false, error: 'Keep it on one line.' };
      break;
  }
  if (spec.pattern && !new RegExp(spec.pattern).test(value)) return { ok: false, error: formatMismatch(spec) };
  return { ok: true, value };
}
