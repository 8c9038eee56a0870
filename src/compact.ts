/**
 * `o` without its undefined properties, keys in the same order. Optional fields of what the
 * library returns are absent, never present with the value undefined: JSON drops the difference,
 * but ajv, `in` and `Object.keys` do not.
 *
 * @example
 * compact({ vf: '0000:04:10.2', numaNode: undefined }); // { vf: '0000:04:10.2' }
 */
export function compact<T extends object>(o: T): T {
  const out = {} as T;
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
