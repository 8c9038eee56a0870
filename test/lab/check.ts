// The end state of a move, read back from every lab host: where the guest runs, where it is
// defined and persistent, what each pair has, what image is left behind.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { hostIndex } from '../../src/host/model.js';
import { aliasOf } from '../../src/libvirt/domain.js';
import { firstChild, getAttribute } from '../../src/xml/edit.js';
import { guestAddress, readGuest, vfSource, type Lab } from './lab.js';

/** Each pair's guest addresses (VF half, backup) by pair name: what a move must keep. */
export function guestAddresses(xml: string): Record<string, [string | undefined, string | undefined]> {
  const { meta, devices } = readGuest(xml);
  return Object.fromEntries(meta.pairs.map((p) => [p.name, [p.vfGuestAddress, devices.get(p.backupAlias) && guestAddress(devices.get(p.backupAlias)!)]]));
}

/**
 * The guest runs on `host` alone and is defined there alone, persistent; no host has a
 * managed-save image of it or a file where libvirt would look for one. Returns its live XML.
 */
export function expectOnlyOn(lab: Lab, name: string, host: string): string {
  for (const [h, p] of Object.entries(lab.where(name))) {
    const here = h === host;
    expect(p, `${name} on ${h}`).toEqual({ running: here, defined: here, persistent: here, managedSave: false });
    expect(existsSync(join(lab.host(h).dir, 'lib', 'qemu', 'save', `${name}.save`)), `${name}'s managed-save path on ${h}`).toBe(false);
  }
  return lab.ok(host, 'dumpxml', name);
}

/**
 * Every pair is whole on `host`: its VF half and backup are in the running guest at the guest
 * addresses they had, the VF half on the VF the metadata names — one of that host's — and the
 * backup on that VF's PF netdev there; no VF is recorded by two running guests of the host.
 * `degraded` names pairs expected to run on their backup alone.
 */
export function expectPairsWhole(lab: Lab, host: string, xml: string, before: ReturnType<typeof guestAddresses>, degraded: string[] = []): void {
  const { meta, devices } = readGuest(xml);
  const index = hostIndex(lab.snapshot(host));
  expect(meta.pairs.map((p) => p.name).sort()).toEqual(Object.keys(before).sort());
  for (const p of meta.pairs) {
    const vf = index.vfByAddress.get(p.vf);
    expect(vf, `${p.name}: VF ${p.vf} is one of ${host}'s`).toBeDefined();
    expect(index.pfByAddress.get(vf!.pf)?.netdev, `${p.name}: its PF netdev on ${host}`).toBe(p.pfDev);
    const backup = devices.get(p.backupAlias);
    expect(backup, `${p.name}: backup half`).toBeDefined();
    expect(getAttribute(firstChild(backup!, 'source')!, 'dev'), `${p.name}: backup source`).toBe(p.backupDev);
    expect(guestAddress(backup!), `${p.name}: backup guest address`).toBe(before[p.name]![1]);
    const half = devices.get(p.vfAlias);
    if (degraded.includes(p.name)) {
      expect(half, `${p.name}: degraded, no VF half`).toBeUndefined();
      continue;
    }
    expect(half, `${p.name}: VF half`).toBeDefined();
    expect(vfSource(half!), `${p.name}: VF half's source`).toBe(p.vf);
    expect(guestAddress(half!), `${p.name}: VF half guest address`).toBe(before[p.name]![0]);
    expect(aliasOf(half!)).toBe(p.vfAlias);
  }
  expectNoVfTwice(lab, host);
}

/** No VF is recorded by two running guests of `host`. */
export function expectNoVfTwice(lab: Lab, host: string): void {
  const seen = new Map<string, string>();
  for (const dom of lab.ok(host, 'list', '--name').split('\n').filter(Boolean)) {
    const xml = lab.ok(host, 'dumpxml', dom);
    if (!xml.includes('hostdev-hybrid.dev/xmlns')) continue;
    for (const p of readGuest(xml).meta.pairs) {
      expect(seen.get(p.vf), `VF ${p.vf} on ${host}: ${dom} and ${seen.get(p.vf)}`).toBeUndefined();
      seen.set(p.vf, dom);
    }
  }
}
