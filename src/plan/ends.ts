/**
 * A pair's VF in a plan's words and in the metadata's, converted here only. The two name the PF
 * differently: a plan's `PlanEnd.pf` is the PF's netdev (`pfAddress` its PCI address), while a
 * `PairRecord` and a `VfTopology` keep the PCI address in `pf` and the netdev in `pfDev` /
 * `pfNetdev`. Public JSON keeps both spellings; code converts with these functions.
 */
import type { PairRecord } from '../metadata.js';
import type { VfTopology } from '../host/model.js';
import { compact } from '../compact.js';
import type { PlanEnd } from './types.js';

/** Where a VF chosen on a host is, with the backup device the pair gets there. */
export function endOfVf(topo: VfTopology, backupDev?: string): PlanEnd {
  return compact({ vf: topo.vf, pf: topo.pfNetdev, pfAddress: topo.pf, vfIndex: topo.index, backupDev, numaNode: topo.numaNode });
}

/** Where a pair's VF is by its record (an expansion's pair also knows its NUMA node). */
export function endOfRecord(record: PairRecord & { numaNode?: number }): PlanEnd {
  return compact({
    vf: record.vf,
    pf: record.pfDev,
    pfAddress: record.pf,
    vfIndex: record.vfIndex,
    backupDev: record.backupDev,
    numaNode: record.numaNode,
  });
}

/** The pair's record once it is on the VF of `end`. */
export function recordAtEnd(record: PairRecord, end: PlanEnd): PairRecord {
  return { ...record, vf: end.vf, pf: end.pfAddress!, pfDev: end.pf!, vfIndex: end.vfIndex!, backupDev: end.backupDev ?? record.backupDev };
}
