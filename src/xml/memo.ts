/**
 * The XML layer's memos, in one place. Printing and building a thousand-pair expansion makes the
 * same small values over and over (` type='pci'`, `<address`, an attribute `slot='0x00'`); each
 * memo builds such a value once and hands out the kept one.
 *
 * The invariant that makes this safe: a kept value is exactly what building it again would give,
 * and nobody edits it (kept attributes are frozen; strings cannot be edited). Whether a value came
 * from a memo or was built fresh is therefore invisible to every caller: only time and memory
 * differ (bench/run.js, "Expansion" and "XML layer"). Only short values are kept (long ones, MACs
 * and aliases, seldom repeat), and a memo stops growing at LIMIT entries, so a process that
 * handles many documents holds a bounded set; what is not kept is simply built each time.
 *
 * The memos themselves are here too (shared attributes, printed attributes and tags), so the
 * tree and the printer only ask.
 *
 * Mutation testing leaves this file out (stryker.config.mjs): a mutant that stops a memo from
 * keeping or finding a value changes no output, so no test can tell it apart.
 */

import { escapeAttribute } from './escape.js';
import type { XmlAttribute } from './tree.js';

/** Values longer than this are not kept. */
const SHORT = 8;
const LIMIT = 4096;

/** Values keyed by a name (attribute or element) and a short value. */
export class Memo<V> {
  readonly #byName = new Map<string, Map<string, V>>();
  #size = 0;

  /** Whether a value of this length is kept at all. */
  static keeps(value: string): boolean {
    return value.length <= SHORT;
  }

  /** The kept value for (name, key), if any. */
  find(name: string, key: string): V | undefined {
    return this.#byName.get(name)?.get(key);
  }

  /** Keeps `value` for (name, key) while there is room, and returns it. */
  keep(name: string, key: string, value: V): V {
    if (this.#size < LIMIT) {
      let byKey = this.#byName.get(name);
      if (byKey === undefined) this.#byName.set(name, (byKey = new Map()));
      byKey.set(key, value);
      this.#size++;
    }
    return value;
  }
}

const sharedAttributes = new Memo<XmlAttribute>();
const printedAttributes = new Memo<string>();
const printedTags = new Memo<{ open: string; close: string; attribute: string }>();

/** An attribute of a built element: a short one shared (and frozen), a long one its own. */
export function sharedAttribute(name: string, value: string): XmlAttribute {
  if (!Memo.keeps(value)) return { name, value };
  return sharedAttributes.find(name, value) ?? sharedAttributes.keep(name, value, Object.freeze({ name, value }));
}

/** ` name='value'` of a short value; undefined for a long one (printed in pieces). */
export function printedAttribute(name: string, value: string): string | undefined {
  if (!Memo.keeps(value)) return undefined;
  return printedAttributes.find(name, value) ?? printedAttributes.keep(name, value, `${tagsOf(name).attribute}${escapeAttribute(value)}'`);
}

/** The strings a name prints as: `<name`, `</name>`, and ` name='` before an attribute value. */
export function tagsOf(name: string): { open: string; close: string; attribute: string } {
  return printedTags.find(name, '') ?? printedTags.keep(name, '', { open: '<' + name, close: `</${name}>`, attribute: ` ${name}='` });
}
