import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandDomain } from '../../expand/expand.js';
import { readHostSnapshot, readUtf8File } from '../../io.js';
import { OUTPUT, positionals, type Command } from '../command.js';
import { emit } from '../output.js';
import { printWarnings } from './shared.js';

const packageRoot = (): string => resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const demo: Command = {
  name: 'demo',
  summary: 'Expand the built-in example on the built-in host snapshot.',
  args: [],
  options: { ...OUTPUT },
  description: 'Expands examples/guest.xml (four hybrid NICs and a GPU on a q35 guest) on the host snapshot\nfixtures/hosts/intel-82576 (an Intel 82576, two PFs with seven VFs each): the XML on standard\noutput, a summary of the pairs on standard error.',
  example: 'hostdev-hybrid demo > demo.xml && virsh define demo.xml',
  run(parsed, io) {
    positionals(this, parsed);
    const root = packageRoot();
    const domain = join(root, 'examples', 'guest.xml');
    const result = expandDomain(readUtf8File(domain), readHostSnapshot(join(root, 'fixtures', 'hosts', 'intel-82576')), { file: domain });
    io.stderr('# hostdev-hybrid demo: examples/guest.xml expanded on the host snapshot fixtures/hosts/intel-82576\n');
    for (const p of result.pairs) io.stderr(`# pair ${p.name}: VF ${p.vf} (VF ${p.vfIndex} of ${p.pfDev}) + macvtap on ${p.backupDev}, MAC ${p.mac}, guest ${p.vfGuestAddress} / ${p.backupGuestAddress}\n`);
    printWarnings(io, result.warnings);
    emit(io, result.xml, parsed.values.output as string | undefined, undefined);
    return 0;
  },
};
