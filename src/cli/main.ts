#!/usr/bin/env node
/**
 * The command line: `hostdev-hybrid COMMAND …`. Each command lives in commands/ with its options
 * and help; this file dispatches and turns errors into one line and an exit code: 0 success,
 * 1 `check` found errors, 2 bad input or usage, 3 an internal error (a bug: please report it).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HybridError } from '../errors.js';
import { packageVersion } from '../io.js';
import { helpText, parse, usageError, type Command } from './command.js';
import { check } from './commands/check.js';
import { collapse } from './commands/collapse.js';
import { demo } from './commands/demo.js';
import { expand } from './commands/expand.js';
import { guestConfig } from './commands/guest-config.js';
import { hook } from './commands/hook.js';
import { host } from './commands/host.js';
import { hotplug, repair, unplug } from './commands/live.js';
import { plan } from './commands/plan.js';
import { retarget } from './commands/retarget.js';
import type { Io } from './output.js';

export type { Io } from './output.js';

export const COMMANDS: Command[] = [host, expand, collapse, check, plan, repair, hotplug, unplug, retarget, guestConfig, hook, demo];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `hostdev-hybrid ${packageVersion()}: SR-IOV speed and live migration for libvirt guests.

usage: hostdev-hybrid COMMAND [ARGS] [OPTIONS]

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}
  ${'help'.padEnd(width)}  Show the help of a command: hostdev-hybrid help COMMAND

Any DOMAIN.xml may be - (standard input); output goes to standard output unless -o FILE.
hostdev-hybrid --version prints the version.
Exit: 0 success, 1 check found errors, 2 bad input or usage, 3 internal error.
`;
}

function find(name: string): Command {
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) throw usageError(`unknown command '${name}'`);
  return c;
}

export function run(argv: string[], io: Io): number {
  try {
    const [first, ...rest] = argv;
    if (first === undefined) {
      io.stderr(overview());
      return 2;
    }
    if (first === '--help' || first === '-h') {
      io.stdout(overview());
      return 0;
    }
    if (first === '--version' || first === '-V') {
      io.stdout(packageVersion() + '\n');
      return 0;
    }
    if (first === 'help') {
      if (rest.length > 1) throw usageError(`help takes one command, not ${rest.length}`);
      io.stdout(rest[0] === undefined ? overview() : helpText(find(rest[0])));
      return 0;
    }
    if (first.startsWith('-')) throw usageError(`expected a command before '${first}'`);
    const command = find(first);
    const parsed = parse(command, rest);
    if (parsed.values.help) {
      io.stdout(helpText(command));
      return 0;
    }
    return command.run(parsed, io);
  } catch (e) {
    if (e instanceof HybridError) {
      io.stderr(`hostdev-hybrid: error[${e.code}]: ${e.where}${e.message}\n`);
      return 2;
    }
    io.stderr(`hostdev-hybrid: internal error: ${(e as Error)?.message ?? String(e)} (this is a bug; set HH_DEBUG=1 for a stack trace)\n`);
    if (process.env.HH_DEBUG) io.stderr(String((e as Error)?.stack) + '\n');
    return 3;
  }
}

/**
 * Writes to a stream that may fail: a reader that went away (`| head`) ends the run quietly,
 * any other failure (`>/dev/full`) with one line. Never a stack trace, never exit 1.
 */
function streamWriter(stream: NodeJS.WriteStream, name: string): (s: string) => void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode === 1 ? 1 : 0);
    try {
      process.stderr.write(
        `hostdev-hybrid: error[FILE_UNWRITABLE]: cannot write ${name}: ${e.code === 'ENOSPC' ? 'no space left on the device' : e.message}\n`,
      );
    } catch {
      /* stderr is gone too */
    }
    process.exit(2);
  });
  return (s) => {
    stream.write(s);
  };
}

// Run when executed, not when imported by tests.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = run(process.argv.slice(2), {
    stdout: streamWriter(process.stdout, 'standard output'),
    stderr: (s) => {
      process.stderr.write(s);
    },
  });
}
