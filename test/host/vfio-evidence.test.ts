// VFIO migration's evidence in a host snapshot (docs/HOST-SNAPSHOT.md): each file optional, a
// missing one unknown (never "yes"), a broken one refused whole, naming the file.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readHostSnapshot, type Host } from '../../src/index.js';
import { readDevlinkInfo, readDevlinkPorts, readModulesAlias, readVersions } from '../../src/host/vfio-evidence.js';
import { expectHybridError, FIXTURES } from '../helpers.js';

const CX7 = join(FIXTURES, 'hosts', 'nvidia-cx7-a');

/** A copy of the cx7 host with `files` written over (null: removed). */
function withFiles(files: Record<string, string | null>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'hh-evidence-')), 'host');
  cpSync(CX7, dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) (text === null ? rmSync(join(dir, f)) : writeFileSync(join(dir, f), text));
  return dir;
}

describe('a snapshot with every file', () => {
  let host!: Host;
  beforeEach(() => {
    host = readHostSnapshot(CX7);
  });
  it('knows libvirt\'s and QEMU\'s versions, the variant drivers, each VF\'s id and migratable, the PF\'s firmware and PSID', () => {
    expect(host.versions).toEqual({ libvirt: '10.0.0', qemu: '8.2.2' });
    expect(host.variantDrivers).toEqual([{ id: '10de:2330', driver: 'nvgrace_gpu_vfio_pci' }, { id: '15b3:101e', driver: 'mlx5_vfio_pci' }, { id: '8086:1889', driver: 'ice_vfio_pci' }]);
    expect(host.pfs[0]).toMatchObject({ firmware: '28.39.1002', psid: 'MT_0000000838' });
    expect(host.vfs.map((v) => [v.pciId, v.migratable])).toEqual([...Array(7).fill(['15b3:101e', true]), ['15b3:101e', false]]);
  });
});

describe('each file optional: absent, its facts are unknown', () => {
  it.each(['version.txt', 'modules.alias', 'devlink.json', 'devlink-info.json'])('%s', (file) => {
    const host = readHostSnapshot(withFiles({ [file]: null }));
    const known = { 'version.txt': host.versions, 'modules.alias': host.variantDrivers, 'devlink.json': host.vfs.find((v) => v.migratable !== undefined), 'devlink-info.json': host.pfs[0]!.firmware }[file];
    expect(known).toBeUndefined();
  });
});

describe('a broken file is refused whole, naming it, saying how to capture it', () => {
  it.each([
    ['version.txt', 'Running against daemon: ten\n', 'not a version number'],
    ['version.txt', 'virsh: command not found\n', 'names neither'],
    ['modules.alias', 'alias vfio_pci:v000015B3 broken\n', 'not \'alias vfio_pci:'],
    ['modules.alias', 'alias pci:v00008086d* e1000e\n', 'no \'alias vfio_pci:\' line'],
    ['devlink.json', '{"port": ', 'is not JSON'],
    ['devlink.json', '{"ports": {}}', 'devlink.json'],
    ['devlink.json', '{"port": {"pci/0000:82:00.0/99": {"flavour": "pcivf", "vfnum": 9, "function": {"migratable": "enable"}}}}', 'has 8 VFs in nodedev/'],
    ['devlink.json', '{"port": {"pci/0000:82:00.0/1": {"flavour": "pcivf", "vfnum": 0, "function": {"migratable": "yes"}}}}', 'devlink.json'],
    ['devlink-info.json', '{"info": {"pci/zz": {}}}', 'is not one'],
    ['devlink-info.json', '[]', 'devlink-info.json'],
    ['links.json', '[{"ifname": ', 'is not JSON'],
  ])('%s: %j', (file, text, says) => {
    const e = expectHybridError(() => readHostSnapshot(withFiles({ [file]: text })), 'HOST_SNAPSHOT');
    expect(e.message).toContain(says);
    expect(e.file ?? e.message).toContain(file);
    // A message that names its file is not prefixed with it again.
    if (e.message.includes(file)) expect([e.where, e.file?.endsWith(file)]).toEqual(['', true]);
  });
});

describe('the readers', () => {
  it('take libvirt\'s version from the daemon, else the library; wildcard aliases and other lines are passed over', () => {
    expect(readVersions({ xml: 'Using library: libvirt 9.0.0\nRunning hypervisor: QEMU 7.2.0\n' })).toEqual({ libvirt: '9.0.0', qemu: '7.2.0' });
    expect(readModulesAlias({ xml: 'alias pci:v00008086d* e1000e\nalias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\nalias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci\nalias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* other\n' }))
      .toEqual([{ id: '15b3:101e', driver: 'mlx5_vfio_pci' }]);
    expect(readModulesAlias({ xml: '' })).toEqual([]);
  });

  it('read only VF ports that say, and only PCI devices', () => {
    expect(readDevlinkPorts({ xml: JSON.stringify({ port: {
      'pci/0000:82:00.0/65535': { flavour: 'physical' },
      'pci/0000:82:00.0/3': { flavour: 'pcivf', vfnum: 2, function: { migratable: 'disable' } },
      'pci/0000:82:00.0/4': { flavour: 'pcivf', vfnum: 3, function: {} },
      'auxiliary/mlx5_core.sf.2/1': { flavour: 'pcivf', vfnum: 0, function: { migratable: 'enable' } },
    } }) })).toEqual([{ pf: '0000:82:00.0', vfIndex: 2, migratable: false }]);
    expect(readDevlinkInfo({ xml: JSON.stringify({ info: { 'pci/0000:82:00.0': { versions: { running: { fw: '1.2' } } }, 'auxiliary/x': {} } }) })).toEqual([{ pf: '0000:82:00.0', firmware: '1.2' }]);
  });
});

describe('the readers, to the letter', () => {
  it('version.txt: padded columns and trailing blanks, a daemon line that is not exactly one, QEMU alone', () => {
    expect(readVersions({ xml: 'Running against daemon:   10.0.0  \nRunning hypervisor:   QEMU   8.2.2 \n' })).toEqual({ libvirt: '10.0.0', qemu: '8.2.2' });
    expect(readVersions({ xml: 'xRunning against daemon: 10.0.0\nUsing library: libvirt 9.0.0\n' })).toEqual({ libvirt: '9.0.0' });
    expect(readVersions({ xml: 'Running against daemon: 10.0.0 (patched)\nUsing library: libvirt 9.0.0\n' })).toEqual({ libvirt: '9.0.0' });
    expect(readVersions({ xml: 'Using library:  libvirt  9.0.0\n' })).toEqual({ libvirt: '9.0.0' });
    expect(readVersions({ xml: 'Running hypervisor: QEMU 7.2.0\n' })).toEqual({ qemu: '7.2.0' });
    expect(readVersions({ xml: 'Running hypervisor: QEMU 7.2.0 (Debian)\nUsing library: libvirt 9.0.0 (Debian)\nRunning against daemon: 9.0.0\n' })).toEqual({ libvirt: '9.0.0' });
    expect(expectHybridError(() => readVersions({ xml: 'nothing\n' }), 'HOST_SNAPSHOT').message).toMatch(/^version\.txt names neither .*virsh version --daemon > version\.txt/);
  });

  it('modules.alias: several spaces, sorted by id, a broken line quoted short, blank text empty', () => {
    const text = 'alias vfio_pci:v00008086d00001889sv*sd*bc*sc*i*   ice_vfio_pci\nalias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci\n';
    expect(readModulesAlias({ xml: text })).toEqual([{ id: '15b3:101e', driver: 'mlx5_vfio_pci' }, { id: '8086:1889', driver: 'ice_vfio_pci' }]);
    expect(readModulesAlias({ xml: '\n\n' })).toEqual([]);
    expect(readModulesAlias({ xml: 'alias vfio_pci:v000010DEd*sv*sd*bc*sc*i* x\nalias vfio_pci:v*d00001889sv*sd*bc*sc*i* y\n' })).toEqual([]);
    const three = ['8086:1889', '15b3:101e', '10de:2330'].map((id) => `alias vfio_pci:v0000${id.slice(0, 4)}d0000${id.slice(5)}sv*sd*bc*sc*i* d${id.slice(0, 2)}`).join('\n');
    expect(readModulesAlias({ xml: three }).map((d) => d.id)).toEqual(['10de:2330', '15b3:101e', '8086:1889']);
    const long = `alias vfio_pci:v000015B3 ${'x'.repeat(200)}`;
    const e = expectHybridError(() => readModulesAlias({ xml: long }), 'HOST_SNAPSHOT');
    expect(e.message).toMatch(/^modules\.alias has a vfio_pci alias line/);
    expect(e.message).not.toContain('x'.repeat(100));
  });

  it('devlink.json: only VF ports with a number and a migratable are read; files named by default', () => {
    const ports = { port: {
      'pci/0000:82:00.0/9': { flavour: 'physical', vfnum: 0, function: { migratable: 'enable' } },
      'pci/0000:82:00.0/8': { flavour: 'pcivf', function: { migratable: 'enable' } },
    } };
    expect(readDevlinkPorts({ xml: JSON.stringify(ports) })).toEqual([]);
    expect(expectHybridError(() => readDevlinkPorts({ xml: '{' }), 'HOST_SNAPSHOT').message).toMatch(/^devlink\.json is not JSON .*devlink -j port show > devlink\.json/);
  });

  it('devlink-info.json: fw.version before fw, a device without versions, files named by default', () => {
    expect(readDevlinkInfo({ xml: JSON.stringify({ info: { 'pci/0000:82:00.0': { versions: { running: { 'fw.version': '2.0', fw: '1.9' }, fixed: { 'fw.psid': 'P' } } }, 'pci/0000:83:00.0': {} } }) }))
      .toEqual([{ pf: '0000:82:00.0', firmware: '2.0', psid: 'P' }, { pf: '0000:83:00.0' }]);
    expect(expectHybridError(() => readDevlinkInfo({ xml: '{' }), 'HOST_SNAPSHOT').message).toMatch(/^devlink-info\.json is not JSON .*devlink -j dev info > devlink-info\.json/);
  });
});
