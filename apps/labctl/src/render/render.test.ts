import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadLab } from '../../test/lab-file.js';
import { labJsonSchema } from '../schema.js';
import { renderCaddyfile, SECURITY_HEADERS } from './caddy.js';
import { diffRendered, renderAll } from './index.js';
import { renderLighttpd } from './lighttpd.js';
import { hostRuleset, privateEdgeRuleset, publicEdgeRuleset } from './nft.js';

const lab = loadLab();
const repo = (p: string) => fileURLToPath(new URL(`../../../../${p}`, import.meta.url));

describe('committed copies', () => {
  it('compose/ is exactly what render produces from lab/lab.yaml', async () => {
    expect(await diffRendered(repo('compose'), renderAll(lab))).toEqual([]);
  });

  it('lab/lab.schema.json is the JSON Schema zod generates', () => {
    expect(JSON.parse(readFileSync(repo('lab/lab.schema.json'), 'utf8'))).toEqual(labJsonSchema());
  });
});

describe('compose files', () => {
  const files = renderAll(lab);
  const services = Object.fromEntries(
    [...files]
      .filter(([p]) => p.endsWith('.yaml') && !p.includes('/'))
      .flatMap(([, text]) => Object.entries((parse(text) as { services: Record<string, Record<string, unknown>> }).services)),
  );

  it('has every container of table 1, hardened, with no podman network', () => {
    expect(Object.keys(services).sort()).toEqual(Object.keys(lab.containers).sort());
    for (const svc of Object.values(services)) {
      expect(svc).toMatchObject({ network_mode: 'none', read_only: true, cap_drop: ['ALL'], security_opt: ['no-new-privileges'] });
    }
  });

  it('mounts volumes as table 1 says, read-only where the container only reads', () => {
    expect(services['mc-backup']?.volumes).toEqual([
      'mc-rcon:/run/rcon:ro',
      'mc-working-tree:/srv/minecraft:ro',
      'mc-backup-state:/var/lib/mc-backup',
      '/zfs/storage/loghob/minecraft/akitio/world:/backup',
    ]);
    expect(services['mc-map']?.volumes).toContain('mc-working-tree:/srv/minecraft:ro');
    expect(services['git-web']?.volumes).toEqual(['/zfs/storage/git:/home/git/repos:ro']);
    expect(services['navid-server']?.volumes).toContain('/zfs/storage/muzika/library:/music:ro');
    expect(services['lbmt-backup']?.depends_on).toEqual(['lbmt-shop']);
  });

  it('zfs-web: the datastore read-only, its config read-only, filestash told the private hub address of its only link', () => {
    expect(services['zfs-web']?.volumes).toEqual([
      'zfs-web-state:/app/data/state',
      'zfs-web-config:/etc/filestash-config:ro',
      '/zfs/storage:/srv/storage:ro',
    ]);
    expect(services['zfs-web']?.healthcheck).toMatchObject({
      test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:9000/healthz'],
    });
    const links = lab.links.filter((l) => l.a.end === 'zfs-web' || l.b.end === 'zfs-web');
    expect(links.map((l) => `${l.name}: ${l.a.end} ${l.a.ip} - ${l.b.end} ${l.b.ip}`)).toEqual([
      'v-zfs-web: vpn-edge 10.1.3.0 - zfs-web 10.1.3.1',
    ]);
    expect(lab.hubs.private.edge).toBe('vpn-edge');
    expect((services['zfs-web']?.environment as Record<string, string>)?.FILESTASH_LISTEN_ADDRESS).toBe(links[0]?.b.ip);
  });

  it('probes sidecars on their health server and other services on their own port', () => {
    expect(services['mc-server']?.healthcheck).toMatchObject({
      test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:9000/healthz'],
    });
    expect(services['git-ssh']?.healthcheck).toMatchObject({ test: ['CMD', 'nc', '-z', '127.0.0.1', '2222'] });
    expect(services['vpn-edge']?.healthcheck).toMatchObject({
      test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:9000/healthz'],
    });
    expect(services['rproxy-edge']?.healthcheck).toMatchObject({
      test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:2080/healthz'],
    });
  });
});

describe('Caddyfile', () => {
  const caddy = renderCaddyfile(lab);
  it('proxies one site per public service to its /31 address, with headers also on errors', () => {
    expect(caddy).toContain('darkroom.example.org {\n\timport common\n\treverse_proxy 172.16.1.1:8080 {');
    expect(caddy).toContain('map.example.org {');
    expect(caddy.match(/^\S+\.example\.org \{$/gm)).toHaveLength(5);
    expect(caddy).toMatch(/handle_errors \{\n\t\timport security_headers/);
    for (const name of Object.keys(SECURITY_HEADERS)) expect(caddy).toContain(`\t\t${name} `);
    expect(caddy).toContain('@method_not_allowed not method GET POST HEAD');
    expect(caddy).toContain('output file /var/log/caddy/access.log\n\t\tformat json');
  });
  it("serves rproxy-edge's health on its own port, loopback only", () => {
    expect(caddy).toContain('http://127.0.0.1:2080 {\n\tbind 127.0.0.1\n\trespond /healthz "ok" 200\n\trespond 404\n}');
  });
  it('renders plain-HTTP sites when tls is off', () => {
    expect(renderCaddyfile({ ...lab, proxy: { ...lab.proxy, tls: 'off' } })).toContain('http://darkroom.example.org {');
  });
});

describe('nftables rulesets', () => {
  it('host: policy drop, DNAT to the edges, forwarding only WAN <-> edges', () => {
    const host = hostRuleset(lab);
    expect(host).toContain('type filter hook forward priority filter; policy drop;');
    expect(host).toContain('iifname "eth0" fib daddr type local tcp dport { 80, 443, 25565 } dnat ip to 192.168.100.1');
    expect(host).toContain('iifname "eth0" fib daddr type local udp dport 51820 dnat ip to 192.168.101.1');
    expect(host).not.toMatch(/iifname "host-pub" oifname "host-pri"|iifname "host-pri" oifname "host-pub"/);
  });
  it("host: an allowlisted port is forwarded only with edge-guard's admit mark", () => {
    const host = hostRuleset(lab);
    expect(lab.host.allowlist_tcp_ports).toEqual([25565]);
    expect(host).toContain('iifname "eth0" oifname "host-pub" ip daddr 192.168.100.1 tcp dport { 80, 443 } ct status dnat accept');
    expect(host).toContain(
      'iifname "eth0" oifname "host-pub" ip daddr 192.168.100.1 tcp dport 25565 meta mark & 0x00100000 == 0x00100000 ct status dnat accept',
    );
    const open = hostRuleset({ ...lab, host: { ...lab.host, allowlist_tcp_ports: [] } });
    expect(open).toContain('tcp dport { 80, 443, 25565 } ct status dnat accept');
    expect(open).not.toContain('meta mark');
  });
  it('rproxy-edge forwards only the DNAT to mc-server; vpn-edge only VPN clients to private containers', () => {
    const pub = publicEdgeRuleset(lab);
    expect(pub.match(/ accept$/gm)?.length).toBeGreaterThan(0);
    expect(pub).toContain('iifname "host-pub" tcp dport 25565 dnat ip to 172.16.5.1');
    expect(pub.split('chain forward')[1]?.split('chain output')[0]).not.toMatch(/iifname "p-/);
    const pri = privateEdgeRuleset(lab);
    const forward = pri.split('chain forward')[1]?.split('chain output')[0] ?? '';
    expect(forward).toContain('iifname "wg0" ip saddr 10.200.0.0/24 oifname { "v-git-ssh"');
    expect(forward).not.toMatch(/iifname "v-/);
  });
});

describe('lighttpd', () => {
  it('renders the static sites and mc-map with its no-cache tiles', () => {
    expect(renderLighttpd(lab, 'lbmt-darkroom')).toContain(
      'server.tag = "lbmt-darkroom"\nserver.port = 8080\nserver.document-root = "/var/www/html"',
    );
    expect(renderLighttpd(lab, 'mc-map')).toContain('"Cache-Control" => "no-store, no-cache, must-revalidate"');
    expect(renderLighttpd(lab, 'git-ssh')).toBeUndefined();
  });

  it('serves the reverse-proxy-stats report from the swapped symlink without stat cache, revalidated by browsers', () => {
    const conf = renderLighttpd(lab, 'reverse-proxy-stats') ?? '';
    expect(conf).toContain('server.document-root = "/var/lib/proxy-stats/current"');
    expect(conf).toContain('server.stat-cache-engine = "disable"');
    expect(conf).toContain('setenv.add-response-header = ("Cache-Control" => "no-cache")');
    expect(conf).not.toContain('.(png|jpg');
    expect(renderLighttpd(lab, 'lbmt-darkroom')).not.toContain('stat-cache-engine');
  });
});

describe('wg-agent.yaml', () => {
  it("gives vpn-edge's agent the edge address, the endpoint and every container linked to vpn-edge", () => {
    const config = parse(renderAll(lab).get('wg-agent/wg-agent.yaml') ?? '');
    expect(config).toMatchObject({ interface: 'wg0', listen_port: 51820, address: '10.200.0.1/24', endpoint: 'vpn.example.org:51820' });
    expect(config.destinations).toEqual({
      'git-ssh': '10.1.1.1',
      'zfs-ssh': '10.1.2.1',
      'zfs-web': '10.1.3.1',
      'mc-ttyd-rcon': '10.1.4.1',
      'navid-server': '10.1.5.1',
      'navid-web': '10.1.6.1',
      'reverse-proxy-stats': '10.1.7.1',
    });
  });
});
