// `npm run bench`: speed targets live here, never in unit tests. Prints one line per workload,
// with ratios against a baseline measured in the same run on the same input.
import { XMLParser } from 'fast-xml-parser';
import { allocateVf, collapseDomain, expandDomain, hostFromXml, parseXml, serializeXml } from '../dist/index.js';
import { domainWithInterfaces, hostSnapshotXml } from './workloads.js';

/** Median milliseconds per call over several timed batches, after a warm-up. */
function measure(fn, { minMs = 300, batches = 7 } = {}) {
  let n = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < n; i++) fn();
    if (performance.now() - t > minMs / batches) break;
    n *= 2;
  }
  const times = [];
  for (let b = 0; b < batches; b++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) fn();
    times.push((performance.now() - t) / n);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(batches / 2)];
}

const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);
const results = [];
function report(name, ms, baseline) {
  const ratio = baseline ? ` (${(ms / baseline.ms).toFixed(2)}× ${baseline.name})` : '';
  console.log(`${name.padEnd(58)} ${fmt(ms).padStart(10)}${ratio}`);
  results.push({ name, ms });
}

// 1. XML layer: lossless parse + serialize vs bare fast-xml-parser parse, 100-interface domain.
const domain = domainWithInterfaces(100);
const fxp = new XMLParser({ ignoreAttributes: false, processEntities: false, parseTagValue: false, trimValues: false, preserveOrder: true });
const bare = { name: 'bare fast-xml-parser parse', ms: measure(() => fxp.parse(domain)) };
report(`fast-xml-parser parse, ${(domain.length / 1024).toFixed(0)} KB domain, 100 interfaces`, bare.ms);
const roundTrip = { name: 'parse+serialize', ms: measure(() => serializeXml(parseXml(domain))) };
report('parseXml + serializeXml, same domain', roundTrip.ms, bare);


// 2. Host snapshot: 4 PFs x 64 VFs (264 nodedev documents) and 100 domains.
const snapshot = hostSnapshotXml(4, 64, 100);
const snapshotKb = [...snapshot.nodedevs, ...snapshot.networks, ...snapshot.domains].reduce((n, x) => n + x.length, 0) / 1024;
const loaded = { name: 'host load', ms: measure(() => hostFromXml(snapshot)) };
report(`hostFromXml, 4 PFs x 64 VFs + 100 domains (${snapshotKb.toFixed(0)} KB)`, loaded.ms);
const host = hostFromXml(snapshot);
report('allocateVf from that pool (first call on a loaded host)', measure(() => allocateVf(host, 'sriov-pool', { claimed: new Set() })));

// 3. Expansion: a 100-interface q35 domain of which 32 are hybrid entries, on a host with room.
const expandHost = hostFromXml(hostSnapshotXml(4, 16, 0));
const hybridDomain = domainWithInterfaces(100, 32);
const plainRoundTrip = { name: 'parse+serialize of the same document', ms: measure(() => serializeXml(parseXml(hybridDomain))) };
report(`parseXml + serializeXml, 100 interfaces (${(hybridDomain.length / 1024).toFixed(0)} KB)`, plainRoundTrip.ms);
report('expandDomain, 32 pairs of the 100 interfaces', measure(() => expandDomain(hybridDomain, expandHost)), plainRoundTrip);
const expanded = expandDomain(hybridDomain, expandHost).xml;
report('collapseDomain of that expansion', measure(() => collapseDomain(expanded)), plainRoundTrip);
