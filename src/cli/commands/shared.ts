/** Pieces several commands share: warnings on stderr, a plan's output. */
import type { Diagnostic } from '../../diagnostics.js';
import { planFiles } from '../../plan/files.js';
import { DEFAULT_SOURCE_URI } from '../../plan/pieces.js';
import type { Plan } from '../../plan/types.js';
import type { OptionSpec, Parsed } from '../command.js';
import { usageError } from '../command.js';
import { emit, writeOutDir, type Io } from '../output.js';

export function printWarnings(io: Io, warnings: Diagnostic[]): void {
  for (const w of warnings) io.stderr(`hostdev-hybrid: warning[${w.code}]: ${w.message}\n`);
}

export const PLAN_OUTPUT: Record<string, OptionSpec> = {
  output: {
    type: 'string',
    short: 'o',
    value: 'FILE',
    help: 'write the plan JSON to FILE (atomically; - is standard output)',
    default: 'standard output',
  },
  'out-dir': { type: 'string', value: 'DIR', help: 'write plan.json, every XML piece and the script into DIR' },
  uri: { type: 'string', value: 'URI', help: "libvirt URI of the guest's host in the commands", default: DEFAULT_SOURCE_URI },
};

/** A plan goes to stdout or -o as JSON, or to --out-dir as files; warnings go to stderr. */
export function emitPlan(io: Io, command: string, plan: Plan, parsed: Parsed, input: string): void {
  const outDir = parsed.values['out-dir'] as string | undefined;
  const output = parsed.values.output as string | undefined;
  if (outDir !== undefined && output !== undefined) throw usageError(`${command}: give -o or --out-dir, not both`, command);
  if (outDir !== undefined) writeOutDir(outDir, planFiles(plan));
  else emit(io, JSON.stringify(plan, null, 2) + '\n', output, input);
  printWarnings(io, plan.warnings);
}
