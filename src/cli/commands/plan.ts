import { realpathSync } from 'node:fs';
import { HybridError } from '../../errors.js';
import { DEFAULT_SOURCE_URI } from '../../plan/pieces.js';
import { readHostSnapshot } from '../../io.js';
import { planMigration } from '../../plan/migrate.js';
import { positionals, requireOption, usageError, type Command } from '../command.js';
import { readInput } from '../output.js';
import { styleOption } from './expand.js';
import { emitPlan, PLAN_OUTPUT } from './shared.js';

/** `--pci-map SRC=DST`, repeated. */
function pciMap(command: string, raw: unknown): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  const map: Record<string, string> = {};
  for (const entry of raw as string[]) {
    const m = /^([^=]+)=([^=]+)$/.exec(entry);
    if (!m) throw usageError(`--pci-map takes SRC=DST (e.g. 0000:65:00.0=0000:ca:00.0), not '${entry}'`, command);
    map[m[1]!] = m[2]!;
  }
  return map;
}

export const plan: Command = {
  name: 'plan',
  summary: 'Plan a live migration or a save/restore: what to detach, the XML, what to attach, how to roll back.',
  args: ['DOMAIN.xml'],
  options: {
    from: { type: 'string', value: 'DIR', required: true, help: 'snapshot of the host the guest runs on; required' },
    to: {
      type: 'string',
      value: 'DIR',
      required: true,
      help: 'snapshot of the destination host; required (the same DIR for save/restore in place)',
    },
    operation: { type: 'string', value: 'migrate|save-restore', help: 'what to plan', default: 'migrate' },
    'pci-map': {
      type: 'string',
      multiple: true,
      value: 'SRC=DST',
      help: 'host PCI address of an ephemeral device on the destination (repeatable)',
    },
    'dest-uri': {
      type: 'string',
      value: 'URI',
      help: 'libvirt URI of the destination (qemu+ssh://b.example/system); required for migrate',
      default: "the source's (save-restore)",
    },
    'source-uri': { type: 'string', value: 'URI', help: 'libvirt URI of the source', default: DEFAULT_SOURCE_URI },
    'save-file': {
      type: 'string',
      value: 'FILE',
      help: 'save-restore: where virsh save writes the image, on the source host; to another host, on storage both see (required then)',
      default: '/var/lib/libvirt/qemu/save/NAME.hostdev-hybrid.img in place',
    },
    claimed: { type: 'string', multiple: true, value: 'PCI', help: 'a destination VF an earlier plan took (repeatable): chains plans' },
    style: { type: 'string', value: 'bond|teaming', help: 'for dialect input: the style to expand in', default: 'bond' },
    output: PLAN_OUTPUT.output!,
    'out-dir': PLAN_OUTPUT['out-dir']!,
  },
  description:
    'Plans from `virsh dumpxml --migratable` of the running guest (best), the expanded definition or the\ndialect. Destination VFs are chosen before anything moves; MACs, guest addresses and aliases\nnever change. Prints the plan as JSON (schemas/plan.schema.json); --out-dir writes every piece\nand migrate.sh, a bash script for you to read and run. Nothing is ever executed. DOMAIN.xml may be -.',
  example:
    'virsh dumpxml --migratable vm | hostdev-hybrid plan - --from hosts/a --to hosts/b --dest-uri qemu+ssh://b/system --out-dir vm-move',
  run(parsed, io) {
    const [file] = positionals(this, parsed);
    const operation = parsed.values.operation;
    if (operation !== undefined && operation !== 'migrate' && operation !== 'save-restore')
      throw usageError(`--operation must be migrate or save-restore, not '${String(operation)}'`, this.name);
    // A missing or malformed URI is the library's to refuse (URI_INVALID), as for every caller.
    const destUri = parsed.values['dest-uri'];
    const fromDir = requireOption(this, parsed, 'from');
    const toDir = requireOption(this, parsed, 'to');
    const from = readHostSnapshot(fromDir);
    const to = readHostSnapshot(toDir);
    if (operation !== 'save-restore' && realpathSync(fromDir) === realpathSync(toDir)) {
      throw new HybridError(
        'MIGRATION_SAME_HOST',
        `--from and --to are the same host snapshot (${toDir}): libvirt refuses a live migration onto the host the guest runs on; to move its devices there, plan --operation save-restore`,
      );
    }
    const style = styleOption(this.name, parsed.values.style);
    const map = pciMap(this.name, parsed.values['pci-map']);
    const { text, name } = readInput(io, file!);
    const result = planMigration(text, from, to, {
      file: name,
      ...(operation !== undefined ? { operation } : {}),
      ...(map ? { pciMap: map } : {}),
      ...(style ? { style } : {}),
      ...(typeof destUri === 'string' ? { destUri } : {}),
      ...(typeof parsed.values['source-uri'] === 'string' ? { sourceUri: parsed.values['source-uri'] } : {}),
      ...(parsed.values.claimed ? { claimed: parsed.values.claimed as string[] } : {}),
      ...(typeof parsed.values['save-file'] === 'string' ? { saveFile: parsed.values['save-file'] } : {}),
    });
    emitPlan(io, this.name, result, parsed, file!);
    return 0;
  },
};
