// The hook in a real libvirtd: `.ci/install-test-hook` put a wrapper into
// /etc/libvirt/hooks/qemu.d/ (for guests named hh-test-hook*) before libvirtd started, with the
// fixture host intel-x710 as "this host" and libvirt's /run/libvirt/qemu as its domains/.
// A guest expanded on intel-82576 is saved and restored with no --xml: the hook moves it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandDomain, parseXml, planRepair, readHostSnapshot, serializeXml, type XmlElement } from '../../src/index.js';
import { readMetadata } from '../../src/metadata.js';
import { childElements, firstChild, getAttribute, removeElement } from '../../src/xml/edit.js';
import { rootElement } from '../../src/xml/tree.js';
import { FIXTURES } from '../helpers.js';
import { requireLibvirt, run } from './env.js';

const HOOK = '/etc/libvirt/hooks/qemu.d/hostdev-hybrid-test';
const HOST = '/var/lib/hostdev-hybrid-test/host';
const work = mkdtempSync(join(tmpdir(), 'hh-hook-'));
const virsh = (...args: string[]) => run('virsh', ['-c', 'qemu:///system', ...args]);
const ok = (r: ReturnType<typeof virsh>, what: string): string => {
  expect(r.status, `${what}: ${r.stderr}`).toBe(0);
  return r.stdout;
};
const isPassthrough = (d: XmlElement): boolean => d.name === 'hostdev' || (d.name === 'interface' && getAttribute(d, 'type') === 'hostdev');

function withoutPassthrough(xml: string): string {
  const doc = parseXml(xml);
  const devices = firstChild(rootElement(doc), 'devices')!;
  for (const d of childElements(devices)) if (isPassthrough(d)) removeElement(devices, d);
  return serializeXml(doc);
}

function guest(name: string, hybrid: boolean): string {
  const dir = join(FIXTURES, 'cases', 'expand-q35-pool-bond');
  const source = readFileSync(join(dir, hybrid ? 'expected.xml' : 'input.xml'), 'utf8')
    .replace('<name>web2</name>', `<name>${name}</name>`)
    .replace(/<uuid>[^<]*<\/uuid>/, hybrid ? '<uuid>0f0e0d0c-0b0a-4909-8807-060504030201</uuid>' : '<uuid>0f0e0d0c-0b0a-4909-8807-060504030202</uuid>')
    .replace(/<interface type='network'>(\s*<mac [^>]*>)\s*<source network='default'\/>/g, "<interface type='ethernet'>$1");
  return hybrid ? source : source.replace(/\n    <interface type='hostdev-hybrid'>[\s\S]*?<\/interface>/, '');
}

function backupDev(xml: string): string | undefined {
  const devices = childElements(firstChild(rootElement(parseXml(xml)), 'devices')!);
  const backup = devices.find((d) => childElements(d, 'alias').some((a) => getAttribute(a, 'name') === 'ua-hybrid0-backup'));
  return backup && getAttribute(firstChild(backup, 'source')!, 'dev');
}

/** Starts `xml` (passthrough removed, as no VF exists here), saves it, restores with no --xml. */
function saveAndRestore(name: string, xml: string): { saved: string; restored: string } {
  virsh('destroy', name);
  virsh('undefine', name);
  const file = join(work, `${name}.xml`);
  writeFileSync(file, withoutPassthrough(xml));
  ok(virsh('define', file), 'define');
  ok(virsh('start', name), 'start');
  const image = join(work, `${name}.save`);
  const saved = ok(virsh('dumpxml', '--migratable', name), 'dumpxml --migratable before save');
  ok(virsh('save', name, image), 'save');
  ok(virsh('restore', image), 'restore with no --xml (the hook rewrites)');
  return { saved, restored: ok(virsh('dumpxml', '--migratable', name), 'dumpxml --migratable') };
}

describe('the hook in a real libvirtd', () => {
  beforeAll(() => {
    requireLibvirt();
    if (!existsSync(HOOK)) throw new Error(`${HOOK} is missing: run .ci/install-test-hook, then restart libvirtd (bash .ci/run does both)`);
  });

  it('virsh restore with no --xml: the backups sit on the PFs the hook chose here, the metadata records the VFs, repair attaches them', () => {
    const name = 'hh-test-hook-hybrid';
    try {
      const expanded = guest(name, true);
      expect(backupDev(expanded)).toBe('enp4s0f0');
      const { restored } = saveAndRestore(name, expanded);
      const host = readHostSnapshot(HOST);
      const pair = readMetadata(rootElement(parseXml(restored)))!.pairs[0]!;
      expect(backupDev(restored), 'libvirtd ran the hook (was it restarted after .ci/install-test-hook?)').toBe('ens2f0');
      expect([pair.vf, pair.pfDev]).toEqual(['0000:3b:02.0', 'ens2f0']);
      // The VF half is away (bond): repair on this host attaches exactly the VF the hook recorded.
      const running = ok(virsh('dumpxml', name), 'dumpxml');
      const repair = planRepair(running, host);
      expect(repair.allocations.map((a) => a.to.vf)).toEqual(['0000:3b:02.0']);
      const piece = join(work, 'repair-vf.xml');
      writeFileSync(piece, repair.attach[0]!.xml + '\n');
      ok(virsh('attach-device', name, piece, '--config'), 'attach-device --config of the repair piece');
      const config = ok(virsh('dumpxml', '--inactive', name), 'dumpxml --inactive');
      expect(config).toContain("<address type='pci' domain='0x0000' bus='0x3b' slot='0x02' function='0x0'/>");
    } finally {
      virsh('destroy', name);
      virsh('undefine', name);
    }
  });

  it('a domain without hostdev-hybrid metadata restores exactly as it was saved', () => {
    const name = 'hh-test-hook-plain';
    try {
      const { saved, restored } = saveAndRestore(name, guest(name, false));
      expect(restored).toBe(saved);
    } finally {
      virsh('destroy', name);
      virsh('undefine', name);
    }
  });

  it('a plain guest saves and restores with a torn snapshot in place (the hook passes it without reading it)', () => {
    const name = 'hh-test-hook-plain-torn';
    const torn = join(HOST, 'nodedev', 'pci_9999_99_99_9.xml');
    try {
      writeFileSync(torn, '<device><name>torn');
      const { saved, restored } = saveAndRestore(name, guest(name, false));
      expect(restored).toBe(saved);
    } finally {
      rmSync(torn, { force: true });
      virsh('destroy', name);
      virsh('undefine', name);
    }
  });

  it('guests saved in bond style and restored at the same time: 8 on 12 free VFs each get their own; 6 more on the 4 left, 2 come in degraded; no VF shared', async () => {
    const nodedev = join(HOST, 'nodedev');
    const pfFile = join(nodedev, 'pci_0000_3b_00_0.xml');
    const pfXml = readFileSync(pfFile, 'utf8');
    const vf0 = readFileSync(join(nodedev, 'pci_0000_3b_02_0.xml'), 'utf8');
    // The test host grows to 12 VFs for this test (slot 2 functions 0-7, slot 3 functions 0-3).
    const more = Array.from({ length: 8 }, (_, k) => ({ slot: 2 + ((4 + k) >> 3), fn: (4 + k) & 7 }));
    const hex = (n: number): string => n.toString(16).padStart(2, '0');
    const added = more.map(({ slot, fn }) => join(nodedev, `pci_0000_3b_${hex(slot)}_${fn}.xml`));
    const log = '/run/hostdev-hybrid-test/arrivals.log';
    const all: string[] = [];
    const round = async (names: string[], offset: number): Promise<{ domain: string; vfs: { vf: string }[]; degraded: string[] }[]> => {
      const before = existsSync(log) ? readFileSync(log, 'utf8').length : 0;
      const images = names.map((name, i) => {
        all.push(name);
        virsh('destroy', name);
        virsh('undefine', name);
        const file = join(work, `${name}.xml`);
        const n = offset + i;
        // Each guest its own UUID and MACs (two macvtaps with one MAC on one PF are refused)…
        const own = withoutPassthrough(guest(name, true)).replace(/<uuid>[^<]*<\/uuid>/, `<uuid>0f0e0d0c-0b0a-4909-8807-0605040302${(16 + n).toString(16)}</uuid>`)
          .replace(/52:54:00:([0-9a-f]{2}):([0-9a-f]{2}):[0-9a-f]{2}/g, (_, a: string, b: string) => `52:54:00:${a}:${b}:${(0x10 + n).toString(16)}`)
          // no disk: QEMU locks an image for one guest at a time;
          .replace(/\n *<disk [\s\S]*?<\/disk>/g, '')
          // and little memory: under QEMU's emulation (no /dev/kvm) a restore touches every page,
          // and fourteen 4 GiB guests are more than this machine has.
          .replace(/<memory unit='KiB'>\d+<\/memory>/, "<memory unit='KiB'>262144</memory>").replace(/<currentMemory unit='KiB'>\d+<\/currentMemory>/, "<currentMemory unit='KiB'>262144</currentMemory>");
        writeFileSync(file, own);
        ok(virsh('define', file), `define ${name}`);
        ok(virsh('start', name), `start ${name}`);
        const image = join(work, `${name}.save`);
        ok(virsh('save', name, image), `save ${name}`);
        return image;
      });
      const errors: string[] = [];
      const restores = await Promise.all(images.map((image) => new Promise<number | null>((resolve) => {
        const child = spawn('virsh', ['-c', 'qemu:///system', 'restore', image], { stdio: ['ignore', 'ignore', 'pipe'] });
        child.stderr.on('data', (d: Buffer) => errors.push(`${image}: ${d.toString()}`));
        child.on('close', resolve);
      })));
      expect(restores, errors.join('\n')).toEqual(names.map(() => 0));
      // The hook's own record of what each arrival got.
      const arrivals = readFileSync(log, 'utf8').slice(before).trim().split('\n').map((l) => JSON.parse(l) as { domain: string; vfs: { vf: string }[]; degraded: string[] });
      const mine = arrivals.filter((a) => names.includes(a.domain));
      expect(mine.map((a) => a.domain).sort()).toEqual([...names].sort());
      for (const name of names) expect(backupDev(ok(virsh('dumpxml', name), `dumpxml ${name}`)), name).toBe('ens2f0');
      return mine;
    };
    try {
      writeFileSync(pfFile, pfXml.replace("    </capability>\n    <iommuGroup number='60'>", `${more.map(({ slot, fn }) => `      <address domain='0x0000' bus='0x3b' slot='0x${hex(slot)}' function='0x${fn}'/>\n`).join('')}    </capability>\n    <iommuGroup number='60'>`));
      more.forEach(({ slot, fn }, k) => writeFileSync(added[k]!, vf0.replace(/_02_0</g, `_${hex(slot)}_${fn}<`).replace('0000:3b:02.0<', `0000:3b:${hex(slot)}.${fn}<`)
        .replace('<slot>2</slot>', `<slot>${slot}</slot>`).replace('<function>0</function>', `<function>${fn}</function>`)
        .replace("<address domain='0x0000' bus='0x3b' slot='0x02' function='0x0'/>\n    </iommuGroup>", `<address domain='0x0000' bus='0x3b' slot='0x${hex(slot)}' function='0x${fn}'/>\n    </iommuGroup>`)));
      expect(readHostSnapshot(HOST).pools.find((p) => p.name === 'sriov-pool')!.vfs).toHaveLength(12);
      // Claims of earlier runs' guests that never arrived would hold VFs for their 600 s.
      rmSync('/run/hostdev-hybrid-test/claims.json', { force: true });
      const first = await round(Array.from({ length: 8 }, (_, i) => `hh-test-hook-many${i}`), 0);
      expect(first.map((a) => a.degraded.length)).toEqual(first.map(() => 0));
      const second = await round(Array.from({ length: 6 }, (_, i) => `hh-test-hook-more${i}`), 8);
      expect(second.filter((a) => a.degraded.length > 0)).toHaveLength(2);
      const vfs = [...first, ...second].flatMap((a) => a.vfs.map((v) => v.vf));
      expect(vfs).toHaveLength(12);
      expect(new Set(vfs).size).toBe(12);
    } finally {
      for (const name of all) {
        virsh('destroy', name);
        virsh('undefine', name);
      }
      writeFileSync(pfFile, pfXml);
      for (const f of added) rmSync(f, { force: true });
    }
  }, 300_000);
});

