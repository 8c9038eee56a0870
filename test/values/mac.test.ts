// MAC values: what libvirt accepts, normalised; what it refuses, with a message that says what to
// fix and the element it is about; and generated MACs that are stable and skip taken ones.
import { describe, expect, it } from 'vitest';
import { parseMac, stableMac } from '../../src/libvirt/mac.js';
import { expectHybridError } from '../helpers.js';

describe('parseMac', () => {
  it('takes colons or dashes, any case, and gives libvirt\'s lower-case colon form', () => {
    expect(parseMac('52:54:00:6D:90:02', 'x')).toBe('52:54:00:6d:90:02');
    expect(parseMac('52-54-00-6d-90-02', 'x')).toBe('52:54:00:6d:90:02');
  });

  it.each([
    ['leading junk', ' 52:54:00:6d:90:02'],
    ['trailing junk', '52:54:00:6d:90:02x'],
    ['mixed separators', '52:54-00:6d:90:02'],
    ['five bytes', '52:54:00:6d:90'],
  ])('refuses %s, naming the value and an example, at the element', (_what, raw) => {
    const e = expectHybridError(() => parseMac(raw, 'iface #3'), 'INVALID_MAC');
    expect(e.message).toBe(`iface #3: '${raw}' is not a MAC address like 52:54:00:6d:90:02`);
    expect(e.element).toBe('iface #3');
  });

  it('refuses a multicast MAC (odd first byte), saying why', () => {
    const e = expectHybridError(() => parseMac('01:00:5e:00:00:01', 'iface #1'), 'INVALID_MAC');
    expect(e.message).toContain('multicast');
    expect(e.message).toContain('01:00:5e:00:00:01');
    expect(e.element).toBe('iface #1');
  });

  it('refuses the all-zero MAC', () => {
    const e = expectHybridError(() => parseMac('00:00:00:00:00:00', 'iface #2'), 'INVALID_MAC');
    expect(e.message).toBe('iface #2: 00:00:00:00:00:00 is not a usable MAC');
    expect(e.element).toBe('iface #2');
  });
});

describe('stableMac', () => {
  const none = { has: () => false };
  it('is the same for the same seed, in the 52:54:00 range libvirt uses', () => {
    expect(stableMac('a1f0c2de/ua-x', none)).toBe('52:54:00:e0:a8:3a');
    expect(stableMac('a1f0c2de/ua-x', none)).toBe(stableMac('a1f0c2de/ua-x', none));
    expect(stableMac('a1f0c2de/ua-y', none)).not.toBe(stableMac('a1f0c2de/ua-x', none));
  });

  it('skips taken MACs by the next attempts, in order', () => {
    expect(stableMac('a1f0c2de/ua-x', { has: (m) => m === '52:54:00:e0:a8:3a' })).toBe('52:54:00:3c:b2:99');
    expect(stableMac('a1f0c2de/ua-x', { has: (m) => m === '52:54:00:e0:a8:3a' || m === '52:54:00:3c:b2:99' })).toBe('52:54:00:ce:0d:56');
  });
});
