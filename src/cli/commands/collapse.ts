import { collapseDomain } from '../../expanded/collapse.js';
import { OUTPUT, positionals, type Command } from '../command.js';
import { emit, readInput } from '../output.js';

export const collapse: Command = {
  name: 'collapse',
  summary: 'Turn an expanded domain (or its virsh dumpxml) back into the dialect.',
  args: ['DOMAIN.xml'],
  options: { ...OUTPUT },
  description:
    'The inverse of expand, from the metadata and the XML alone: each pair becomes one hybrid entry\nwith the MAC, VF and guest addresses expansion chose written in. DOMAIN.xml may be -.',
  example: 'virsh dumpxml vm | hostdev-hybrid collapse - -o vm.hybrid.xml',
  run(parsed, io) {
    const [file] = positionals(this, parsed);
    const { text, name } = readInput(io, file!);
    emit(io, collapseDomain(text, { file: name }), parsed.values.output as string | undefined, file);
    return 0;
  },
};
