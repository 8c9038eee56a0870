import { readHostSnapshot, readUtf8File } from '../../io.js';
import { planHotplug, planRepair, planUnplug } from '../../plan/live.js';
import { positionals, requireOption, type Command } from '../command.js';
import { readInput } from '../output.js';
import { styleOption } from './expand.js';
import { emitPlan, PLAN_OUTPUT } from './shared.js';

const uriOption = (v: unknown): { uri?: string } => (typeof v === 'string' ? { uri: v } : {});

export const repair: Command = {
  name: 'repair',
  summary: 'Plan the attach of a VF for each pair that runs on its backup alone.',
  args: ['DOMAIN.xml'],
  options: {
    host: { type: 'string', value: 'DIR', required: true, help: 'snapshot of the host the guest runs on; required' },
    ...PLAN_OUTPUT,
  },
  description:
    "For a running guest (virsh dumpxml) whose pair lost its VF half — after a migration, a restore or\na failed attach: the VF its metadata records when that one is free, else a free VF on the PF\nits backup uses, at the VF half's own guest address. DOMAIN.xml may be -.",
  example: 'virsh dumpxml vm | hostdev-hybrid repair - --host /var/lib/hostdev-hybrid/host --out-dir vm-repair && bash vm-repair/repair.sh',
  run(parsed, io) {
    const [file] = positionals(this, parsed);
    const host = readHostSnapshot(requireOption(this, parsed, 'host'));
    const { text, name } = readInput(io, file!);
    emitPlan(io, this.name, planRepair(text, host, { file: name, ...uriOption(parsed.values.uri) }), parsed, file!);
    return 0;
  },
};

export const hotplug: Command = {
  name: 'hotplug',
  summary: 'Plan the hot-plug of one new hybrid NIC into a running guest.',
  args: ['DOMAIN.xml'],
  options: {
    host: { type: 'string', value: 'DIR', required: true, help: 'snapshot of the host the guest runs on; required' },
    device: { type: 'string', value: 'NIC.xml', required: true, help: 'the hybrid <interface> to add; required' },
    style: { type: 'string', value: 'bond|teaming', help: 'for a guest without pairs yet', default: "the guest's, else bond" },
    ...PLAN_OUTPUT,
  },
  description:
    'Expands the NIC against the running guest (virsh dumpxml): both halves at guest addresses free\nthere — pcie-root-ports cannot be added live — the backup attached first, then the VF half,\nboth --live --config, and the metadata updated. DOMAIN.xml may be -.',
  example: 'virsh dumpxml vm | hostdev-hybrid hotplug - --host /var/lib/hostdev-hybrid/host --device nic.xml --out-dir vm-nic',
  run(parsed, io) {
    const [file] = positionals(this, parsed);
    const host = readHostSnapshot(requireOption(this, parsed, 'host'));
    const deviceFile = requireOption(this, parsed, 'device');
    const style = styleOption(this.name, parsed.values.style);
    const device = readUtf8File(deviceFile);
    const { text, name } = readInput(io, file!);
    emitPlan(
      io,
      this.name,
      planHotplug(text, host, device, { file: name, deviceFile, ...(style ? { style } : {}), ...uriOption(parsed.values.uri) }),
      parsed,
      file!,
    );
    return 0;
  },
};

export const unplug: Command = {
  name: 'unplug',
  summary: 'Plan the removal of a pair (or an ephemeral device) from a running guest.',
  args: ['DOMAIN.xml', 'ALIAS'],
  options: { ...PLAN_OUTPUT },
  description:
    "ALIAS is the pair's ua- alias (or either half's), or an ephemeral device's. The VF half goes\nfirst, then the backup, both --live --config; the metadata forgets the pair. DOMAIN.xml may be -.",
  example: 'virsh dumpxml vm | hostdev-hybrid unplug - ua-wan --out-dir vm-unplug',
  run(parsed, io) {
    const [file, alias] = positionals(this, parsed);
    const { text, name } = readInput(io, file!);
    emitPlan(io, this.name, planUnplug(text, alias!, { file: name, ...uriOption(parsed.values.uri) }), parsed, file!);
    return 0;
  },
};
