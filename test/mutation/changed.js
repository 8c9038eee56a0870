#!/usr/bin/env node
// `npm run mutate:changed`: mutation testing of the library files the last commit changed (CI runs
// it), then test/mutation/score.js on them. A commit that touches many files is mutated on its
// changed lines only, so the pass stays within CI's time. Nothing to mutate is a pass.
//   node test/mutation/changed.js [base]     (base: the commit to compare with, HEAD~1 by default)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const base = process.argv[2] ?? 'HEAD~1';
const MAX_WHOLE_FILES = 6;
// As stryker.config.mjs: not the CLI, not the files that only re-export, not ajv's generated code.
const mutable = (f) => /^src\/.*\.ts$/.test(f) && !f.startsWith('src/cli/') && !/(^|\/)(index|core)\.ts$/.test(f) && !['src/schema-validators.ts', 'src/xml/memo.ts'].includes(f) && existsSync(f);

const git = (...args) => execFileSync('git', args, { encoding: 'utf8' });
let files;
try {
  files = git('diff', '--name-only', '--diff-filter=AMR', base, 'HEAD', '--', 'src').split('\n').filter(mutable);
} catch {
  console.log(`mutate:changed: no commit ${base} to compare with (a shallow clone?); nothing mutated`);
  process.exit(0);
}
if (files.length === 0) {
  console.log(`mutate:changed: the last commit changed no library source under src/ (the CLI and index files aside); nothing to mutate`);
  process.exit(0);
}

let targets = files;
if (files.length > MAX_WHOLE_FILES) {
  // Changed line ranges, from the zero-context diff's hunk headers (+start,count).
  targets = files.flatMap((f) => [...git('diff', '-U0', base, 'HEAD', '--', f).matchAll(/^@@ [^+]*\+(\d+)(?:,(\d+))? @@/gm)]
    .map(([, start, count = '1']) => [Number(start), Number(count)]).filter(([, n]) => n > 0)
    .map(([s, n]) => `${f}:${s}-${s + n - 1}`));
}
console.log(`mutate:changed: ${files.length} file(s) changed since ${base}${targets === files ? '' : ' (changed lines only)'}:\n  ${files.join('\n  ')}`);
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;
if (run('npx', ['stryker', 'run', '--mutate', targets.join(','), '--reporters', 'json,progress-append-only']) !== 0) process.exit(1);
process.exit(run(process.execPath, ['test/mutation/score.js', '--files', files.join(',')]));
