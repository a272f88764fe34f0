import { z } from 'zod';
import { durationSchema } from '../timeline.js';

/** Environment variable names only: templates never hold secret values. */
export const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name like PGHOST_PROD');

/**
 * Keys every probe takes: how long it may run, how old its last result may be when GO is pressed (the GO gate treats
 * an older or failed result as missing), and whether a pass still waits for a person to confirm it (tick the item).
 */
export const probeCommon = {
  timeout: durationSchema.optional(),
  max_age: durationSchema.optional(),
  confirm: z.boolean().default(false),
};

/** Values a template is shipped with rather than real targets: example.com hosts, REPLACE_ME, an `owner/repo` left as is. */
export const PLACEHOLDER = /REPLACE_ME|\bexample\.(com|org|net)\b|\.example\b|^(owner|your-org|org)\/(repo|your-repo|name)$/i;

/**
 * The keys of a probe's settings (nested ones as `dimensions.FunctionName`, list entries as `names[0]`) whose values
 * are still placeholders: the probe does not run until they are set. `keys` limits the search to those settings.
 */
export function placeholdersIn(spec: object, keys: readonly string[] = Object.keys(spec)): Array<{ key: string; value: string }> {
  const found: Array<{ key: string; value: string }> = [];
  const visit = (value: unknown, key: string): void => {
    if (typeof value === 'string' && PLACEHOLDER.test(value)) found.push({ key, value });
    else if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${key}[${i}]`));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, `${key}.${k}`);
  };
  for (const key of keys) visit((spec as Record<string, unknown>)[key], key);
  return found;
}
