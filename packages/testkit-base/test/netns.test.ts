import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createNetns, inNetns, ip, netnsPrefix, removeNetnses } from '../src/netns.js';

const list = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

afterEach(() => removeNetnses());

describe('testkit network namespaces', () => {
  it('creates isolated namespaces with lo up and removes every one of them', () => {
    const a = createNetns(`${netnsPrefix('k')}a`);
    const b = createNetns(`${netnsPrefix('k')}b`);
    expect(list()).toContain(a);
    expect(inNetns(a, 'ip', ['-o', 'link', 'show', 'lo'])).toMatch(/UP|UNKNOWN/);
    // A veth pair between them carries traffic only between those two.
    ip(['link', 'add', 'tkva', 'netns', a, 'type', 'veth', 'peer', 'name', 'tkvb', 'netns', b]);
    inNetns(a, 'ip', ['addr', 'add', '10.200.0.0/31', 'dev', 'tkva']);
    inNetns(b, 'ip', ['addr', 'add', '10.200.0.1/31', 'dev', 'tkvb']);
    inNetns(a, 'ip', ['link', 'set', 'tkva', 'up']);
    inNetns(b, 'ip', ['link', 'set', 'tkvb', 'up']);
    expect(inNetns(a, 'ping', ['-c', '1', '-W', '2', '10.200.0.1'])).toContain('1 received');
    removeNetnses();
    expect(list()).not.toContain(a);
    expect(list()).not.toContain(b);
  });
});
