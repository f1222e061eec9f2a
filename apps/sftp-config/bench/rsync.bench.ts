// sftp-config: rsync throughput through zfs-ssh (sshd rendered by sftp-config, the forced command
// `sftp-config rsync-gate` validating the command and starting rsync) against rsync over plain ssh
// (a second sshd on the same machine with a plain account: no forced command, no gate). Same data,
// same client, same ciphers; push and pull, alternating, median of 3. Goal: >= 0.9x.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, percentile, reportBench, startProcess, stopAllProcesses, waitFor } from '@homelab/testkit';
import { ownedDir, startZfsSsh } from '../test/zfs-ssh-fixture.js';

const SAT = 50201;
const PLAIN = 50202;
const ROUNDS = 3;

// The data a satellite pushes: one large file and many small ones (about 200 MiB in all).
const local = mkdtempSync(join(tmpdir(), 'bench-rsync-'));
const src = join(local, 'src');
mkdirSync(join(src, 'small'), { recursive: true });
const big = Buffer.alloc(136 * 1024 * 1024);
for (let off = 0; off < big.length; off += 1 << 20) randomBytes(1 << 20).copy(big, off);
writeFileSync(join(src, 'big.bin'), big);
for (let i = 0; i < 1000; i++) writeFileSync(join(src, 'small', `f${i}.bin`), randomBytes(64 * 1024));
const bytes = big.length + 1000 * 64 * 1024;

const f = await startZfsSsh({
  prepare: (ds) => {
    ownedDir(join(ds, 'sat'), SAT);
  },
  users: (ds, key) => `datastore: ${ds}\nusers:\n  - { name: sat, uid: ${SAT}, keys: ["${key}"], mode: rsync, access: rw, root: sat }\n`,
});

try {
  // The baseline: plain sshd in its own mount namespace (its own /etc overlay with the plain user).
  const plainBase = join(f.base, 'plain');
  for (const d of ['', 'up', 'work', 'home']) mkdirSync(join(plainBase, d), { recursive: true, mode: 0o755 });
  chownSync(join(plainBase, 'home'), PLAIN, PLAIN);
  mkdirSync(join(plainBase, 'keys'), { mode: 0o755 });
  writeFileSync(join(plainBase, 'keys', 'plain'), readFileSync(`${f.clientKey}.pub`));
  chmodSync(join(plainBase, 'keys', 'plain'), 0o644);
  const plainPort = await freePort();
  writeFileSync(
    join(plainBase, 'sshd_config'),
    [
      'ListenAddress 127.0.0.1',
      `Port ${plainPort}`,
      `HostKey ${join(f.base, 'hostkey', 'ssh_host_ed25519_key')}`,
      'PidFile none',
      `AuthorizedKeysFile ${join(plainBase, 'keys')}/%u`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'AllowUsers plain',
      'LogLevel INFO',
      '',
    ].join('\n'),
  );
  const ns = [
    'set -e',
    'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/up,workdir=$1/work" /etc',
    `echo "plain:x:${PLAIN}:${PLAIN}::$1/home:/bin/sh" >> /etc/passwd`,
    'mount -t tmpfs -o mode=755 tmpfs /run',
    'mkdir -m 755 /run/sshd',
    'exec /usr/sbin/sshd -D -e -f "$1/sshd_config"',
  ].join('\n');
  const plain = startProcess('unshare', ['-m', '--propagation', 'private', 'sh', '-c', ns, 'ns', plainBase], { label: 'plain sshd' });
  await waitFor(() => plain.stderr.some((l) => /Server listening/.test(l)) || plain.exitInfo, { timeoutMs: 10_000, what: 'plain sshd' });

  const rsh = (port: number) =>
    `ssh -F /dev/null -i ${f.clientKey} -p ${port} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;

  function timed(args: string[]): number {
    const started = performance.now();
    const r = spawnSync('rsync', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`rsync ${args.join(' ')}: ${r.stderr}`);
    return (performance.now() - started) / 1000;
  }

  const results = { gate: { push: [] as number[], pull: [] as number[] }, plain: { push: [] as number[], pull: [] as number[] } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const via of round % 2 === 0 ? (['gate', 'plain'] as const) : (['plain', 'gate'] as const)) {
      const remote = via === 'gate' ? `sat@127.0.0.1:r${round}/` : `plain@127.0.0.1:${join(plainBase, 'home', `r${round}`)}/`;
      const port = via === 'gate' ? f.port : plainPort;
      // A full push into a fresh folder, then a full pull into a fresh local folder.
      results[via].push.push(bytes / 2 ** 20 / timed(['-a', '--delete', '-e', rsh(port), `${src}/`, remote]));
      const back = join(local, `back-${via}-${round}`);
      results[via].pull.push(bytes / 2 ** 20 / timed(['-a', '-e', rsh(port), remote, `${back}/`]));
      rmSync(back, { recursive: true, force: true });
    }
  }
  // Sanity: the gate's copy is the data.
  execFileSync('cmp', [join(src, 'big.bin'), join(f.datastore, 'sat', 'r0', 'big.bin')]);
  const rows = (['push', 'pull'] as const).map((dir) => {
    const value = percentile(results.gate[dir], 50);
    const baseline = percentile(results.plain[dir], 50);
    return {
      bench: 'sftp-config',
      metric: `rsync ${dir} throughput (${(bytes / 2 ** 20).toFixed(0)} MiB, median of ${ROUNDS})`,
      value,
      unit: 'MiB/s',
      baseline,
      baselineLabel: 'rsync over plain ssh',
      goal: 'ratio >= 0.9',
      met: value / baseline >= 0.9,
    };
  });
  reportBench(rows);
} finally {
  await stopAllProcesses();
  await f.stop();
  rmSync(local, { recursive: true, force: true });
}
