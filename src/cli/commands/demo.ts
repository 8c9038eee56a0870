import { join } from 'node:path';
import { expandDomain } from '../../expand/expand.js';
import { readHostSnapshot, readUtf8File } from '../../io.js';
import { packageRoot } from '../../package.js';
import { OUTPUT, positionals, type Command } from '../command.js';
import { emit } from '../output.js';
import { styleOption } from './expand.js';
import { printWarnings } from './shared.js';

export const demo: Command = {
  name: 'demo',
  summary: 'Expand the built-in example on the built-in host snapshot.',
  args: [],
  options: {
    style: { type: 'string', value: 'bond|teaming', help: 'bond expands examples/guest.xml; teaming examples/guest-teaming.xml (guest.xml cannot team: one backup is e1000e)', default: 'bond' },
    ...OUTPUT,
  },
  description: 'Expands examples/guest.xml (four hybrid NICs and a GPU on a q35 guest) on the host snapshot\nfixtures/hosts/intel-82576 (an Intel 82576, two PFs with seven VFs each): the XML on standard\noutput, a summary of the pairs on standard error. --style teaming expands examples/guest-teaming.xml.',
  example: 'hostdev-hybrid demo > demo.xml && virsh define demo.xml',
  run(parsed, io) {
    positionals(this, parsed);
    const root = packageRoot();
    const style = styleOption(this.name, parsed.values.style) ?? 'bond';
    const example = style === 'teaming' ? 'guest-teaming.xml' : 'guest.xml';
    const domain = join(root, 'examples', example);
    const result = expandDomain(readUtf8File(domain), readHostSnapshot(join(root, 'fixtures', 'hosts', 'intel-82576')), { file: domain, style });
    io.stderr(`# hostdev-hybrid demo: examples/${example} expanded in ${style} style on the host snapshot fixtures/hosts/intel-82576\n`);
    for (const p of result.pairs) io.stderr(`# pair ${p.name}: VF ${p.vf} (VF ${p.vfIndex} of ${p.pfDev}) + macvtap on ${p.backupDev}, MAC ${p.mac}, guest ${p.vfGuestAddress} / ${p.backupGuestAddress}\n`);
    printWarnings(io, result.warnings);
    emit(io, result.xml, parsed.values.output as string | undefined, undefined);
    return 0;
  },
};
