/**
 * The aliases and MACs of one domain while it is expanded: those its other devices hold, and
 * those expansion gives out, so no two devices share one.
 */
import { HybridError } from '../errors.js';
import { firstChild, getAttribute } from '../xml/edit.js';
import type { XmlElement } from '../xml/tree.js';
import { aliasOf } from '../libvirt/domain.js';
import { stableMac } from '../libvirt/mac.js';

export class DomainNames {
  /** Alias → who holds it, for messages. */
  readonly #aliases = new Map<string, string>();
  /** MAC (lower case) → who holds it. */
  readonly #macs = new Map<string, string>();
  /** Per alias base, the lowest number that may be free: aliases are only ever added. */
  readonly #nextFree = new Map<string, number>();
  readonly #hostMacs: ReadonlySet<string>;
  readonly #macTaken: { has(mac: string): boolean };

  /** `devices`: the domain's devices that keep their names (not the entries being expanded). */
  constructor(devices: Iterable<XmlElement>, hostMacs: ReadonlySet<string>) {
    this.#hostMacs = hostMacs;
    this.#macTaken = { has: (m) => this.#macs.has(m) || hostMacs.has(m) };
    for (const dev of devices) {
      const alias = aliasOf(dev);
      if (alias !== undefined) {
        if (this.#aliases.has(alias))
          throw new HybridError('DUPLICATE_ALIAS', `alias '${alias}' is used by two devices`, { element: alias });
        this.#aliases.set(alias, `<${dev.name}>`);
      }
      const macEl = firstChild(dev, 'mac'); // only interfaces have one
      const mac = macEl && getAttribute(macEl, 'address');
      if (mac !== undefined) this.#macs.set(mac.toLowerCase(), `<interface> '${alias ?? mac}'`);
    }
  }

  /** Takes `alias` for `who`, or DUPLICATE_ALIAS. */
  takeAlias(alias: string, who: string): void {
    if (this.#aliases.has(alias))
      throw new HybridError('DUPLICATE_ALIAS', `${who}: alias '${alias}' is already used by ${this.#aliases.get(alias)}`, { element: who });
    this.#aliases.set(alias, who);
  }

  /** The first of base0, base1, … free as it is and with -vf and -backup after it. */
  freeAlias(base: string): string {
    let n = this.#nextFree.get(base) ?? 0;
    let alias = base + n;
    while (this.#aliases.has(alias) || this.#aliases.has(`${alias}-vf`) || this.#aliases.has(`${alias}-backup`)) alias = base + ++n;
    this.#nextFree.set(base, n);
    return alias;
  }

  /** Who in the domain holds `mac` (lower case), if anyone. */
  macHolder(mac: string): string | undefined {
    return this.#macs.get(mac);
  }

  /** Whether another domain on the host uses `mac`. */
  macOnHost(mac: string): boolean {
    return this.#hostMacs.has(mac);
  }

  /** Records `mac` as `who`'s. */
  takeMac(mac: string, who: string): void {
    this.#macs.set(mac, who);
  }

  /** A MAC derived from `seed` that neither the domain nor the host uses, taken for `who`. */
  newMac(seed: string, who: string): string {
    const mac = stableMac(seed, this.#macTaken);
    this.#macs.set(mac, who);
    return mac;
  }
}
