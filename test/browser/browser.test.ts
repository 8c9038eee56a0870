// The core in a browser: the package, bundled by esbuild for the browser from its package.json
// (the "browser" condition picks dist/core.js), runs expandDomain and planMigration in headless
// Chromium and gives what Node gives. A Node module anywhere in the core fails the bundle itself.
// Needs dist/ (npm run test:browser builds it) and Debian's chromium (.ci/run installs it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { expandDomain, planMigration, readHostSnapshot } from '../../src/index.js';
import { DEST_URI, FIXTURES, ROOT } from '../helpers.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'hh-browser-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs in the page: the same two calls the test makes in Node, the answer written into the page. */
const PAGE_CODE = `
import { expandDomain, hostFromJson, planMigration } from 'hostdev-hybrid';
const input = JSON.parse(document.getElementById('input').textContent);
let answer;
try {
  const from = hostFromJson(input.from);
  const expanded = expandDomain(input.domain, from);
  const plan = planMigration(expanded.xml, from, hostFromJson(input.to), input.options);
  answer = { xml: expanded.xml, pairs: expanded.pairs, plan };
} catch (e) {
  answer = { error: String(e && e.stack || e) };
}
// URI-encoded, so the DOM's serialization escapes nothing in it.
document.getElementById('answer').textContent = encodeURIComponent(JSON.stringify(answer));
`;

async function bundle(): Promise<string> {
  // The package as a dependency of a page's code, found through node_modules like any other.
  mkdirSync(join(work, 'node_modules'));
  symlinkSync(ROOT, join(work, 'node_modules', 'hostdev-hybrid'));
  writeFileSync(join(work, 'page.js'), PAGE_CODE);
  const result = await build({
    entryPoints: [join(work, 'page.js')], bundle: true, platform: 'browser', format: 'iife', target: 'es2022',
    write: false, absWorkingDir: work, logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

function runInChromium(html: string): unknown {
  const page = join(work, 'page.html');
  writeFileSync(page, html);
  const dom = execFileSync(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${join(work, 'profile')}`, '--dump-dom', `file://${page}`,
  ], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const m = /<pre id="answer">([^<]*)<\/pre>/.exec(dom);
  if (!m || m[1] === '') throw new Error(`the page gave no answer; its DOM:\n${dom.slice(0, 2000)}`);
  return JSON.parse(decodeURIComponent(m[1]!));
}

describe('the core in a browser', () => {
  it('bundles for the browser without a Node module, and expands and plans there as in Node', async () => {
    const code = await bundle();
    expect(code).not.toMatch(/\bnode:[a-z]/);
    const domain = readFileSync(join(ROOT, 'examples', 'guest.xml'), 'utf8');
    const from = readHostSnapshot(join(FIXTURES, 'hosts', 'intel-82576'));
    const to = readHostSnapshot(join(FIXTURES, 'hosts', 'mellanox-cx5'));
    // The demo's move: its GPU is at another address on the ConnectX-5 host.
    const options = { destUri: DEST_URI, pciMap: { '0000:65:00.0': '0000:ca:00.0' } };
    const input = { domain, from, to, options };
    const json = JSON.stringify(input).replace(/</g, '\\u003c');
    const answer = runInChromium(`<!doctype html><meta charset="utf-8"><script type="application/json" id="input">${json}</script><pre id="answer"></pre><script>${code.replace(/<\/script/gi, '<\\/script')}</script>`) as Record<string, unknown>;
    expect(answer.error).toBeUndefined();
    const expanded = expandDomain(input.domain, from);
    expect(answer.xml).toBe(expanded.xml);
    expect(answer.pairs).toEqual(JSON.parse(JSON.stringify(expanded.pairs)));
    expect(answer.plan).toEqual(JSON.parse(JSON.stringify(planMigration(expanded.xml, from, to, options))));
    expect((answer.plan as { allocations: unknown[] }).allocations.length).toBeGreaterThan(0);
  }, 120_000);
});
