// Every move executed end to end on the lab (docs/LAB.md): three libvirt hosts on this machine,
// the plans' own scripts run as an operator runs them, and the end state read back from every
// host. The VF is the one simulated part (test/lab/virsh.mjs); QEMU's migration, save and restore,
// the macvtap backups, libvirt's checks and the guest kernel's hot-plug are real.
//
// Teaming is not run here: QEMU's failover needs the guest's virtio-net driver to negotiate
// VIRTIO_NET_F_STANDBY, and the lab's guest (busybox in an initramfs) loads no driver; its
// stand-in is not a hostdev either, which libvirt requires of a transient teaming member.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOnlyOn, expectPairsWhole, guestAddresses } from './check.js';
import { Lab } from './lab.js';

let lab: Lab;

beforeAll(() => {
  lab = new Lab();
  lab.addHost('a', 'intel-82576');
  lab.addHost('b', 'mellanox-cx5');
  lab.addHost('c', 'intel-x710');
}, 120_000);

afterAll(() => lab?.stop(), 120_000);

/** Starts a hybrid guest on `host` and returns its guest addresses, the move's invariant. */
function guest(name: string, host = 'a', pairs = 1): ReturnType<typeof guestAddresses> {
  lab.startGuest(host, name, lab.guestXml(name, host, pairs));
  const xml = expectOnlyOn(lab, name, host);
  const before = guestAddresses(xml);
  expectPairsWhole(lab, host, xml, before);
  return before;
}

/** `virsh dumpxml --migratable NAME | hostdev-hybrid plan - …` into a folder; the plan's JSON. */
function plan(name: string, from: string, to: string, extra: string[] = []): { dir: string; json: { commands: string[]; steps: { action: string }[] } } {
  const dir = join(lab.dir, `${name}-${from}-${to}-${Date.now()}`);
  const xml = lab.ok(from, 'dumpxml', '--migratable', name);
  const r = lab.cli(['plan', '-', '--from', lab.host(from).snapshot, '--to', lab.host(to).snapshot,
    '--source-uri', lab.host(from).uri, ...(from === to && extra.includes('save-restore') ? [] : ['--dest-uri', lab.host(to).uri]), ...extra, '--out-dir', dir], xml);
  expect(r.status, r.stderr).toBe(0);
  return { dir, json: JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) };
}

describe('live migration', () => {
  it('bond: the guest runs on b alone, persistent there, each pair whole on b\'s VFs and PFs', () => {
    const before = guest('hh-lab-live', 'a', 2);
    const { dir } = plan('hh-lab-live', 'a', 'b');
    const r = lab.runScript(join(dir, 'migrate.sh'));
    expect(r.status, r.stderr).toBe(0);
    expectPairsWhole(lab, 'b', expectOnlyOn(lab, 'hh-lab-live', 'b'), before);
  });
});
