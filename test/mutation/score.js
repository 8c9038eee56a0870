#!/usr/bin/env node
// Reads StrykerJS's JSON report and prints the two scores issue #13 sets, per file and in all:
//   - without message-only mutants (ignored by test/mutation/message-ignorer.js): the score;
//   - with them, counted as survivors: a lower bound, since they are never run.
// Lists every surviving mutant. Exits 1 when a score is under its threshold.
//   node test/mutation/score.js [report.json] [--files a.ts,b.ts] [--min 90] [--min-with-messages 80] [--quiet]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { files: { type: 'string' }, min: { type: 'string', default: '90' }, 'min-with-messages': { type: 'string', default: '80' }, quiet: { type: 'boolean', default: false } },
});
const report = JSON.parse(readFileSync(positionals[0] ?? 'reports/mutation/mutation.json', 'utf8'));
const MESSAGE = 'message text only';

const total = { detected: 0, undetected: 0, messages: 0, equivalent: 0 };
const rows = [];
const survivors = [];
const only = values.files === undefined ? undefined : new Set(values.files.split(','));
for (const [file, { source, mutants }] of Object.entries(report.files)) {
  if (only && !only.has(file)) continue;
  const t = { detected: 0, undetected: 0, messages: 0, equivalent: 0 };
  const lines = source.split('\n');
  for (const m of mutants) {
    if (m.status === 'Killed' || m.status === 'Timeout') t.detected++;
    else if (m.status === 'Survived' || m.status === 'NoCoverage') {
      t.undetected++;
      const { line, column } = m.location.start;
      survivors.push(`${file}:${line}:${column} ${m.status} ${m.mutatorName} ${JSON.stringify(m.replacement ?? '')}  | ${lines[line - 1].trim().slice(0, 110)}`);
    } else if (m.status === 'Ignored') {
      if ((m.statusReason ?? '').startsWith(MESSAGE)) t.messages++;
      else t.equivalent++;
    }
  }
  for (const k of Object.keys(total)) total[k] += t[k];
  rows.push([file, t]);
}
const score = (t) => (t.detected + t.undetected === 0 ? 100 : (100 * t.detected) / (t.detected + t.undetected));
const withMessages = (t) => (t.detected + t.undetected + t.messages === 0 ? 100 : (100 * t.detected) / (t.detected + t.undetected + t.messages));
const pct = (n) => n.toFixed(1).padStart(6);

if (!values.quiet) for (const s of survivors) console.log(s);
console.log(`${'file'.padEnd(34)} ${'score'.padStart(6)} ${'w/ msg'.padStart(6)} detected survived messages equivalent`);
for (const [file, t] of rows.sort((a, b) => a[0].localeCompare(b[0]))) {
  console.log(`${file.padEnd(34)} ${pct(score(t))} ${pct(withMessages(t))} ${String(t.detected).padStart(8)} ${String(t.undetected).padStart(8)} ${String(t.messages).padStart(8)} ${String(t.equivalent).padStart(10)}`);
}
console.log(`${'all'.padEnd(34)} ${pct(score(total))} ${pct(withMessages(total))} ${String(total.detected).padStart(8)} ${String(total.undetected).padStart(8)} ${String(total.messages).padStart(8)} ${String(total.equivalent).padStart(10)}`);
const min = Number(values.min);
const minWith = Number(values['min-with-messages']);
if (score(total) < min || withMessages(total) < minWith) {
  console.error(`mutation score ${score(total).toFixed(1)}% (${withMessages(total).toFixed(1)}% counting message-only mutants) is under ${min}% (${minWith}%): kill the survivors above with tests that state the behaviour`);
  process.exit(1);
}
