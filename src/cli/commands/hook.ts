import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { HybridError } from '../../errors.js';
import { hostIndex } from '../../host/model.js';
import { atomicWrite, decodeUtf8, ensureDir, readHostSnapshot } from '../../io.js';
import { isHybridArrival, rewriteArrivingDomain } from '../../plan/hook.js';
import { positionals, requireOption, type Command } from '../command.js';
import { readInput } from '../output.js';
import { printWarnings } from './shared.js';
import { readClaims, record, withLock } from '../hook-state.js';

/** How long the hook waits for libvirt to finish writing the domain XML on its standard input. */
const STDIN_WAIT_MS = 10_000;

/**
 * Standard input, read whole by a `cat` that is killed after `ms`: a synchronous read of fd 0
 * cannot be given a timeout, and a caller that never closes the pipe must not hang the hook.
 */
function readStdinBounded(ms: number): string {
  const r = spawnSync('cat', [], { stdio: ['inherit', 'pipe', 'pipe'], timeout: ms, maxBuffer: 64 * 1024 * 1024 });
  if (r.error || r.status !== 0) {
    const why = r.signal ? `it was not closed within ${ms / 1000} s` : (r.error?.message ?? r.stderr.toString().trim());
    throw new HybridError('FILE_UNREADABLE', `cannot read the domain XML on standard input: ${why}`);
  }
  return decodeUtf8(r.stdout, '<stdin>');
}

export const hook: Command = {
  name: 'hook',
  summary: 'libvirt qemu hook: rewrite an arriving guest (migrate, restore) for this host.',
  args: ['GUEST', 'OP', 'SUBOP', 'EXTRA'],
  optionalArgs: 1,
  options: {
    host: {
      type: 'string',
      value: 'DIR',
      required: true,
      help: "this host's snapshot (network/ and domains/ may be libvirt's own folders); required",
    },
    state: { type: 'string', value: 'DIR', help: 'where claims of arriving guests and the lock live', default: '/run/hostdev-hybrid' },
    strict: {
      type: 'boolean',
      help: 'refuse (cancel the migration or restore) when a pair finds no free VF, instead of letting the guest in on its backups',
    },
    'claim-timeout': {
      type: 'string',
      value: 'SECONDS',
      help: 'how long a claim holds a VF before the guest shows in domains/',
      default: '600',
    },
  },
  description:
    "Installed as /etc/libvirt/hooks/qemu.d/hostdev-hybrid (docs/HOOK.md). For `migrate begin` and\n`restore begin` it reads the domain on standard input and prints it pointed at this host's VFs;\nevery other call exits at once with no output, and a domain without hostdev-hybrid metadata\npasses unchanged (no output). A failure exits 2 with one error line: libvirt cancels cleanly.",
  example:
    'install -m 755 examples/libvirt-hook/hostdev-hybrid /etc/libvirt/hooks/qemu.d/hostdev-hybrid   # runs this for migrate/restore begin only',
  run(parsed, io) {
    const [guest, op, subop] = positionals(this, parsed);
    if (!((op === 'migrate' || op === 'restore') && subop === 'begin')) return 0;
    const hostDir = requireOption(this, parsed, 'host');
    const state = typeof parsed.values.state === 'string' ? parsed.values.state : '/run/hostdev-hybrid';
    const timeout = Number(parsed.values['claim-timeout'] ?? 600) * 1000;
    const text = io.stdin ? readInput(io, '-').text : readStdinBounded(STDIN_WAIT_MS);
    // Not ours: out before the snapshot, the lock or the state folder is touched, whatever their state.
    if (!isHybridArrival(text)) return 0;
    ensureDir(state, 'the state folder', 0o700);
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
      record(join(state, 'arrivals.log'), `${op} ${subop}`, result, io);
      return result;
    });
    if (arrival.xml !== undefined) io.stdout(arrival.xml);
    for (const a of arrival.allocations)
      io.stderr(`hostdev-hybrid: ${arrival.domain}: ${a.alias} takes ${a.to.vf}${a.to.pf ? ` on ${a.to.pf}` : ''}\n`);
    printWarnings(io, arrival.warnings);
    return 0;
  },
};
