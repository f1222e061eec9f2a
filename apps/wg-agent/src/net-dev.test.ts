import { describe, expect, it } from 'vitest';
import { interfaceNames, readNetDev } from './net-dev.js';

describe('interfaceNames', () => {
  it('reads the names below the two header lines', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:    1234      10    0    0    0     0          0         0     1234      10    0    0    0     0       0          0',
      'wg-edge0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0',
      '  eth0:99999999 1000000    0    0    0     0          0         0 99999999  100000    0    0    0     0       0          0',
      '',
    ].join('\n');
    expect([...interfaceNames(text)]).toEqual(['lo', 'wg-edge0', 'eth0']);
  });

  it('takes no name from the headers, a blank text or a line without a colon', () => {
    expect(interfaceNames('Inter-|   Receive\n face |bytes\n')).toEqual(new Set());
    expect(interfaceNames('')).toEqual(new Set());
    expect(interfaceNames('h1\nh2\nnot an interface line\n')).toEqual(new Set());
  });

  it("this process's namespace has its loopback", async () => {
    expect(interfaceNames(await readNetDev()).has('lo')).toBe(true);
  });
});
