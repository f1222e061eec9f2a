import { describe, expect, it } from 'vitest';
import { loadLab } from '../../test/lab-file.js';
import { parseEvent } from './events.js';
import { createRewirer, type RewireBatch } from './rewirer.js';
import { withLinkPeers } from './service.js';

describe('parseEvent', () => {
  it('reads podman 4 JSON event lines, container events only', () => {
    expect(
      parseEvent(
        '{"ID":"4c1e","Image":"localhost/homelab/git-web:0.1.0","Name":"git-web","Status":"restart","Time":"2026-12-02T11:00:00Z","Type":"container","Attributes":{}}',
      ),
    ).toEqual({ name: 'git-web', status: 'restart' });
    expect(parseEvent('{"Name":"x","Status":"pull","Type":"image"}')).toBeUndefined();
    expect(parseEvent('not json')).toBeUndefined();
    expect(parseEvent('{"Name":1,"Status":"start"}')).toBeUndefined();
    expect(parseEvent('{"broken"')).toBeUndefined();
  });
});

describe('createRewirer', () => {
  it('never runs twice at once; requests during a run make exactly one more run with all their reasons and containers', async () => {
    const runs: RewireBatch[] = [];
    let release: () => void = () => {};
    let active = 0;
    let maxActive = 0;
    const rewirer = createRewirer(async (batch) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(batch);
      if (runs.length === 1) await new Promise<void>((r) => (release = r));
      active--;
    });
    rewirer.request('labctl run started');
    rewirer.request('git-web start', 'git-web');
    rewirer.request('mc-map start', 'mc-map');
    await new Promise((r) => setImmediate(r));
    release();
    await rewirer.idle();
    expect(runs).toEqual([
      { reasons: ['labctl run started'], focus: undefined },
      { reasons: ['git-web start', 'mc-map start'], focus: new Set(['git-web', 'mc-map']) },
    ]);
    expect(maxActive).toBe(1);
    // A whole-lab request joining a focused batch widens it to the whole lab.
    rewirer.request('git-web died');
    rewirer.request('git-web restart', 'git-web');
    rewirer.request('labctl run started');
    await rewirer.idle();
    expect(runs.at(-1)).toEqual({ reasons: ['git-web restart', 'labctl run started'], focus: undefined });
  });
});

describe('withLinkPeers', () => {
  it('adds the containers linked to the restarted ones (their half pairs need remaking), never the host', () => {
    const lab = loadLab();
    expect(withLinkPeers(lab, new Set(['git-web'])).sort()).toEqual(['git-web', 'rproxy-edge']);
    expect(withLinkPeers(lab, new Set(['rproxy-edge'])).sort()).toEqual([
      'git-web',
      'lbmt-darkroom',
      'lbmt-shop',
      'lbmt-weblog',
      'mc-map',
      'mc-server',
      'rproxy-edge',
    ]);
    expect(withLinkPeers(lab, new Set(['mc-backup']))).toEqual(['mc-backup']);
    expect(withLinkPeers(lab, new Set(['navid-web'])).sort()).toEqual(['navid-server', 'navid-web', 'vpn-edge']);
  });
});
