/**
 * Where the package's own files are (schemas/, examples/, fixtures/, package.json). This module
 * sits directly under src/ on purpose: it is dist/package.js in the library and part of the
 * bundled CLI dist/cli.js, both one level below the package root.
 */
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = (): string => resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const packageVersion = (): string => (createRequire(import.meta.url)('../package.json') as { version: string }).version;
