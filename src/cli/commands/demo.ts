import { join } from 'node:path';
import { expandDomain } from '../../expand/expand.js';
import { planMigration } from '../../plan/migrate.js';
import { packageRoot, readHostSnapshot, readUtf8File } from '../../io.js';
import { OUTPUT, positionals, type Command } from '../command.js';
import { emit } from '../output.js';
import { styleOption } from './expand.js';
import { printWarnings } from './shared.js';

export const demo: Command = {
  name: 'demo',
  summary: 'Expand the built-in example on a built-in host snapshot, and plan its move to another.',
  args: [],
  options: {
    style: {
      type: 'string',
      value: 'bond|teaming',
      help: 'bond expands examples/guest.xml; teaming examples/guest-teaming.xml (guest.xml cannot team: one backup is e1000e)',
      default: 'bond',
    },
    ...OUTPUT,
  },
  description:
    "Expands examples/guest.xml (four hybrid NICs and a GPU on a q35 guest) on the host snapshot\nfixtures/hosts/intel-82576 (an Intel 82576, two PFs with seven VFs each), then plans its live\nmigration to fixtures/hosts/mellanox-cx5 (a ConnectX-5): the XML on standard output (or -o FILE),\nthen the plan's steps as virsh commands; a summary of the pairs on standard error.\n--style teaming does the same with examples/guest-teaming.xml. Nothing is run.",
  example: 'hostdev-hybrid demo -o demo.xml && virsh define demo.xml',
  run(parsed, io) {
    positionals(this, parsed);
    const root = packageRoot();
    const style = styleOption(this.name, parsed.values.style) ?? 'bond';
    const example = style === 'teaming' ? 'guest-teaming.xml' : 'guest.xml';
    const domain = join(root, 'examples', example);
    const result = expandDomain(readUtf8File(domain), readHostSnapshot(join(root, 'fixtures', 'hosts', 'intel-82576')), {
      file: domain,
      style,
    });
    io.stderr(`# hostdev-hybrid demo: examples/${example} expanded in ${style} style on the host snapshot fixtures/hosts/intel-82576\n`);
    for (const p of result.pairs)
      io.stderr(
        `# pair ${p.name}: VF ${p.vf} (VF ${p.vfIndex} of ${p.pfDev}) + macvtap on ${p.backupDev}, MAC ${p.mac}, guest ${p.vfGuestAddress} / ${p.backupGuestAddress}\n`,
      );
    printWarnings(io, result.warnings);
    emit(io, result.xml, parsed.values.output as string | undefined, undefined);
    // The move: to the second shipped host, its GPU at another address there.
    const to = join(root, 'fixtures', 'hosts', 'mellanox-cx5');
    const plan = planMigration(result.xml, readHostSnapshot(join(root, 'fixtures', 'hosts', 'intel-82576')), readHostSnapshot(to), {
      destUri: 'qemu+ssh://cx5.example/system',
      pciMap: { '0000:65:00.0': '0000:ca:00.0' },
      file: domain,
    });
    const lines = [
      '',
      `# The live migration of ${plan.domain} to fixtures/hosts/mellanox-cx5 (hostdev-hybrid plan … --out-dir DIR writes these as DIR/migrate.sh):`,
      ...plan.allocations.map(
        (a) =>
          `#   ${a.alias}: ${a.from?.vf ?? '?'}${a.from?.pf ? ` on ${a.from.pf}` : ''} -> ${a.to.vf}${a.to.pf ? ` on ${a.to.pf}` : ''}`,
      ),
      ...plan.steps.flatMap((st, i) => [`# ${i + 1}. [${st.host}] ${st.kind === 'check' ? 'check: ' : ''}${st.description}`, st.command]),
    ];
    io.stdout(lines.join('\n') + '\n');
    return 0;
  },
};
