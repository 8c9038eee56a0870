import { HybridError } from '../../errors.js';
import { readUtf8File } from '../../io.js';
import { retargetDomain } from '../../plan/retarget.js';
import type { MigrationPlan } from '../../plan/types.js';
import { OUTPUT, positionals, requireOption, type Command } from '../command.js';
import { emit, readInput } from '../output.js';

export const retarget: Command = {
  name: 'retarget',
  summary: "Apply a plan's choices to the running guest's migratable XML (what migrate.sh runs).",
  args: ['DOMAIN.xml'],
  options: {
    plan: { type: 'string', value: 'plan.json', required: true, help: 'the plan (from plan -o or --out-dir); required' },
    ...OUTPUT,
  },
  description:
    'libvirt checks the XML of `virsh migrate --xml` against the running guest as it is now. A plan\nmade ahead of time keeps its VFs; this prints its migrateXml rebuilt from `virsh dumpxml\n--migratable` output. DOMAIN.xml may be -.',
  example: 'virsh dumpxml --migratable vm | hostdev-hybrid retarget - --plan vm-move/plan.json -o vm-move/migrate.xml',
  run(parsed, io) {
    const [file] = positionals(this, parsed);
    const planFile = requireOption(this, parsed, 'plan');
    let plan: MigrationPlan;
    try {
      plan = JSON.parse(readUtf8File(planFile)) as MigrationPlan;
    } catch (e) {
      if (e instanceof HybridError) throw e;
      throw new HybridError('PLAN_INVALID', `${planFile} is not valid JSON: ${(e as Error).message}`, {
        file: planFile,
        fileInReason: true,
      });
    }
    const { text, name } = readInput(io, file!);
    emit(io, retargetDomain(text, plan, { file: name }), parsed.values.output as string | undefined, file);
    return 0;
  },
};
