import { HybridError } from '../errors.js';
import { parseXml } from '../xml/parse.js';
import { serializeXml } from '../xml/serialize.js';
import {
  childElements,
  firstChild,
  firstPath,
  getAttribute,
  insertElement,
  removeAttribute,
  removeElement,
  setAttribute,
} from '../xml/edit.js';
import { leanElement, type XmlElement } from '../xml/tree.js';
import { deviceList, devicesOf, domainRoot } from '../libvirt/domain.js';
import { devicesByAlias, requirePairHalves, readMetadata, writeMetadata, type PairRecord } from '../metadata.js';
import { HYBRID_CHILDREN, placeHybridChild } from '../pair/placement.js';

/**
 * The dialect's order of a hybrid entry's children (pair/placement.ts's table). Collapse writes
 * them in this order; written in it, a domain survives expand and collapse unchanged but for the
 * values expansion chose.
 */
export const HYBRID_CHILD_ORDER: readonly string[] = HYBRID_CHILDREN.map((c) => c.name);

/** Options of collapseDomain. */
export interface CollapseOptions {
  file?: string;
}

/**
 * The inverse of expandDomain: an expanded domain (or its `virsh dumpxml`) back to the dialect,
 * with the values expansion chose (MAC, VF, guest addresses, aliases) written in. Works from the
 * metadata element and the XML alone. A domain without our metadata comes back unchanged.
 *
 * @example
 * collapseDomain(execSync('virsh dumpxml vm', { encoding: 'utf8' })); // the dialect, choices written in
 */
export function collapseDomain(expandedXml: string, options: CollapseOptions = {}): string {
  if (typeof expandedXml !== 'string') throw new TypeError('collapseDomain expects the domain XML as a string');
  const doc = parseXml(expandedXml, { file: options.file });
  const root = domainRoot(doc);
  const meta = readMetadata(root);
  if (!meta) return expandedXml;
  const byAlias = devicesByAlias(deviceList(root));
  const needDevice = (dev: XmlElement | undefined, alias: string, what: string): XmlElement => {
    if (!dev)
      throw new HybridError('METADATA_INVALID', `the metadata names ${what} '${alias}', but the domain has no device with that alias`, {
        element: alias,
      });
    return dev;
  };
  const devices = devicesOf(root)!;
  for (const pair of meta.pairs) {
    const halves = requirePairHalves(byAlias, pair);
    const vf = needDevice(halves.vf, pair.vfAlias, 'the VF half');
    const backup = needDevice(halves.backup, pair.backupAlias, 'the backup half');
    insertElement(doc, devices, hybridEntry(pair, vf, backup), { before: vf });
    removeElement(devices, vf);
    removeElement(devices, backup);
  }
  for (const e of meta.ephemeral) {
    const dev = needDevice(byAlias.get(e.alias), e.alias, 'the ephemeral device');
    if (e.pool === undefined) {
      setAttribute(dev, 'ephemeral', 'yes');
      continue;
    }
    // Back to the pool interface it came from, with the VF written in.
    setAttribute(dev, 'type', 'network');
    removeAttribute(dev, 'managed');
    const source = firstChild(dev, 'source');
    const address = source && firstChild(source, 'address');
    if (!source || !address)
      throw new HybridError('METADATA_INVALID', `ephemeral interface '${e.alias}' has no <source><address>`, { element: e.alias });
    source.attributes = [{ name: 'network', value: e.pool }];
  }
  writeMetadata(doc, root, { style: meta.style, pairs: [], ephemeral: [] });
  return serializeXml(doc);
}

function hybridEntry(pair: PairRecord, vf: XmlElement, backup: XmlElement): XmlElement {
  const where = `pair '${pair.name}'`;
  const mac = firstChild(vf, 'mac');
  const vfSource = firstPath(vf, 'source', 'address');
  if (!mac || !vfSource)
    throw new HybridError('METADATA_INVALID', `${where}: the VF half '${pair.vfAlias}' lacks <mac> or <source><address>`, {
      element: pair.vfAlias,
    });
  const attributes: Record<string, string | undefined> =
    pair.form === 'hybrid' ? { type: 'hostdev-hybrid', managed: getAttribute(vf, 'managed') ?? 'yes' } : { type: 'network' };
  attributes.trustGuestRxFilters = getAttribute(backup, 'trustGuestRxFilters');
  attributes.migration = pair.migration;
  const children: XmlElement[] = [
    leanElement('mac', { address: getAttribute(mac, 'address')! }),
    leanElement('source', { network: pair.pool }, [leanElement('address', { type: 'pci', ...attrs(vfSource) })]),
  ];
  const handled = new Set(['mac', 'source', 'alias', 'address', 'teaming']);
  for (const c of childElements(vf)) {
    if (!handled.has(c.name)) children.push(c);
  }
  let backupModel: XmlElement | undefined;
  for (const c of childElements(backup)) {
    if (handled.has(c.name)) continue;
    if (c.name === 'model') {
      if (getAttribute(c, 'type') !== 'virtio') backupModel = c;
      continue;
    }
    // What went to both halves comes back once, from the VF half.
    if (c.name === 'virtualport' && placeHybridChild(c, where) === 'both') continue;
    children.push(c);
  }
  children.push(leanElement('alias', { name: pair.name }));
  if (pair.mtu !== undefined) children.push(leanElement('mtu', { size: String(pair.mtu) }));
  const vfGuest = firstChild(vf, 'address');
  if (vfGuest) children.push(leanElement('address', attrs(vfGuest)));
  const backupGuest = firstChild(backup, 'address');
  const backupChildren = [...(backupGuest ? [leanElement('address', attrs(backupGuest))] : []), ...(backupModel ? [backupModel] : [])];
  if (backupChildren.length > 0) children.push(leanElement('backup', {}, backupChildren));
  const rank = (e: XmlElement): number => HYBRID_CHILD_ORDER.indexOf(e.name);
  children.sort((a, b) => rank(a) - rank(b));
  return leanElement('interface', attributes, children);
}

function attrs(el: XmlElement): Record<string, string> {
  return Object.fromEntries(el.attributes.map((a) => [a.name, a.value]));
}
