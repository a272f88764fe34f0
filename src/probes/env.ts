import type { ProbeFamily } from './types.js';

/**
 * The bot's own environment variables are set and not empty. Evidence says set, empty or unset per name: never a
 * value, not even its length. (A workflow's secrets are another probe: github-actions, check environment-secrets.)
 */
export const envFamily: ProbeFamily<'env'> = {
  type: 'env',
  async run(spec, ctx) {
    const state = (name: string): 'set' | 'empty' | 'unset' => {
      const value = ctx.env[name];
      return value === undefined ? 'unset' : value.trim() === '' ? 'empty' : 'set';
    };
    const states = spec.names.map((name) => ({ name, state: state(name) }));
    const missing = states.filter((s) => s.state !== 'set');
    return {
      status: missing.length === 0 ? 'pass' : 'fail',
      summary:
        missing.length === 0
          ? `${spec.names.length === 1 ? spec.names[0] : `all ${spec.names.length} variables`} set`
          : `${missing.map((s) => `${s.name} ${s.state}`).join(', ')}`,
      evidence: { lines: states.map((s) => `${s.name}: ${s.state}`) },
    };
  },
  placeholders: () => [],
  /**
   * Their values, so that the runner strips them should one ever reach evidence or an error (the evidence above holds
   * none by construction). Values under 4 characters (a port's `5432` is not, a flag's `1` is) are left out: stripping
   * them would garble the evidence's own words and hide nothing.
   */
  secrets: (spec, ctx) => spec.names.map((name) => ctx.env[name]).filter((v): v is string => typeof v === 'string' && v.trim().length >= 4),
};
