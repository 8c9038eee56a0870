import { describe, expect, it } from 'vitest';
import { lineColumn } from '../../src/xml/position.js';

describe('lineColumn', () => {
  it('counts lines and columns from 1; a newline belongs to the line it ends', () => {
    const src = 'ab\ncd\n\nx';
    expect(lineColumn(src, 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn(src, 2)).toEqual({ line: 1, column: 3 }); // the first '\n'
    expect(lineColumn(src, 3)).toEqual({ line: 2, column: 1 });
    expect(lineColumn(src, 6)).toEqual({ line: 3, column: 1 }); // an empty line
    expect(lineColumn(src, 7)).toEqual({ line: 4, column: 1 });
    expect(lineColumn(src, 8)).toEqual({ line: 4, column: 2 }); // the end of the input
  });
});
