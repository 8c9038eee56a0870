// The public API: the core (core.ts, which also runs in a browser) and the functions that read
// and write files. This file only re-exports; test/docs.test.ts pins the list.
export * from './core.js';
export { readHostSnapshot, writePlanFiles } from './io.js';
