// Stryker ignorer for code that only saves time or memory: the functions, methods and fields
// below. Each holds a cache, a cursor, a fast path or a size and nothing else — what it saves is
// decided elsewhere, where every mutant runs and the tests reach it (serialize.ts's isUnchanged,
// allocate.ts's groupPool) — so a mutant in it changes how fast or how big, never what comes out.
// This table is the one list of what mutation testing leaves out for that reason
// (docs/TESTING.md, "Time-only code"); an entry joins it only when it holds nothing else.
import { PluginKind, declareClassPlugin } from '@stryker-mutator/api/plugin';

/** `function` or `Class.member` → what it saves. */
export const TIME_ONLY = {
  // src/host/allocate.ts
  poolGroups: 'caches groupPool per host and pool (pools run to thousands of VFs)',
  skipUsedFront: "moves a PF group's cursor past members in use, so a run does not rescan them",
  'AllocationRun.#state': "keeps a pool's state per domain for the run (a new one counts the run's claims again)",
  // src/xml/serialize.ts
  'Printer.isPristine': "caches isUnchanged's verdict per print (the judging, Printer.judge, is mutated)",
  'Printer.printOf': 'numbers a print in each document it meets, with a one-entry shortcut',
  'Printer.copiedWhole': 'copies an unchanged element from the source whole; tag by tag prints the same bytes',
  'Printer.flushFullChunk': 'joins every CHUNK pieces into one string (memory only)',
  'Printer.pieces': "the chunk's reused piece list: only the slots written since the last chunk are read",
  // src/xml/origin.ts
  'Origins.verdict': "reads the serializer's cached verdict",
  'Origins.setVerdict': "stores the serializer's cached verdict",
  'Origins.recycleVerdicts': 'clears the verdicts after MAX_PRINT prints (a new number per print keeps them apart)',
  withRoom: 'grows a typed array: any room past what is used reads the same',
  // src/xml/escape.ts
  replaceMatches: 'skips replace() where nothing matches (replace() alone gives the same)',
  // src/xml/parse.ts
  exactSize: 'copies a grown list to its exact size (memory only)',
  'Scanner.attributes': "the start tag's scratch list: an element copies only the slots just written",
};

/** The name of a function, method or class field, a member as `Class.member`. */
function memberName(path) {
  const n = path.node;
  if (path.isFunctionDeclaration()) return n.id?.name;
  if (!(path.isClassMethod() || path.isClassPrivateMethod() || path.isClassProperty())) return undefined;
  const key = n.key.type === 'PrivateName' ? `#${n.key.id.name}` : n.key.type === 'Identifier' ? n.key.name : undefined;
  const owner = path.parentPath?.parentPath?.node;
  return key && owner?.id ? `${owner.id.name}.${key}` : undefined;
}

export class TimeOnlyIgnorer {
  shouldIgnore(path) {
    const name = memberName(path);
    return name !== undefined && Object.hasOwn(TIME_ONLY, name) ? `time only: ${TIME_ONLY[name]} (test/mutation/time-only-ignorer.js)` : undefined;
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Ignore, 'time-only', TimeOnlyIgnorer)];
