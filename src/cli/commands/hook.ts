import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { HybridError } from '../../errors.js';
import { hostIndex } from '../../host/model.js';
import { readHostSnapshot } from '../../io.js';
import { rewriteArrivingDomain } from '../../plan/hook.js';
import { positionals, requireOption, type Command } from '../command.js';
import { atomicWrite, readInput } from '../output.js';
import { printWarnings } from './shared.js';

interface Claim { vf: string; domain: string; at: number }

const sleep = (ms: number): void => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); };

/** An exclusive lock file: two arrivals at once never read the same claims. */
function withLock<T>(dir: string, fn: () => T): T {
  const lock = join(dir, 'lock');
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new HybridError('FILE_UNWRITABLE', `cannot create ${lock}: ${(e as Error).message}`, { file: lock });
      // A hook killed while holding it: a lock older than a minute is stale.
      try { if (Date.now() - statSync(lock).mtimeMs > 60_000) unlinkSync(lock); } catch { /* gone meanwhile */ }
      if (Date.now() > until) throw new HybridError('FILE_UNWRITABLE', `${lock} is held for over 10 s by another hook; remove it if no hook runs`, { file: lock });
      sleep(50);
    }
  }
  try {
    return fn();
  } finally {
    try { unlinkSync(lock); } catch { /* already gone */ }
  }
}

function readClaims(file: string): Claim[] {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(value) ? value.filter((c): c is Claim => typeof c?.vf === 'string' && typeof c?.domain === 'string' && typeof c?.at === 'number') : [];
  } catch {
    return []; // absent or torn: claims are a hint that ages out anyway
  }
}

export const hook: Command = {
  name: 'hook',
  summary: 'libvirt qemu hook: rewrite an arriving guest (migrate, restore) for this host.',
  args: ['GUEST', 'OP', 'SUBOP', 'EXTRA'],
  optionalArgs: 1,
  options: {
    host: { type: 'string', value: 'DIR', required: true, help: 'this host\'s snapshot (network/ and domains/ may be libvirt\'s own folders); required' },
    state: { type: 'string', value: 'DIR', help: 'where claims of arriving guests and the lock live', default: '/run/hostdev-hybrid' },
    strict: { type: 'boolean', help: 'refuse (cancel the migration or restore) when a pair finds no free VF, instead of letting the guest in on its backups' },
    'claim-timeout': { type: 'string', value: 'SECONDS', help: 'how long a claim holds a VF before the guest shows in domains/', default: '600' },
  },
  description: 'Installed as /etc/libvirt/hooks/qemu.d/hostdev-hybrid (docs/HOOK.md). For `migrate begin` and\n`restore begin` it reads the domain on standard input and prints it pointed at this host\'s VFs;\nevery other call exits at once with no output, and a domain without hostdev-hybrid metadata\npasses unchanged (no output). A failure exits 2 with one error line: libvirt cancels cleanly.',
  example: 'printf \'#!/bin/sh\\nexec hostdev-hybrid hook --host /var/lib/hostdev-hybrid/host "$@"\\n\' > /etc/libvirt/hooks/qemu.d/hostdev-hybrid',
  run(parsed, io) {
    const [guest, op, subop] = positionals(this, parsed);
    if (!((op === 'migrate' || op === 'restore') && subop === 'begin')) return 0;
    const hostDir = requireOption(this, parsed, 'host');
    const state = typeof parsed.values.state === 'string' ? parsed.values.state : '/run/hostdev-hybrid';
    const timeout = Number(parsed.values['claim-timeout'] ?? 600) * 1000;
    const { text } = readInput(io, '-');
    try {
      mkdirSync(state, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new HybridError('FILE_UNWRITABLE', `cannot create the state folder ${state}: ${(e as Error).message}`, { file: state });
    }
    const claimsFile = join(state, 'claims.json');
    const arrival = withLock(state, () => {
      const host = readHostSnapshot(hostDir);
      const running = new Set(host.domains.map((d) => d.name));
      const now = Date.now();
      // A claim ends when its guest shows in domains/ (then libvirt itself says the VF is taken).
      const claims = readClaims(claimsFile).filter((c) => now - c.at < timeout && !running.has(c.domain) && c.domain !== guest);
      const claimed = new Set(claims.map((c) => c.vf).filter((vf) => hostIndex(host).vfByAddress.has(vf)));
      const result = rewriteArrivingDomain(text, host, { claimed, strict: parsed.values.strict === true });
      const mine = result.allocations.map((a) => ({ vf: a.to.vf, domain: result.domain, at: now }));
      try {
        atomicWrite(claimsFile, JSON.stringify([...claims, ...mine], null, 1) + '\n', { mode: 0o600 });
      } catch (e) {
        throw new HybridError('FILE_UNWRITABLE', `cannot write ${claimsFile}: ${(e as Error).message}`, { file: claimsFile });
      }
      return result;
    });
    if (arrival.xml !== undefined) io.stdout(arrival.xml);
    for (const a of arrival.allocations) io.stderr(`hostdev-hybrid: ${arrival.domain}: ${a.alias} takes ${a.to.vf}${a.to.pf ? ` on ${a.to.pf}` : ''}\n`);
    printWarnings(io, arrival.warnings);
    return 0;
  },
};
