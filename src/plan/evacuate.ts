/**
 * Many guests off one host onto several: each placed where its pools have the most free VFs,
 * allocations chained so no two plans take one VF. What fits nowhere is reported, not thrown.
 */
import { HybridError } from '../errors.js';
import { hostIndex, type Host } from '../host/model.js';
import { planMigration, type MigrationOptions } from './migrate.js';
import type { EvacuationPlan } from './types.js';

/** Options of planEvacuation: those of planMigration, and one URI per destination. */
export interface EvacuationOptions extends Omit<MigrationOptions, 'destUri' | 'claimed' | 'file'> {
  /** libvirt URI of each destination, in the order of `to`: one for each (URI_INVALID otherwise). */
  destUris: string[];
}

/** VFs no domain holds, over every pool (a VF two pools list counts twice, as it can serve either). */
function freeVfs(host: Host): number {
  const index = hostIndex(host);
  let free = 0;
  for (const pool of host.pools) for (const vf of pool.vfs) if (!index.takenBy.has(vf)) free++;
  return free;
}

/**
 * Plans the evacuation of `domains` (dialect, expanded or running XML) from `from` onto the
 * hosts `to`, in the order given.
 *
 * @example
 * const { plans, unplaced } = planEvacuation([xmlA, xmlB], hostA, [hostB, hostC],
 *   { destUris: ['qemu+ssh://b.example/system', 'qemu+ssh://c.example/system'] });
 * plans[0].destination; // index into `to`
 */
export function planEvacuation(domains: string[], from: Host, to: Host[], options: EvacuationOptions): EvacuationPlan {
  if (!Array.isArray(domains) || !Array.isArray(to) || to.length === 0)
    throw new TypeError('planEvacuation expects domain XML strings and at least one destination Host');
  const destUris = options?.destUris ?? [];
  if (destUris.length !== to.length) {
    throw new HybridError(
      'URI_INVALID',
      `planEvacuation needs one libvirt URI per destination in destUris: ${to.length} destination(s), ${destUris.length} URI(s)`,
    );
  }
  const claimed = to.map(() => new Set<string>());
  const free = to.map(freeVfs);
  const out: EvacuationPlan = { plans: [], unplaced: [] };
  domains.forEach((xml, n) => {
    // Most free VFs first, so guests spread; the sort is stable, so the order of `to` breaks ties.
    const order = to.map((_, i) => i).sort((a, b) => free[b]! - free[a]!);
    let last: HybridError | undefined;
    // Each destination's refusal, named by its URI: "on the destination" alone says not which.
    const refusals: string[] = [];
    for (const i of order) {
      try {
        const { destUris: _, ...rest } = options;
        const plan = planMigration(xml, from, to[i]!, { ...rest, claimed: claimed[i]!, destUri: destUris[i]! });
        for (const a of plan.allocations) {
          claimed[i]!.add(a.to.vf);
          free[i]!--;
        }
        out.plans.push({ domain: plan.domain, destination: i, plan });
        return;
      } catch (e) {
        if (!(e instanceof HybridError)) throw e;
        // A malformed domain fits nowhere for the same reason: say so once.
        last = e;
        refusals.push(`${destUris[i]}: ${e.message}`);
        if (!['POOL_EXHAUSTED', 'POOL_UNKNOWN', 'EPHEMERAL_UNAVAILABLE', 'EPHEMERAL_CLASS_MISMATCH', 'MTU_TOO_SMALL'].includes(e.code))
          break;
      }
    }
    out.unplaced.push({ domain: domainLabel(xml, n), code: last!.code, reason: refusals.join('; ') });
  });
  return out;
}

function domainLabel(xml: string, n: number): string {
  const m = /<name>([^<]*)<\/name>/.exec(xml);
  return m ? m[1]!.trim() : `#${n + 1}`;
}
