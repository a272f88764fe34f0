import { beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { CommandContext } from '../../commands/context.js';
import { promote, SUBCOMMANDS, USAGE } from '../../commands/index.js';
import { createRegistry, helpLine, usageLine } from '../../commands/registry.js';
import { defineSubcommand } from '../../commands/subcommand.js';
import type { Deps } from '../../src/services/deps.js';

const deps = { templates: new Map() } as unknown as Deps;
const ctx: CommandContext = { deps, userId: 'U1', channelId: 'C1', teamId: 'T1' };

/** A wrong input of each subcommand but help, which refuses nothing. A new subcommand needs one here. */
const WRONG_INPUT: Record<string, string> = {
  start: 'start',
  status: 'status v1.50 v1.51',
  list: 'list all',
  abort: 'abort',
  complete: 'complete v1.50 now',
  check: 'check v1.50 gates now',
  schedule: 'schedule v1.50',
  rollback: 'rollback',
  assign: 'assign v1.50 backup @alice',
  report: 'report v1.50 now',
  locks: 'locks all',
  templates: 'templates all',
};

/** A subcommand defined here and nowhere else: added to a list, it must be listed, understood and run. */
const runPing = vi.fn(async (_ctx: CommandContext, args: { times: number }) => ({ text: 'pong '.repeat(args.times), blocks: [] }));
const ping = defineSubcommand({
  name: 'ping',
  usage: '/promote ping <times>',
  summary: 'answers pong',
  args: z.tuple([z.string().regex(/^\d+$/, 'Say how many times, in digits.')]).transform(([times]) => ({ times: Number(times) })),
  run: runPing,
});

beforeEach(() => vi.clearAllMocks());

describe('the /promote registry', () => {
  it('lists every subcommand, help included, in help', () => {
    expect(promote.subcommands.map((s) => s.name)).toEqual([...SUBCOMMANDS.map((s) => s.name), 'help']);
    for (const subcommand of promote.subcommands) expect(USAGE).toContain(helpLine(subcommand));
  });

  it('has a wrong input to try for every subcommand', () => {
    expect(Object.keys(WRONG_INPUT).sort()).toEqual(SUBCOMMANDS.map((s) => s.name).sort());
  });

  it.each(Object.entries(WRONG_INPUT))('answers a wrong %s with its own usage line and no other', (name, text) => {
    const subcommand = promote.subcommands.find((s) => s.name === name)!;
    const result = promote.parse(text);
    if (result.ok) throw new Error(`expected a refusal of ${JSON.stringify(text)}`);
    expect(result.message).toContain(`Usage: ${usageLine(subcommand)}`);
    for (const other of promote.subcommands) if (other !== subcommand) expect(result.message).not.toContain(usageLine(other));
  });

  it('dispatches each subcommand to its own handler with its parsed arguments', async () => {
    const runEcho = vi.fn(async (_ctx: CommandContext, args: { words: string[] }) => ({ text: args.words.join(' '), blocks: [] }));
    const echo = defineSubcommand({
      name: 'echo',
      usage: '/promote echo <words>',
      summary: 'says it back',
      args: z.array(z.string()).transform((words) => ({ words })),
      run: runEcho,
    });
    const registry = createRegistry([ping, echo]);
    const run = async (text: string) => {
      const parsed = registry.parse(text);
      if (!parsed.ok) throw new Error(parsed.message);
      return registry.dispatch(ctx, parsed.command);
    };
    expect((await run('echo  one   two'))?.text).toBe('one two');
    expect(runEcho).toHaveBeenCalledWith(ctx, { words: ['one', 'two'] });
    expect(runPing).not.toHaveBeenCalled();
    expect((await run('PING 3'))?.text).toBe('pong pong pong ');
    expect(runPing).toHaveBeenCalledWith(ctx, { times: 3 });
    expect(runEcho).toHaveBeenCalledTimes(1);
    expect((await run('help'))?.text).toBe(registry.help);
  });

  it('takes a subcommand defined elsewhere into help, parsing and dispatch from one more entry in the list', async () => {
    const extended = createRegistry([...SUBCOMMANDS, ping]);
    expect(extended.help).toContain('`/promote ping &lt;times&gt;` answers pong');
    expect(extended.help).toContain(USAGE.split('\n')[1]);
    const parsed = extended.parse('ping 2');
    expect(parsed).toEqual({ ok: true, command: { sub: 'ping', times: 2 } });
    if (!parsed.ok) return;
    expect(await extended.dispatch(ctx, parsed.command)).toEqual({ text: 'pong pong ', blocks: [] });
    expect(runPing).toHaveBeenCalledWith(ctx, { times: 2 });
    expect(extended.parse('ping twice')).toEqual({ ok: false, message: 'Say how many times, in digits.\nUsage: `/promote ping &lt;times&gt;`' });
    expect(promote.parse('ping 2').ok).toBe(false);
  });

  it('types a handler’s arguments from its schema', () => {
    defineSubcommand({
      name: 'typed',
      usage: '/promote typed',
      summary: 'never run',
      args: z.tuple([z.string()]).transform(([word]) => ({ word })),
      async run(_ctx, args) {
        args.word satisfies string;
        // @ts-expect-error: the schema gives no `release`
        void args.release;
        return undefined;
      },
    });
  });

  it('refuses two subcommands of one name, help included', () => {
    expect(() => createRegistry([ping, ping])).toThrow('two subcommands are called ping');
    expect(() => createRegistry([{ ...ping, name: 'help' }])).toThrow('two subcommands are called help');
  });
});
