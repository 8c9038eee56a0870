import { checkDomain } from '../../expanded/check.js';
import { readHostSnapshot } from '../../io.js';
import { positionals, type Command } from '../command.js';
import { readInput } from '../output.js';

export const check: Command = {
  name: 'check',
  summary: 'Report what would break a pair or a migration (exit 1 when an error is found).',
  args: ['DOMAIN.xml'],
  options: {
    host: { type: 'string', value: 'DIR', help: 'also check the pairs against this host snapshot' },
    json: { type: 'boolean', help: 'print the diagnostics as a JSON array' },
  },
  description:
    'Prints one line per problem, like a compiler: FILE:LINE:COLUMN: SEVERITY[CODE]: message\n(docs/CHECK.md lists every code). DOMAIN.xml may be -.',
  example: 'virsh dumpxml vm | hostdev-hybrid check - --host /var/lib/hostdev-hybrid/host',
  run(parsed, io) {
    const [file] = positionals(this, parsed);
    const host = typeof parsed.values.host === 'string' ? readHostSnapshot(parsed.values.host) : undefined;
    const { text, name } = readInput(io, file!);
    const found = checkDomain(text, host, { file: name });
    if (parsed.values.json) io.stdout(JSON.stringify(found, null, 2) + '\n');
    else {
      for (const d of found) {
        const where = `${name}:${d.line !== undefined ? `${d.line}:${d.column}:` : ''}`;
        io.stdout(`${where} ${d.severity}[${d.code}]: ${d.message}\n`);
      }
      if (found.length === 0) io.stdout(`${name}: no problems found\n`);
    }
    return found.some((d) => d.severity === 'error') ? 1 : 0;
  },
};
