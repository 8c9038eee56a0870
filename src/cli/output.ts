/**
 * Where the CLI reads and writes: an input path or `-` for standard input; standard output, an
 * `-o FILE` written atomically (mode and owner kept, through a symlink to its target, fsync
 * before rename), or an `--out-dir` of files.
 */
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type * as WriteFileAtomic from 'write-file-atomic';
import { HybridError } from '../errors.js';
import { decodeUtf8, readUtf8File } from '../io.js';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Standard input, read whole; the CLI reads it only for `-`. */
  stdin?: () => Uint8Array;
}

/**
 * write-file-atomic's sync write (mode and owner kept, symlinks followed, fsync before rename),
 * loaded on first use: most runs print to standard output, and it costs a fifth of a cold start.
 */
export function atomicWrite(file: string, content: string, options: WriteFileAtomic.Options = {}): void {
  const lib = createRequire(import.meta.url)('write-file-atomic') as typeof WriteFileAtomic;
  lib.sync(file, content, options);
}

/** The input as text, and the name errors give it. */
export function readInput(io: Io, path: string): { text: string; name: string } {
  if (path !== '-') return { text: readUtf8File(path), name: path };
  let bytes: Uint8Array;
  try {
    bytes = io.stdin ? io.stdin() : readFileSync(0);
  } catch (e) {
    throw new HybridError('FILE_UNREADABLE', `cannot read standard input: ${(e as Error).message}`);
  }
  return { text: decodeUtf8(bytes, '<stdin>'), name: '<stdin>' };
}

function samePath(a: string, b: string): boolean {
  const real = (p: string): string => { try { return realpathSync(p); } catch { return resolve(p); } };
  return real(a) === real(b);
}

function writeFile(file: string, content: string, mode?: number): void {
  try {
    atomicWrite(file, content, { fsync: true, ...(mode !== undefined ? { mode } : {}) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'ENOSPC' ? 'no space left on the device' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new HybridError('FILE_UNWRITABLE', `cannot write ${file}: ${why}`, { file });
  }
}

/** Output to stdout (no `-o`, or `-o -`) or atomically to a file that is not the input. */
export function emit(io: Io, content: string, output: string | undefined, input: string | undefined): void {
  if (output === undefined || output === '-') return io.stdout(content);
  if (input !== undefined && input !== '-' && samePath(output, input)) {
    throw new HybridError('USAGE', `-o ${output} is the input file; inputs are never modified`);
  }
  writeFile(output, content);
}

/** Writes `files` (relative path → content) under `dir`, each atomically; `.sh` files executable. */
export function writeOutDir(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    try {
      mkdirSync(join(path, '..'), { recursive: true });
    } catch (e) {
      throw new HybridError('FILE_UNWRITABLE', `cannot create ${join(dir, rel, '..')}: ${(e as Error).message}`, { file: dir });
    }
    writeFile(path, content, rel.endsWith('.sh') ? 0o755 : undefined);
  }
}
