import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lineSplitter, onLines } from './lines.js';

describe('lineSplitter', () => {
  it('joins partial chunks, strips CR and flushes the last partial line at the end', () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    s.push('one\r\ntw');
    s.push('o\nthr');
    expect(lines).toEqual(['one', 'two']);
    s.end();
    expect(lines).toEqual(['one', 'two', 'thr']);
  });

  it('keeps empty lines, and delivers nothing at the end after a final newline', () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    s.push('a\n\nb\n');
    s.end();
    expect(lines).toEqual(['a', '', 'b']);
  });
});

describe('onLines', () => {
  it('reads a stream line by line, the unterminated last line included', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    onLines(stream, (l) => lines.push(l));
    const ended = new Promise((resolve) => stream.on('end', resolve));
    stream.write('x\ny');
    stream.end('z');
    await ended;
    expect(lines).toEqual(['x', 'yz']);
  });
});
