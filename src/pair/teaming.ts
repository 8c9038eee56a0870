/**
 * The teaming style, in one place: what a guest and a pair need for QEMU's virtio-net failover,
 * the `<teaming>` element on each half, and switching an expanded domain between styles.
 */
import { HybridError } from '../errors.js';
import { childAttribute, childElements, removeElement } from '../xml/edit.js';
import { leanElement, type XmlDocument, type XmlElement } from '../xml/tree.js';
import { deviceList, machineKind } from '../libvirt/domain.js';
import { insertInterfaceChild } from '../libvirt/interface.js';
import { devicesByAlias, requirePairHalves, type HybridMetadata, type Style } from '../metadata.js';

/** Why a guest of this machine type cannot team (undefined: it can). */
export function teamingMachineProblem(machine: string): string | undefined {
  return machine === 'q35'
    ? undefined
    : `teaming needs a q35 guest: QEMU's virtio-net failover takes only a PCIe device as primary, and on a ${machine} (i440fx) guest the VF half sits on conventional PCI, so it could never fail over`;
}

/** Why a backup of this model cannot team (undefined: it can). */
export function teamingModelProblem(model: string | undefined): string | undefined {
  return model === 'virtio' ? undefined : `teaming needs a virtio backup (QEMU's virtio-net failover), not model '${model ?? ''}'`;
}

/** Throws TEAMING_UNSUPPORTED when a teamed guest of this machine type cannot fail over. */
export function requireTeamingMachine(machine: string, fix: string, subject?: string): void {
  const problem = teamingMachineProblem(machine);
  if (problem !== undefined)
    throw new HybridError('TEAMING_UNSUPPORTED', `${subject === undefined ? '' : `${subject}: `}${problem}; ${fix}`);
}

/** Throws TEAMING_UNSUPPORTED when a backup of this model cannot team. */
export function requireTeamingModel(model: string | undefined, fix: string, subject: string): void {
  const problem = teamingModelProblem(model);
  if (problem !== undefined) throw new HybridError('TEAMING_UNSUPPORTED', `${subject}: ${problem}; ${fix}`, { element: subject });
}

/** A half's `<teaming>`: the backup is the persistent device, the VF half the transient one. */
export function teamingElement(half: 'vf' | 'backup', backupAlias: string): XmlElement {
  return half === 'vf'
    ? leanElement('teaming', { type: 'transient', persistent: backupAlias })
    : leanElement('teaming', { type: 'persistent' });
}

/** Whether a pair's halves carry the `<teaming>` elements teamingElement gives. */
export function isTeamed(vf: XmlElement, backup: XmlElement, backupAlias: string): boolean {
  return (
    childAttribute(vf, 'teaming', 'type') === 'transient' &&
    childAttribute(vf, 'teaming', 'persistent') === backupAlias &&
    childAttribute(backup, 'teaming', 'type') === 'persistent'
  );
}

/**
 * Switches an expanded domain's pairs between styles in place: `<teaming>` elements added (bond →
 * teaming, with the same checks as expansion) or removed. VFs, MACs, addresses and aliases stay.
 */
export function convertStyle(doc: XmlDocument, root: XmlElement, meta: HybridMetadata, style: Style): void {
  const byAlias = devicesByAlias(deviceList(root));
  if (style === 'teaming') requireTeamingMachine(machineKind(root), 'keep style bond');
  for (const pair of meta.pairs) {
    const { vf, backup } = requirePairHalves(byAlias, pair);
    if (style === 'teaming' && backup)
      requireTeamingModel(childAttribute(backup, 'model', 'type'), 'keep style bond', `pair '${pair.name}'`);
    for (const [half, el] of [
      ['vf', vf],
      ['backup', backup],
    ] as const) {
      if (!el) continue;
      for (const old of childElements(el, 'teaming')) removeElement(el, old);
      if (style === 'teaming') insertInterfaceChild(doc, el, teamingElement(half, pair.backupAlias));
    }
  }
}
