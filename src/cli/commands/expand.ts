import { expandDomain } from '../../expand/expand.js';
import type { Style } from '../../metadata.js';
import { readHostSnapshot } from '../../io.js';
import { OUTPUT, positionals, requireOption, usageError, type Command } from '../command.js';
import { emit, readInput } from '../output.js';
import { printWarnings } from './shared.js';

export function styleOption(command: string, raw: unknown): Style | undefined {
  if (raw === undefined) return undefined;
  if (raw !== 'bond' && raw !== 'teaming') throw usageError(`--style must be bond or teaming, not '${String(raw)}'`, command);
  return raw;
}

export const expand: Command = {
  name: 'expand',
  summary: 'Expand the hybrid dialect into plain libvirt XML.',
  args: ['DOMAIN.xml'],
  options: {
    host: { type: 'string', value: 'DIR', required: true, help: 'the host snapshot to pick VFs from (docs/HOST-SNAPSHOT.md); required' },
    style: { type: 'string', value: 'bond|teaming', help: 'how the guest sees each pair', default: 'bond' },
    'vlan-device': {
      type: 'string',
      value: 'TEMPLATE',
      help: 'backup source for a pair with a VLAN; {pf} and {vlan} are replaced',
      default: '{pf}.{vlan}',
    },
    json: {
      type: 'boolean',
      help: 'print the choices (pairs, ephemeral devices, warnings) as JSON; with -o the XML goes to FILE, else into the JSON as "xml"',
    },
    ...OUTPUT,
  },
  description:
    'Each hybrid NIC becomes a VF half and a virtio/macvtap backup half with one MAC, at guest\nPCI addresses that collide with nothing; ephemeral devices lose their attribute. Everything\nelse comes back byte for byte. DOMAIN.xml may be - (standard input).',
  example: 'virsh dumpxml --inactive vm | hostdev-hybrid expand - --host /var/lib/hostdev-hybrid/host -o vm.xml',
  run(parsed, io) {
    const [file] = positionals(this, parsed);
    const hostDir = requireOption(this, parsed, 'host');
    const style = styleOption(this.name, parsed.values.style);
    const { text, name } = readInput(io, file!);
    const result = expandDomain(text, readHostSnapshot(hostDir), {
      file: name,
      ...(style ? { style } : {}),
      ...(typeof parsed.values['vlan-device'] === 'string' ? { vlanDevice: parsed.values['vlan-device'] } : {}),
    });
    const output = parsed.values.output as string | undefined;
    if (parsed.values.json) {
      const { xml, ...rest } = result;
      const toFile = output !== undefined && output !== '-';
      if (toFile) emit(io, xml, output, file);
      io.stdout(JSON.stringify(toFile ? rest : { xml, ...rest }, null, 2) + '\n');
    } else {
      emit(io, result.xml, output, file);
    }
    printWarnings(io, result.warnings);
    return 0;
  },
};
