import { z } from 'zod';
import { probeCommon } from './common.js';

/**
 * A URL answers GET with the expected status, within `max_latency_ms` (milliseconds to the response headers) when given, and
 * with a body that contains `body_contains` / matches `body_matches` when given. Redirects are followed only within
 * the same host (http to https included), at most 5; a redirect elsewhere is reported, never followed.
 */
export const http = z
  .object({
    type: z.literal('http'),
    ...probeCommon,
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    expect_status: z.number().int().min(100).max(599).default(200),
    max_latency_ms: z.number().int().min(1).max(600_000).optional(),
    body_contains: z.string().min(1).max(500).optional(),
    body_matches: z
      .string()
      .min(1)
      .max(500)
      .refine((source) => {
        try {
          new RegExp(source);
          return true;
        } catch {
          return false;
        }
      }, 'must be a JavaScript regular expression')
      .optional(),
  })
  .strict();
