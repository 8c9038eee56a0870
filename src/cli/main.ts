#!/usr/bin/env node
/**
 * The command line: argument parsing, file reading and atomic writes. Everything it computes it
 * asks the library for. Exit codes: 0 success, 1 `check` found errors, 2 bad input or usage,
 * 3 an internal error (a bug: please report it).
 */
import { randomBytes } from 'node:crypto';
import { realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HybridError } from '../errors.js';
import { checkDomain } from '../expand/check.js';
import { collapseDomain } from '../expand/collapse.js';
import { expandDomain } from '../expand/expand.js';
import type { Style } from '../expand/metadata.js';
import { readHostSnapshot, readUtf8File } from '../io.js';

const USAGE = `usage:
  hostdev-hybrid expand DOMAIN.xml --host DIR [--style bond|teaming] [--vlan-device TEMPLATE] [-o FILE]
  hostdev-hybrid collapse DOMAIN.xml [-o FILE]
  hostdev-hybrid check DOMAIN.xml [--host DIR]
  hostdev-hybrid demo
Not implemented yet: plan, guest-config.
Exit: 0 success, 1 check found errors, 2 bad input or usage, 3 internal error.`;

const OPTIONS = {
  host: { type: 'string' },
  style: { type: 'string' },
  'vlan-device': { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

function usage(message: string): HybridError {
  return new HybridError('USAGE', `${message} (hostdev-hybrid --help shows the usage)`);
}

/** Writes next to the target and renames, so FILE is either untouched or complete. */
function writeAtomically(file: string, content: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, content, { flag: 'wx' });
    renameSync(tmp, file);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* never created */ }
    throw new HybridError('FILE_UNREADABLE', `cannot write ${file}: ${(e as Error).message}`, { file });
  }
}

function samePath(a: string, b: string): boolean {
  const real = (p: string): string => { try { return realpathSync(p); } catch { return resolve(p); } };
  return real(a) === real(b);
}

function emit(io: Io, content: string, output: string | undefined, input: string | undefined): void {
  if (output === undefined) return io.stdout(content);
  if (input !== undefined && samePath(output, input)) throw usage(`-o ${output} is the input file; inputs are never modified`);
  writeAtomically(output, content);
}

const packageRoot = (): string => resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function run(argv: string[], io: Io): number {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (e) {
      throw usage((e as Error).message);
    }
    const { values, positionals } = parsed;
    const [command, file, ...extra] = positionals;
    if (values.help || command === undefined) {
      (values.help ? io.stdout : io.stderr)(USAGE + '\n');
      return values.help ? 0 : 2;
    }
    if (extra.length > 0) throw usage(`unexpected argument '${extra[0]}'`);
    const output = values.output as string | undefined;
    const style = values.style as string | undefined;
    if (style !== undefined && style !== 'bond' && style !== 'teaming') throw usage(`--style must be bond or teaming, not '${style}'`);
    const needFile = (): string => {
      if (file === undefined) throw usage(`${command} needs a DOMAIN.xml`);
      return file;
    };
    switch (command) {
      case 'expand': {
        const domain = needFile();
        if (values.host === undefined) throw usage('expand needs --host DIR (a host snapshot, docs/HOST-SNAPSHOT.md)');
        const host = readHostSnapshot(values.host as string);
        const result = expandDomain(readUtf8File(domain), host, {
          file: domain,
          ...(style !== undefined ? { style: style as Style } : {}),
          ...(values['vlan-device'] !== undefined ? { vlanDevice: values['vlan-device'] as string } : {}),
        });
        emit(io, result.xml, output, domain);
        for (const w of result.warnings) io.stderr(`hostdev-hybrid: warning[${w.code}]: ${w.message}\n`);
        return 0;
      }
      case 'collapse': {
        const domain = needFile();
        emit(io, collapseDomain(readUtf8File(domain), { file: domain }), output, domain);
        return 0;
      }
      case 'check': {
        const domain = needFile();
        if (output !== undefined) throw usage('check prints to standard output; it takes no -o');
        const host = values.host === undefined ? undefined : readHostSnapshot(values.host as string);
        const found = checkDomain(readUtf8File(domain), host, { file: domain });
        for (const d of found) io.stdout(`${d.severity}[${d.code}]${d.alias ? ` ${d.alias}` : ''}: ${d.message}\n`);
        if (found.length === 0) io.stdout(`${domain}: no problems found\n`);
        return found.some((d) => d.severity === 'error') ? 1 : 0;
      }
      case 'demo': {
        if (file !== undefined) throw usage('demo takes no arguments');
        const root = packageRoot();
        const domain = join(root, 'examples', 'guest.xml');
        const hostDir = join(root, 'fixtures', 'hosts', 'intel-82576');
        const result = expandDomain(readUtf8File(domain), readHostSnapshot(hostDir), { file: domain });
        io.stderr(`# hostdev-hybrid demo: examples/guest.xml expanded on the host snapshot fixtures/hosts/intel-82576\n`);
        for (const p of result.pairs) io.stderr(`# pair ${p.name}: VF ${p.vf} (VF ${p.vfIndex} of ${p.pfDev}) + macvtap on ${p.backupDev}, MAC ${p.mac}, guest ${p.vfGuestAddress} / ${p.backupGuestAddress}\n`);
        for (const w of result.warnings) io.stderr(`hostdev-hybrid: warning[${w.code}]: ${w.message}\n`);
        emit(io, result.xml, output, undefined);
        return 0;
      }
      case 'plan':
      case 'guest-config':
        throw usage(`'${command}' is not implemented yet (see README, Status)`);
      default:
        throw usage(`unknown command '${command}'`);
    }
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

// Run when executed, not when imported by tests.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = run(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  });
}
