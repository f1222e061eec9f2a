import { describe, expect, it } from 'vitest';
import { loadLab } from '../test-support.js';
import { planDown, planUp, upOrder } from './plan.js';
import { hashOf, LABEL_HASH, runArgs, shellQuote } from './run-args.js';

const ctx = { containerPrefix: 't-', configDir: '/srv/lab/compose' };
const lab = loadLab();

describe('upOrder', () => {
  it('puts every dependency before its dependents, otherwise keeps lab.yaml order', () => {
    const order = upOrder(lab);
    expect(order).toHaveLength(Object.keys(lab.containers).length);
    for (const [name, c] of Object.entries(lab.containers))
      for (const dep of c.depends_on) expect(order.indexOf(dep), `${dep} before ${name}`).toBeLessThan(order.indexOf(name));
    const free = Object.keys(lab.containers).filter((c) => lab.containers[c]?.depends_on.length === 0);
    expect(
      order.filter((c) => free.includes(c)),
      'containers without dependencies keep lab.yaml order',
    ).toEqual(free);
  });

  it('--only brings the dependencies along, and refuses an unknown name', () => {
    expect(upOrder(lab, ['mc-map', 'git-web'])).toEqual(['git-web', 'mc-server', 'mc-map']);
    expect(() => upOrder(lab, ['nope'])).toThrow('--only: unknown container "nope"');
  });

  it('names a depends_on cycle', () => {
    const cyclic = loadLab({
      ...JSON.parse(JSON.stringify(lab)),
      containers: { ...lab.containers, 'mc-server': { ...lab.containers['mc-server'], depends_on: ['mc-map'] } },
    });
    expect(() => upOrder(cyclic)).toThrow(/cycle: .*mc-server -> mc-map -> mc-server|cycle: .*mc-map -> mc-server -> mc-map/);
  });
});

describe('runArgs', () => {
  it('runs a container as compose declares it: no network, read-only, caps dropped but the declared, no-new-privileges', () => {
    const args = runArgs(lab, 'rproxy-edge', ctx);
    const text = args.join(' ');
    expect(text).toContain('--name t-rproxy-edge --network none --read-only --cap-drop all --cap-add NET_BIND_SERVICE');
    expect(text).toContain('--security-opt no-new-privileges');
    expect(text).toContain('--tmpfs /tmp');
    expect(text).toContain('--volume caddy-data:/data ');
    expect(text).toContain('--volume /srv/lab/compose/caddy/Caddyfile:/etc/caddy/Caddyfile:ro');
    expect(text).toMatch(/--health-cmd '(wget|nc)'( '[^']+')+ --health-interval disable/);
    expect(args.at(-1)).toBe('localhost/homelab/rproxy-edge:0.1.0');
  });

  it('mounts read-only where declared, passes env and the command after the image', () => {
    const args = runArgs(lab, 'mc-backup', ctx).join(' ');
    expect(args).toContain('--volume mc-rcon:/run/rcon:ro');
    expect(args).toContain('--volume mc-backup-state:/var/lib/mc-backup ');
    expect(args).toContain('--env BORG_REPO=/backup');
    expect(runArgs(lab, 'zfs-backup', ctx).slice(-4)).toEqual([
      'localhost/homelab/zfs-backup:0.1.0',
      'run',
      '--config',
      '/etc/zfs-agent/config.yaml',
    ]);
    const unchecked = Object.keys(lab.containers).find((c) => lab.containers[c]?.health === 'none') as string;
    expect(runArgs(lab, unchecked, ctx).join(' ')).toContain('--no-healthcheck');
  });

  it("quotes every word of the health command for podman's sh -c", () => {
    expect(shellQuote("it's; rm -rf /")).toBe("'it'\\''s; rm -rf /'");
  });

  it('carries a hash of the declaration: the same lab gives the same hash, a changed env another', () => {
    const a = hashOf(runArgs(lab, 'git-web', ctx));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(hashOf(runArgs(loadLab(), 'git-web', ctx))).toBe(a);
    const changed = loadLab({
      ...JSON.parse(JSON.stringify(lab)),
      containers: { ...lab.containers, 'git-web': { ...lab.containers['git-web'], env: { CGIT_REPOS: '/elsewhere' } } },
    });
    expect(hashOf(runArgs(changed, 'git-web', ctx))).not.toBe(a);
  });
});

describe('planUp / planDown', () => {
  const order = upOrder(lab, ['mc-map']);
  const hash = (c: string) => hashOf(runArgs(lab, c, ctx)) as string;

  it('creates what is missing: the volumes, then each container', () => {
    const plan = planUp(lab, order, [], [], ctx);
    expect(plan.volumes.sort()).toEqual(['mc-map-data', 'mc-rcon', 'mc-working-tree']);
    expect(plan.containers.map((c) => [c.podman, c.action.kind])).toEqual([
      ['t-mc-server', 'create'],
      ['t-mc-map', 'create'],
    ]);
  });

  it('keeps what runs as declared, starts what stopped, re-creates what changed or is foreign', () => {
    const volumes = ['mc-map-data', 'mc-rcon', 'mc-working-tree'];
    const running = [
      { name: 't-mc-server', state: 'running', labels: { [LABEL_HASH]: hash('mc-server') }, pid: 10 },
      { name: 't-mc-map', state: 'running', labels: { [LABEL_HASH]: hash('mc-map') }, pid: 11 },
    ];
    const same = planUp(lab, order, running, volumes, ctx);
    expect(same.volumes).toEqual([]);
    expect(same.containers.map((c) => c.action.kind)).toEqual(['keep', 'keep']);
    const [server, map] = running as [(typeof running)[0], (typeof running)[0]];
    const mixed = planUp(
      lab,
      order,
      [
        { ...server, state: 'exited' },
        { ...map, labels: { [LABEL_HASH]: 'old' } },
      ],
      volumes,
      ctx,
    );
    expect(mixed.containers.map((c) => c.action)).toEqual([
      { kind: 'start' },
      expect.objectContaining({ kind: 'recreate', reason: 'its declaration changed' }),
    ]);
    const foreign = planUp(lab, order, [{ ...server, labels: {} }], volumes, ctx);
    expect(foreign.containers[0]?.action).toEqual(expect.objectContaining({ kind: 'recreate', reason: 'it was not created by labctl' }));
  });

  it('down removes dependents first and volumes only when asked', () => {
    const existing = ['t-mc-server', 't-mc-map', 't-git-web', 'other'].map((name) => ({ name, state: 'running', labels: {}, pid: 1 }));
    const plan = planDown(lab, existing, ['mc-rcon', 'unrelated'], ctx, false);
    expect(plan.containers.indexOf('t-mc-map')).toBeLessThan(plan.containers.indexOf('t-mc-server'));
    expect(plan.containers.sort()).toEqual(['t-git-web', 't-mc-map', 't-mc-server']);
    expect(plan.volumes).toEqual([]);
    expect(planDown(lab, existing, ['mc-rcon', 'unrelated'], ctx, true).volumes).toEqual(['mc-rcon']);
  });
});
