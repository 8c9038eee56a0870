// Where each optional child of a hybrid entry goes (docs/EXPAND.md has the table and the reasons).
import { describe, expect, it } from 'vitest';
import { placeHybridChild } from '../../src/expand/placement.js';
import { element } from '../../src/xml/tree.js';
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
