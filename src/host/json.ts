import { HybridError } from '../errors.js';
import { validateJson } from '../schemas.js';
import { checkHost } from './check.js';
import type { Host } from './model.js';

/**
 * Reads host.json text (or an already-parsed value), validated by schemas/host.schema.json.
 *
 * @example
 * const host = hostFromJson(readFileSync('host.json', 'utf8'));
 */
export function hostFromJson(json: string | unknown): Host {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new HybridError('HOST_JSON_INVALID', `host.json is not valid JSON: ${(e as Error).message}`);
    }
  }
  return checkHost(validateJson<Host>('host', value, 'HOST_JSON_INVALID', 'host.json'));
}
