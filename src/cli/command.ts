/**
 * One command of the CLI: its options (parsed strictly with node:util parseArgs, so an option
 * the command does not take is a usage error), its help text, and what it runs.
 */
import { parseArgs } from 'node:util';
import { HybridError } from '../errors.js';
import type { Io } from './output.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's name in help, e.g. `DIR`. */
  value?: string;
  help: string;
  /** Shown as the default in help. */
  default?: string;
  /** Shown without brackets in the synopsis. */
  required?: boolean;
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  /** Positional arguments as shown in the synopsis, e.g. `DOMAIN.xml`. */
  args: string[];
  /** How many positionals are optional at the end. */
  optionalArgs?: number;
  options: Record<string, OptionSpec>;
  description: string;
  example: string;
  run(parsed: Parsed, io: Io): number;
}

/** Options every command takes. */
export const COMMON: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', help: 'show this help and exit' },
};

/** -o FILE | -o - ; shared by every command that writes one output. */
export const OUTPUT: Record<string, OptionSpec> = {
  output: {
    type: 'string',
    short: 'o',
    value: 'FILE',
    help: 'write to FILE (atomically; - is standard output)',
    default: 'standard output',
  },
};

export function usageError(message: string, command?: string): HybridError {
  return new HybridError('USAGE', `${message} (hostdev-hybrid ${command ? `help ${command}` : '--help'} shows the usage)`);
}

export function parse(command: Command, argv: string[]): Parsed {
  const options = { ...command.options, ...COMMON };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(options).map(([k, o]) => [
          k,
          { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
        ]),
      ),
    });
  } catch (e) {
    throw usageError(`${command.name}: ${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`, command.name);
  }
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

/** The positionals, checked against the synopsis. */
export function positionals(command: Command, parsed: Parsed): string[] {
  const max = command.args.length;
  const min = max - (command.optionalArgs ?? 0);
  const got = parsed.positionals;
  if (got.length < min) throw usageError(`${command.name} needs ${command.args.slice(got.length, min).join(' ')}`, command.name);
  if (got.length > max) throw usageError(`${command.name}: unexpected argument '${got[max]}'`, command.name);
  return got;
}

export function requireOption(command: Command, parsed: Parsed, name: string): string {
  const v = parsed.values[name];
  if (typeof v !== 'string')
    throw usageError(`${command.name} needs --${name} ${command.options[name]?.value ?? ''}`.trimEnd(), command.name);
  return v;
}

export function helpText(command: Command): string {
  const opts = { ...command.options, ...COMMON };
  const synopsis = [
    `hostdev-hybrid ${command.name}`,
    ...command.args.map((a, i) => (i >= command.args.length - (command.optionalArgs ?? 0) ? `[${a}]` : a)),
    ...Object.entries(command.options).map(([k, o]) => {
      const flag = `${o.short ? `-${o.short}` : `--${k}`}${o.value ? ` ${o.value}` : ''}`;
      return o.required ? flag : `[${flag}]${o.multiple ? '…' : ''}`;
    }),
  ].join(' ');
  const rows = Object.entries(opts).map(([k, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${k}${o.value ? ` ${o.value}` : ''}`;
    return `  ${flag.padEnd(28)} ${o.help}${o.default !== undefined ? ` (default: ${o.default})` : ''}`;
  });
  return `${command.summary}\n\nusage: ${synopsis}\n\n${command.description}\n\noptions:\n${rows.join('\n')}\n\nexample:\n  ${command.example}\n`;
}
