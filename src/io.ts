/**
 * The one module of the library that touches the filesystem: it reads host snapshots and writes
 * a plan's files. Everything else takes and returns strings.
 */
import { compact } from './compact.js';
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planFiles } from './plan/files.js';
import type { Plan } from './plan/types.js';
import { HybridError } from './errors.js';
import { hostFromSources, type SnapshotSource } from './host/from-xml.js';
import { hostFromJson } from './host/json.js';
import type { Host } from './host/model.js';

/**
 * The package's root folder (schemas/, examples/, fixtures/, package.json). This module is
 * dist/io.js in the library and part of the bundled CLI dist/cli.js: one level below it both ways.
 */
export const packageRoot = (): string => resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The version in the package's package.json. */
export const packageVersion = (): string => (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a text file that must be UTF-8 (what libvirt writes); errors name the file. */
export function readUtf8File(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (e as Error).message;
    throw new HybridError('FILE_UNREADABLE', `${path}: cannot read it: ${why}`, { file: path, fileInReason: true });
  }
  return decodeUtf8(bytes, path);
}

/** Bytes that must be UTF-8 (a file or standard input, named `name` in the error). */
export function decodeUtf8(bytes: Uint8Array, name: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new HybridError('XML_ENCODING', `${name} is not valid UTF-8: libvirt writes UTF-8; convert the file (iconv -t UTF-8)`, {
      file: name,
      fileInReason: true,
    });
  }
}

const FOLDERS = ['nodedev', 'network', 'domains'] as const;

function listXml(dir: string, folder: string): SnapshotSource[] {
  const path = join(dir, folder);
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new HybridError('HOST_SNAPSHOT', `cannot list ${path}: ${(e as Error).message}`, { file: path });
  }
  // network/ and domains/ may be libvirt's own folders (/etc/libvirt/qemu/networks,
  // /run/libvirt/qemu), which also hold pid files, sockets and subfolders: only their .xml count.
  const libvirtFolder = folder !== 'nodedev';
  return names
    .filter((n) => !n.startsWith('.'))
    .sort()
    .filter((name) => {
      const file = join(path, name);
      let dir = false;
      try {
        dir = statSync(file).isDirectory();
      } catch {
        /* a dangling link: read it and fail there */
      }
      return !dir && (!libvirtFolder || name.endsWith('.xml'));
    })
    .map((name) => {
      const file = join(path, name);
      if (!name.endsWith('.xml')) {
        throw new HybridError(
          'HOST_SNAPSHOT',
          `${file}: only .xml files belong in ${folder}/ (virsh ${folder === 'nodedev' ? 'nodedev-dumpxml' : folder === 'network' ? 'net-dumpxml' : 'dumpxml'} output); move it elsewhere`,
          { file, fileInReason: true },
        );
      }
      return { xml: readUtf8File(file), file };
    });
}

/**
 * Reads a host snapshot directory (nodedev/, network/, domains/ of virsh output, or a host.json
 * alone). See docs/HOST-SNAPSHOT.md for how to capture one.
 *
 * @example
 * const host = readHostSnapshot('/var/lib/hostdev-hybrid/host');
 */
export function readHostSnapshot(dir: string): Host {
  if (typeof dir !== 'string') throw new TypeError('readHostSnapshot expects a directory path');
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new HybridError('HOST_SNAPSHOT', `host snapshot ${dir} does not exist`, { file: dir });
  }
  if (!isDir) throw new HybridError('HOST_SNAPSHOT', `host snapshot ${dir} is not a directory`, { file: dir });
  const [nodedevs, networks, domains] = FOLDERS.map((f) => listXml(dir, f)) as [SnapshotSource[], SnapshotSource[], SnapshotSource[]];
  const jsonPath = join(dir, 'host.json');
  let hasJson = false;
  try {
    hasJson = statSync(jsonPath).isFile();
  } catch {
    /* absent */
  }
  if (hasJson) {
    if (nodedevs.length + networks.length + domains.length > 0) {
      throw new HybridError('HOST_SNAPSHOT', `${dir} has both host.json and XML files: keep one form of the snapshot`, {
        file: dir,
        fileInReason: true,
      });
    }
    try {
      return hostFromJson(readUtf8File(jsonPath));
    } catch (e) {
      throw e instanceof HybridError ? e.inFile(jsonPath) : e;
    }
  }
  if (nodedevs.length === 0) {
    throw new HybridError(
      'HOST_SNAPSHOT',
      `${dir} has neither nodedev/*.xml nor host.json: capture the host as docs/HOST-SNAPSHOT.md shows`,
      { file: dir, fileInReason: true },
    );
  }
  // Optional files: each one absent leaves its facts unknown (MTUs; VFIO migration's evidence).
  const optional = (name: string): { xml: string; file: string } | undefined => {
    const path = join(dir, name);
    try {
      if (!statSync(path).isFile()) return undefined;
    } catch {
      return undefined;
    }
    return { xml: readUtf8File(path), file: path };
  };
  return hostFromSources(
    compact({
      nodedevs,
      networks,
      domains,
      links: optional('links.json'),
      version: optional('version.txt'),
      modulesAlias: optional('modules.alias'),
      devlink: optional('devlink.json'),
      devlinkInfo: optional('devlink-info.json'),
    }),
  );
}

/** How `atomicWrite` writes: the file's mode (an existing file's is kept), fsync before the rename. */
export interface AtomicWriteOptions {
  mode?: number;
  fsync?: boolean;
}

/**
 * write-file-atomic's sync write (mode and owner kept, symlinks followed, fsync before rename),
 * loaded on first use: most CLI runs print to standard output, and it costs a fifth of a cold start.
 * Typed here, not by its own types, which are not a dependency of this package: the public
 * declarations name no third-party type.
 */
export function atomicWrite(file: string, content: string, options: AtomicWriteOptions = {}): void {
  const lib = createRequire(import.meta.url)('write-file-atomic') as {
    sync(file: string, data: string, options: AtomicWriteOptions): void;
  };
  lib.sync(file, content, options);
}

/** Writes one file atomically (fsync before rename); FILE_UNWRITABLE saying why otherwise. */
export function writeFileAtomically(file: string, content: string, mode?: number): void {
  try {
    atomicWrite(file, content, { fsync: true, ...(mode !== undefined ? { mode } : {}) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'its folder does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'ENOSPC'
            ? 'no space left on the device'
            : code === 'EISDIR'
              ? 'it is a directory'
              : (e as Error).message;
    throw new HybridError('FILE_UNWRITABLE', `cannot write ${file}: ${why}`, { file });
  }
}

/**
 * Makes a folder and its parents, one level at a time: mkdirSync's recursive form never returns
 * for a path under /proc (Node 20); this walk is bounded by the path's depth.
 */
export function ensureDir(dir: string, what = 'the folder', mode = 0o755): void {
  let path = '';
  for (const part of resolve(dir).split('/').filter(Boolean)) {
    path += `/${part}`;
    try {
      mkdirSync(path, { mode });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new HybridError('FILE_UNWRITABLE', `cannot create ${what} ${dir}: ${(e as Error).message}`, { file: dir });
    }
  }
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    /* checked below */
  }
  if (!isDir) throw new HybridError('FILE_UNWRITABLE', `${what} ${dir} is not a folder`, { file: dir });
}

/** Writes `files` (relative path → content) under `dir`, each atomically, folders made; `.sh` files executable. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    ensureDir(join(path, '..'));
    writeFileAtomically(path, content, rel.endsWith('.sh') ? 0o755 : undefined);
  }
}

/**
 * Writes a plan's files into `dir` (what `--out-dir` writes: plan.json, the XML pieces in their
 * subfolders, the script executable), each atomically; returns the paths written, relative to `dir`.
 *
 * @example
 * writePlanFiles('web2-move', planMigration(xml, hostA, hostB, { destUri: 'qemu+ssh://b.example/system' }));
 * // then: bash web2-move/migrate.sh --check
 */
export function writePlanFiles(dir: string, plan: Plan): string[] {
  const files = planFiles(plan);
  writeFiles(dir, files);
  return Object.keys(files);
}
