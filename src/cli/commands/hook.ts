import { appendFileSync, closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { HybridError } from '../../errors.js';
import { hostIndex } from '../../host/model.js';
import { atomicWrite, decodeUtf8, ensureDir, readHostSnapshot } from '../../io.js';
import { isHybridArrival, rewriteArrivingDomain, type Arrival } from '../../plan/hook.js';
import { positionals, requireOption, type Command } from '../command.js';
import { readInput, type Io } from '../output.js';
import { printWarnings } from './shared.js';

interface Claim {
  vf: string;
  domain: string;
  at: number;
}

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

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

/** How long an arrival waits for another hook's lock before it gives up (libvirt waits on us). */
const LOCK_WAIT_MS = 5_000;
/** A take-over marker older than this was left by a hook that died in the middle of one. */
const TAKEOVER_STALE_MS = 2_000;

/** A process's start time (field 22 of /proc/PID/stat): tells a reused pid from the one that took a lock. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process a lock file names (`PID START`) still runs. */
function holderRuns(content: string): boolean {
  const [pid, start] = content.trim().split(' ');
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return false;
  try {
    process.kill(n, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return start === undefined || start === '' || processStart(n) === undefined || processStart(n) === start;
}

const readOr = (file: string, fallback: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
};

/**
 * An exclusive lock file, so two arrivals at once never read the same claims. It names its
 * holder (pid and start time) from the moment it exists (written aside, then linked in); a lock
 * whose holder no longer runs is taken over at once, one take-over at a time (`lock.takeover`),
 * so a live holder's lock is never removed. Waiting for a live one is bounded.
 */
function withLock<T>(dir: string, fn: () => T): T {
  const lock = join(dir, 'lock');
  const mine = join(dir, `lock.${process.pid}`);
  const takeover = `${lock}.takeover`;
  const cannot = (e: unknown): HybridError =>
    new HybridError('FILE_UNWRITABLE', `cannot create ${lock}: ${(e as Error).message}`, { file: lock });
  try {
    writeFileSync(mine, `${process.pid} ${processStart(process.pid) ?? ''}\n`, { mode: 0o600 });
  } catch (e) {
    throw cannot(e);
  }
  const until = Date.now() + LOCK_WAIT_MS;
  try {
    for (;;) {
      try {
        linkSync(mine, lock);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot(e);
      }
      const holder = readOr(lock, '');
      if (holder !== '' && !holderRuns(holder)) {
        try {
          closeSync(openSync(takeover, 'wx'));
          try {
            // Under the take-over marker nobody else removes a lock: still the dead holder's, it goes.
            if (readOr(lock, '') === holder) unlinkSync(lock);
          } finally {
            unlinkSync(takeover);
          }
          continue;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot(e);
          try {
            if (Date.now() - statSync(takeover).mtimeMs > TAKEOVER_STALE_MS) unlinkSync(takeover);
          } catch {
            /* gone meanwhile */
          }
        }
      }
      if (Date.now() > until) {
        throw new HybridError(
          'FILE_UNWRITABLE',
          `${lock} is held for over ${LOCK_WAIT_MS / 1000} s by a hook that still runs (${holder.trim() || 'pid unknown'}); remove it if no hook runs`,
          { file: lock, fileInReason: true },
        );
      }
      sleep(20);
    }
  } finally {
    try {
      unlinkSync(mine);
    } catch {
      /* already gone */
    }
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      /* already gone */
    }
  }
}

function readClaims(file: string): Claim[] {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(value)
      ? value.filter((c): c is Claim => typeof c?.vf === 'string' && typeof c?.domain === 'string' && typeof c?.at === 'number')
      : [];
  } catch {
    return []; // absent or torn: claims are a hint that ages out anyway
  }
}

/** One JSON line per rewrite, for an operator after the fact (docs/HOOK.md); a failure to write it only warns. */
function record(file: string, event: string, arrival: Arrival, io: Io): void {
  const line = JSON.stringify({
    at: new Date().toISOString(),
    event,
    domain: arrival.domain,
    vfs: arrival.allocations.map((a) => ({ alias: a.alias, vf: a.to.vf, ...(a.to.pf ? { pf: a.to.pf } : {}) })),
    degraded: arrival.degraded,
    warnings: arrival.warnings.map((w) => w.code),
  });
  try {
    appendFileSync(file, line + '\n', { mode: 0o600 });
  } catch (e) {
    io.stderr(`hostdev-hybrid: warning: cannot record the rewrite in ${file}: ${(e as Error).message}\n`);
  }
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
