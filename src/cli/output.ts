/**
 * Where the CLI reads and writes: an input path or `-` for standard input; standard output, an
 * `-o FILE` written atomically (mode and owner kept, through a symlink to its target, fsync
 * before rename), or an `--out-dir` of files.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { HybridError } from '../errors.js';
import { decodeUtf8, readUtf8File, writeFileAtomically } from '../io.js';

export { atomicWrite, writeFiles as writeOutDir } from '../io.js';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Standard input, read whole; the CLI reads it only for `-`. */
  stdin?: () => Uint8Array;
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
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

/** Output to stdout (no `-o`, or `-o -`) or atomically to a file that is not the input. */
export function emit(io: Io, content: string, output: string | undefined, input: string | undefined): void {
  if (output === undefined || output === '-') return io.stdout(content);
  if (input !== undefined && input !== '-' && samePath(output, input)) {
    throw new HybridError('USAGE', `-o ${output} is the input file; inputs are never modified`);
  }
  writeFileAtomically(output, content);
}
