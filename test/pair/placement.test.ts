// Where each optional child of a hybrid entry goes (docs/EXPAND.md has the table and the reasons).
import { describe, expect, it } from 'vitest';
import { HYBRID_CHILDREN, placeHybridChild, placeVirtualport } from '../../src/pair/placement.js';
import { HYBRID_CHILD_ORDER } from '../../src/expanded/collapse.js';
import { element, rootElement } from '../../src/xml/tree.js';
import { readPairSpec } from '../../src/pair/pair-spec.js';
import { parseXml } from '../../src/index.js';
import { childElements } from '../../src/xml/edit.js';
import { expectHybridError } from '../helpers.js';

describe('placeHybridChild', () => {
  it.each([
    ['bandwidth', {}, 'backup'], ['boot', {}, 'backup'], ['link', {}, 'backup'], ['coalesce', {}, 'backup'], ['tune', {}, 'backup'], ['target', {}, 'backup'],
    ['rom', {}, 'vf'],
    ['driver', { name: 'vfio' }, 'vf'], ['driver', { name: 'kvm' }, 'vf'], ['driver', { name: 'xen' }, 'vf'],
    ['driver', { name: 'vhost' }, 'backup'], ['driver', { queues: '4' }, 'backup'],
    ['virtualport', { type: '802.1Qbh' }, 'both'], ['virtualport', { type: '802.1Qbg' }, 'backup'],
  ] as const)('<%s %o> goes to %s', (name, attributes, where) => {
    expect(placeHybridChild(element(name, { ...attributes }), 'pair a')).toBe(where);
  });

  it.each([
    ['virtualport', { type: 'openvswitch' }, 'openvswitch'], ['virtualport', {}, "type=''"],
    ['teaming', { type: 'persistent' }, 'style'], ['filterref', { filter: 'clean-traffic' }, 'not supported'],
  ] as const)('refuses <%s %o>, saying what to do', (name, attributes, words) => {
    const e = expectHybridError(() => placeHybridChild(element(name, { ...attributes }), 'pair a'), 'UNSUPPORTED_ELEMENT');
    expect(e.message).toContain(words);
    expect(e.element).toBe('pair a');
  });
});

describe('the hybrid entry\'s one table of children', () => {
  it('gives collapse its order, placement the halves, and the refusal its list of what is supported (<mtu> among them)', () => {
    expect(HYBRID_CHILD_ORDER).toEqual(HYBRID_CHILDREN.map((c) => c.name));
    for (const { name, home } of HYBRID_CHILDREN) {
      if (home === 'vf' || home === 'backup') expect(placeHybridChild(element(name), 'e')).toBe(home);
    }
    const refused = expectHybridError(() => placeHybridChild(element('filterref'), 'e'), 'UNSUPPORTED_ELEMENT');
    expect(refused.message).toContain(`(supported: ${HYBRID_CHILD_ORDER.join(', ')})`);
    expect(refused.message).toContain('mtu');
  });

  it('a virtualport goes by its type, one rule for expansion and for a VF half rebuilt from its backup', () => {
    expect([placeVirtualport('802.1Qbh'), placeVirtualport('802.1Qbg'), placeVirtualport('openvswitch'), placeVirtualport(undefined)]).toEqual(['both', 'backup', undefined, undefined]);
  });
});

describe('readPairSpec: each half its own copy of what both take', () => {
  it('an 802.1Qbh virtualport goes to both halves as two elements, a vfio driver to the VF half alone', () => {
    const el = rootElement(parseXml(
      "<interface type='hostdev-hybrid'><source network='p'/><virtualport type='802.1Qbh'><parameters profileid='x'/></virtualport><driver name='vfio'/><link state='up'/></interface>",
    ));
    const spec = readPairSpec({ kind: 'pair', el, where: 'pair', form: 'hybrid', pool: 'p' });
    expect(spec.toVf.map((c) => c.name)).toEqual(['virtualport', 'driver']);
    expect(spec.toBackup.map((c) => c.name)).toEqual(['virtualport', 'link']);
    expect(spec.toBackup[0]).not.toBe(spec.toVf[0]);
    expect(spec.toBackup[0]).toEqual(spec.toVf[0]);
    expect(spec.toBackup[1]).toBe(childElements(el)[3]);
  });
});
