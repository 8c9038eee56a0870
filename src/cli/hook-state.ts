/**
 * The hook's state between arrivals, in its state folder: the lock that serialises them, the
 * claims of VFs given to guests still arriving, and the log of rewrites (docs/HOOK.md). The one
 * module that knows how a lock's holder is told alive (/proc).
 */
import { appendFileSync, closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HybridError } from '../errors.js';
import type { Arrival } from '../plan/hook.js';
import type { Io } from './output.js';

export interface Claim {
  vf: string;
  domain: string;
  at: number;
}

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

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
export function withLock<T>(dir: string, fn: () => T): T {
  const lock = join(dir, 'lock');
  const mine = join(dir, `lock.${process.pid}`);
  const cannot = (e: unknown): HybridError =>
    new HybridError('FILE_UNWRITABLE', `cannot create ${lock}: ${(e as Error).message}`, { file: lock });
  try {
    writeFileSync(mine, `${process.pid} ${processStart(process.pid) ?? ''}\n`, { mode: 0o600 });
  } catch (e) {
    throw cannot(e);
  }
  try {
    acquire(lock, mine, cannot);
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

/** Links `mine` in as the lock, taking over a dead holder's, waiting for a live one at most LOCK_WAIT_MS. */
function acquire(lock: string, mine: string, cannot: (e: unknown) => HybridError): void {
  const until = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      linkSync(mine, lock);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot(e);
    }
    const holder = readOr(lock, '');
    if (takeOverDead(lock, holder, cannot)) continue;
    if (Date.now() > until) {
      throw new HybridError(
        'FILE_UNWRITABLE',
        `${lock} is held for over ${LOCK_WAIT_MS / 1000} s by a hook that still runs (${holder.trim() || 'pid unknown'}); remove it if no hook runs`,
        { file: lock, fileInReason: true },
      );
    }
    sleep(20);
  }
}

/** Removes a lock whose holder no longer runs, under the take-over marker; true when it did (try again at once). */
function takeOverDead(lock: string, holder: string, cannot: (e: unknown) => HybridError): boolean {
  if (holder === '' || holderRuns(holder)) return false;
  const takeover = `${lock}.takeover`;
  try {
    closeSync(openSync(takeover, 'wx'));
    try {
      // Under the take-over marker nobody else removes a lock: still the dead holder's, it goes.
      if (readOr(lock, '') === holder) unlinkSync(lock);
    } finally {
      unlinkSync(takeover);
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot(e);
    try {
      if (Date.now() - statSync(takeover).mtimeMs > TAKEOVER_STALE_MS) unlinkSync(takeover);
    } catch {
      /* gone meanwhile */
    }
    return false;
  }
}

export function readClaims(file: string): Claim[] {
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
export function record(file: string, event: string, arrival: Arrival, io: Io): void {
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
