import { HybridError } from '../errors.js';
import { childElements, getAttribute } from '../xml/edit.js';
import type { XmlElement } from '../xml/tree.js';

/**
 * The one VLAN tag of a hybrid entry. A trunk or several tags are refused: the backup half
 * follows the VLAN through a sub-interface of the PF, and macvtap on one sub-interface carries
 * one VLAN.
 */
export function readVlan(vlan: XmlElement, where: string): number {
  const tags = childElements(vlan, 'tag');
  if (getAttribute(vlan, 'trunk') === 'yes' || tags.length !== 1) {
    throw new HybridError(
      'INVALID_VLAN',
      `${where}: a hybrid NIC takes exactly one <tag id='…'/> and no trunk: its macvtap backup can follow one VLAN only`,
      { element: where },
    );
  }
  const raw = getAttribute(tags[0]!, 'id') ?? '';
  if (!/^(0|[1-9][0-9]{0,3})$/.test(raw) || Number(raw) > 4095) {
    throw new HybridError('INVALID_VLAN', `${where}: VLAN tag id='${raw}' is not an integer from 0 to 4095`, { element: where });
  }
  if (getAttribute(tags[0]!, 'nativeMode') !== undefined) {
    throw new HybridError('INVALID_VLAN', `${where}: nativeMode applies to trunks; a hybrid NIC carries one VLAN`, { element: where });
  }
  return Number(raw);
}

/** The backup's source device for a VLAN: the template with `{pf}` and `{vlan}` filled in. */
export function vlanDeviceName(template: string, pf: string, vlan: number, where: string): string {
  if (!template.includes('{pf}') || !template.includes('{vlan}')) {
    throw new HybridError('INVALID_ATTRIBUTE', `the VLAN device template '${template}' must contain {pf} and {vlan}`);
  }
  const name = template.replaceAll('{pf}', pf).replaceAll('{vlan}', String(vlan));
  // IFNAMSIZ - 1: the kernel refuses longer interface names.
  if (name.length > 15 || /[\s/]/.test(name)) {
    throw new HybridError(
      'INVALID_ATTRIBUTE',
      `${where}: the backup device name '${name}' is not a valid Linux interface name (at most 15 characters, no spaces or '/'); choose a shorter VLAN device template`,
      { element: where },
    );
  }
  return name;
}
