import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allocateVf, claimVf, readHostSnapshot } from '../../src/index.js';
import { expectHybridError, FIXTURES } from '../helpers.js';

const intel = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
const cx5 = readHostSnapshot(join(FIXTURES, 'hosts', 'mellanox-cx5'));

function allocateAll(pool: string, n: number, host = intel, extra: Parameters<typeof allocateVf>[2] = {}): string[] {
  const claimed = new Set<string>();
  for (let i = 0; i < n; i++) claimed.add(allocateVf(host, pool, { ...extra, claimed }).vf);
  return [...claimed];
}

describe('VF allocation', () => {
  it('skips VFs other domains use and spreads pairs across PFs, lowest index first', () => {
    // web1 holds 04:10.0 (PF0 VF0), db1 holds 04:10.1 (PF1 VF0): both PFs have one in use.
    expect(allocateAll('sriov-pool', 4)).toEqual(['0000:04:10.2', '0000:04:10.3', '0000:04:10.4', '0000:04:10.5']);
  });

  it('is deterministic: the same snapshot and claims give the same VF', () => {
    expect(allocateAll('sriov-pool', 6)).toEqual(allocateAll('sriov-pool', 6));
  });

  it('a domain\'s own VFs are not taken from itself', () => {
    expect(allocateVf(intel, 'sriov-pool', { domain: 'web1' }).vf).toBe('0000:04:10.0');
    expect(claimVf(intel, '0000:04:10.0', { domain: 'web1' }).vf).toBe('0000:04:10.0');
  });

  it('prefers the NUMA node it is asked for, then spreads', () => {
    expect(allocateVf(cx5, 'sriov-pool', { preferNumaNode: 1 }).vf).toBe('0000:81:00.3'); // 81:00.2 is app1's
  });

  it('uses every free VF, then reports exhaustion', () => {
    expect(allocateAll('sriov-pool', 12)).toHaveLength(12);
    const claimed = new Set(allocateAll('sriov-pool', 12));
    expect(expectHybridError(() => allocateVf(intel, 'sriov-pool', { claimed }), 'POOL_EXHAUSTED').message).toContain('14');
  });

  it('refuses an unknown pool', () => {
    expect(expectHybridError(() => allocateVf(intel, 'nope'), 'POOL_UNKNOWN').message).toContain('sriov-pool');
  });

  it('refuses an explicit VF another domain holds, or one used twice', () => {
    expect(expectHybridError(() => claimVf(intel, '0000:04:10.0', { domain: 'new' }), 'VF_TAKEN').message).toContain('web1');
    expectHybridError(() => claimVf(intel, '0000:04:10.2', { claimed: new Set(['0000:04:10.2']) }), 'VF_TAKEN');
  });

  it('refuses a PF or an unknown device as a VF', () => {
    expectHybridError(() => claimVf(intel, '0000:04:00.0'), 'NOT_A_VF');
    expectHybridError(() => claimVf(intel, '0000:09:00.0'), 'UNKNOWN_DEVICE');
  });
});
