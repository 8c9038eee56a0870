// What every plan is built from: here, the preflight's checks of the backups' network devices.
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/plan/journal.js';
import { checkBackupNetdevs } from '../../src/plan/pieces.js';
import type { Allocation } from '../../src/plan/types.js';

const pair = (alias: string, backupDev: string, pf = 'enp4'): Allocation => ({
  alias, kind: 'pair', mac: '52:54:00:00:00:01', pool: 'p', from: { vf: '0000:04:10.0' }, to: { vf: '0000:81:00.1', pf, backupDev },
});
const checks = (allocations: Allocation[], mtus: Record<string, number> = {}): string[] => {
  const j = new Journal('g', { source: 'qemu:///system', destination: 'qemu+ssh://b/system' });
  checkBackupNetdevs(j, 'destination', allocations, (name) => mtus[name]);
  return j.steps.map((s) => s.description).filter((d) => d.includes('network device'));
};

describe('the backups\' network devices, checked before a move', () => {
  it('each device once, naming every pair on it; no MTU asked without one', () => {
    expect(checks([pair('a', 'enp4'), pair('b', 'enp4'), pair('c', 'enp4.100')])).toEqual([
      'the destination has network device enp4 (the backup of a, b)',
      'the destination has network device enp4.100 (the backup of c)',
    ]);
    expect(checks([pair('a', 'enp4'), pair('b', 'enp4.100')], {})).toHaveLength(2);
  });

  it('with an MTU, the VLAN device and its PF both carry the largest; a pair on its PF is named once', () => {
    expect(checks([pair('a', 'enp4.100'), pair('b', 'enp4')], { a: 9000, b: 1600 })).toEqual([
      'the destination has network device enp4.100 with MTU 9000 or more (the backup of a)',
      'the destination has network device enp4 with MTU 9000 or more (the backup of a, b)',
    ]);
    expect(checks([pair('a', 'enp4')], { a: 9000 })).toEqual(['the destination has network device enp4 with MTU 9000 or more (the backup of a)']);
  });
});
