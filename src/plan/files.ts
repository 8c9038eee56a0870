/** A plan as the files of an `--out-dir`: pure, so the CLI writes and the golden tests compare the same. */
import { renderScript, scriptName } from './journal.js';

export { scriptName };
import type { Plan } from './types.js';

/**
 * Relative path → content: `plan.json`, every XML piece where the commands expect it
 * (`detach/ALIAS.xml`, `attach/ALIAS.xml`, `migrate.xml`, `persistent.xml`, `metadata.xml`) and
 * the script.
 *
 * @example
 * planFiles(plan)['migrate.sh']; // the script; writePlanFiles(dir, plan) writes them all (subfolders, the script executable)
 */
export function planFiles(plan: Plan): Record<string, string> {
  const nl = (s: string): string => (s.endsWith('\n') ? s : s + '\n');
  const files: Record<string, string> = { 'plan.json': JSON.stringify(plan, null, 2) + '\n' };
  if (plan.migrateXml !== undefined) files['migrate.xml'] = nl(plan.migrateXml);
  if (plan.persistentXml !== undefined) files['persistent.xml'] = nl(plan.persistentXml);
  if (plan.metadataXml !== undefined) files['metadata.xml'] = nl(plan.metadataXml);
  for (const d of [...plan.detach, ...plan.attach]) files[d.file] = nl(d.xml);
  files[scriptName(plan)] = renderScript(plan);
  return files;
}
