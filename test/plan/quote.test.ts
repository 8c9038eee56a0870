// The one shell quoting of plan commands and scripts: bare only when the word is safe.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/plan/journal.js';

describe('shellQuote', () => {
  it.each(['web2', 'qemu+ssh://root@dst/system', '/tmp/plan/vf-ua-a.xml', 'a=b,c%d', '-c'])('leaves %j bare', (w) => {
    expect(shellQuote(w)).toBe(w);
  });

  it.each([
    ['my vm', "'my vm'"], ['', "''"], ["it's", "'it'\\''s'"], ['$(reboot)', "'$(reboot)'"], ['a;b', "'a;b'"],
    ['*', "'*'"], ['x\ny', "'x\ny'"], [' lead', "' lead'"], ['trail ', "'trail '"], ['a|b&c', "'a|b&c'"], ['~root', "'~root'"],
  ])('quotes %j as %s', (w, quoted) => {
    expect(shellQuote(w)).toBe(quoted);
  });

  it('a shell reads every quoted word back as itself', () => {
    const words = ["it's", '$(reboot)', 'a b', '', '"q"', '\\', "''"];
    const r = spawnSync('sh', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(words);
  });
});
