import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, ERROR_CODES } from '../src/index.js';
import * as api from '../src/index.js';
import { ROOT } from './helpers.js';

describe('documentation stays in step with the code', () => {
  it('docs/ERRORS.md documents exactly the codes of ERROR_CODES', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'ERRORS.md'), 'utf8');
    const documented = [...doc.matchAll(/^### ([A-Z_]+)$/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('docs/CHECK.md documents exactly the codes of DIAGNOSTIC_CODES', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'CHECK.md'), 'utf8');
    const documented = [...doc.matchAll(/^### ([A-Z_]+)$/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(DIAGNOSTIC_CODES).sort());
  });
});

describe('the public API', () => {
  it('the core (the browser build) is the API without the two functions that touch files', async () => {
    const core = await import('../src/core.js');
    expect(Object.keys(core).sort()).toEqual(Object.keys(api).filter((n) => n !== 'readHostSnapshot' && n !== 'writePlanFiles').sort());
  });

  it('no module but io.ts and the CLI imports a Node module', () => {
    const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && f !== 'io.ts' && !f.startsWith('cli'));
    const offenders = files.filter((f) => /from '(node:|fs'|path'|crypto'|module')/.test(readFileSync(join(ROOT, 'src', f), 'utf8')));
    expect(offenders).toEqual([]);
  });


  it('exports exactly these runtime names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AllocationRun', 'DIAGNOSTIC_CODES', 'ERROR_CODES', 'HH_NS', 'HYBRID_CHILD_ORDER', 'HybridError', 'VF_DRIVERS', 'XML_LIMITS', 'allocateVf', 'checkDomain',
      'claimVf', 'collapseDomain', 'expandDomain', 'guestNetworkConfig', 'hostFromJson', 'hostFromSources', 'hostFromXml', 'hostWarnings', 'parseXml',
      'planEvacuation', 'planFiles', 'planHotplug', 'planMigration', 'planRepair', 'planUnplug', 'readHostSnapshot',
      'renderScript', 'retargetDomain', 'rewriteArrivingDomain', 'scriptName', 'serializeNode', 'serializeXml', 'shellQuote', 'summarizeHost', 'vfTopology', 'writePlanFiles',
    ]);
  });
});

describe('the API reference', () => {
  it('every exported function has a doc comment with an @example', () => {
    const sources = new Map<string, string>();
    const walk = (dir: string): void => {
      for (const f of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, f.name);
        if (f.isDirectory()) walk(path);
        else if (f.name.endsWith('.ts')) sources.set(path, readFileSync(path, 'utf8'));
      }
    };
    walk(join(ROOT, 'src'));
    const missing: string[] = [];
    for (const [name, value] of Object.entries(api)) {
      if (typeof value !== 'function' || /^[A-Z]/.test(name)) continue; // classes have their own docs
      const decl = [...sources.values()].map((s) => ({ s, at: s.indexOf(`export function ${name}(`) })).find((x) => x.at !== -1);
      if (!decl) { missing.push(`${name} (declaration not found)`); continue; }
      const before = decl.s.slice(0, decl.at);
      const doc = before.slice(before.lastIndexOf('/**'));
      if (!doc.startsWith('/**') || !doc.includes('@example') || doc.includes('\n}\n')) missing.push(name);
    }
    expect(missing).toEqual([]);
  });
});

describe('docs/CLI.md', () => {
  it('holds every command\'s help exactly as the command prints it', async () => {
    const { COMMANDS } = await import('../src/cli/main.js');
    const { helpText } = await import('../src/cli/command.js');
    const doc = readFileSync(join(ROOT, 'docs', 'CLI.md'), 'utf8');
    for (const c of COMMANDS) expect(doc, `docs/CLI.md, ${c.name}`).toContain(`## ${c.name}\n\n\`\`\`\n${helpText(c)}\`\`\`\n`);
    expect([...doc.matchAll(/^## (\S+)$/gm)].map((m) => m[1])).toEqual(COMMANDS.map((c) => c.name));
  });
});
