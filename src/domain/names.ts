import { z } from 'zod';

/**
 * The shapes of the names people type and templates declare, each written once: a release (`v1.50`), and the
 * slug every template, section, item, role and option id is (a template's id is its file name).
 */
export const RELEASE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._\-/+]{0,63}$/;
export const RELEASE_RULE = 'A release is letters, digits and . _ - / + (at most 64), e.g. `v1.50`.';
export const releaseSchema = z.string().regex(RELEASE_PATTERN, RELEASE_RULE);

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const SLUG_RULE = 'must be lower-case letters, digits and dashes, at most 40 characters';
export const slugSchema = z.string().regex(SLUG_PATTERN, SLUG_RULE);
