/** libvirt connection URIs, as the plans' scripts pass them to `virsh -c`. */
import { HybridError } from '../errors.js';

/** `driver[+transport]://[user@][host][:port]/path[?query]` — libvirt's URI form. */
const LIBVIRT_URI = /^[a-z][a-z0-9.-]*(\+[a-z0-9]+)?:\/\/[^\s/'"]*\/[^\s'"]+$/;

/** Whether `uri` has libvirt's URI form. */
export function isLibvirtUri(uri: string): boolean {
  return LIBVIRT_URI.test(uri);
}

/**
 * The URI itself when it is a libvirt URI; URI_INVALID naming `what` and an example otherwise.
 *
 * @example
 * libvirtUri('qemu+ssh://b.example/system', 'the destination URI'); // 'qemu+ssh://b.example/system'
 * libvirtUri('hostb', 'the destination URI'); // throws URI_INVALID
 */
export function libvirtUri(uri: string, what: string): string {
  if (!isLibvirtUri(uri)) {
    throw new HybridError(
      'URI_INVALID',
      `${what} '${uri}' is not a libvirt URI: write it in full, e.g. qemu+ssh://host.example/system or qemu:///system`,
    );
  }
  return uri;
}

/** A URI that names no host: the machine the script runs on (what a local check like `df` sees). */
export function isLocalUri(uri: string): boolean {
  return uri.includes(':///');
}
