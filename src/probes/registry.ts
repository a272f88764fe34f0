import type { ProbeFamilies } from './types.js';

/**
 * Every probe family, by type (one file each in this folder, each exporting a `ProbeFamily`). A type missing here
 * runs as "error: this bot has no runner for <type> probes". Once every family is here the type becomes
 * `ProbeFamilies`, which is exhaustive: a new probe type without its family then fails typecheck.
 */
export const FAMILIES: Partial<ProbeFamilies> = {};
