import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { HybridError, type ErrorCode } from '../src/errors.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES = join(ROOT, 'fixtures');

export function fixture(...parts: string[]): string {
  return readFileSync(join(FIXTURES, ...parts), 'utf8');
}

export function fixtureNames(...parts: string[]): string[] {
  return readdirSync(join(FIXTURES, ...parts)).sort();
}

/** Runs `fn`, expects a HybridError with `code`, and returns it for further checks. */
export function expectHybridError(fn: () => unknown, code: ErrorCode): HybridError {
  try {
    fn();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(HybridError);
    expect((e as HybridError).code, (e as Error).message).toBe(code);
    return e as HybridError;
  }
  throw new Error(`expected HybridError ${code}, but nothing was thrown`);
}

/** A destination URI for plans of a live migration (planMigration requires one). */
export const DEST_URI = 'qemu+ssh://dest.example/system';

/** One destination URI per host, for planEvacuation. */
export const DESTS = (to: readonly unknown[]): string[] => to.map((_, i) => `qemu+ssh://dest${i}.example/system`);
