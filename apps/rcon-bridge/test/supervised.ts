import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeMinecraftBundle, freePort, gitSync, makeTempDir } from '@homelab/testkit';

/** An origin repo, the server's working tree cloned from it (`tree`), and `pushUpdate` from a second clone. */
export async function serverRepos(prefix: string) {
  const dir = await makeTempDir(prefix);
  const origin = join(dir, 'origin.git');
  const tree = join(dir, 'tree');
  const dev = join(dir, 'dev');
  gitSync(dir, 'init', '--bare', '-q', origin);
  gitSync(dir, 'clone', '-q', origin, dev);
  writeFileSync(join(dev, 'server.properties'), 'motd=v1\n');
  writeFileSync(join(dev, '.gitignore'), 'world/\nlogs/\n');
  gitSync(dev, 'add', '.');
  gitSync(dev, 'commit', '-q', '-m', 'v1');
  gitSync(dev, 'push', '-q', 'origin', 'HEAD:main');
  gitSync(dir, 'clone', '-q', '-b', 'main', origin, tree);
  const pushUpdate = (text: string) => {
    writeFileSync(join(dev, 'server.properties'), text);
    gitSync(dev, 'commit', '-q', '-am', text.trim());
    gitSync(dev, 'push', '-q', 'origin', 'HEAD:main');
  };
  return { dir, tree, pushUpdate };
}

/**
 * `rcon-bridge run -- <the fake server>` with its password file and sockets in `dir`: the bridge's
 * arguments and the env that points it at the server. `tree`: the server runs in that git working
 * tree (world in it, BRIDGE_WORKTREE set); otherwise its world is `<dir>/world`.
 */
export async function supervisedServer(dir: string, opts: { tree?: string; players?: string[] } = {}) {
  const port = await freePort();
  const pwFile = join(dir, 'pw');
  writeFileSync(pwFile, 'pw-supervised\n');
  const socket = join(dir, 'rcon.sock');
  const world = join(opts.tree ?? dir, 'world');
  const args = ['run', '--', process.execPath, fakeMinecraftBundle(), '--port', String(port), '--password-file', pwFile, '--world', world];
  if (opts.players && opts.players.length > 0) args.push('--players', opts.players.join(','));
  const env: Record<string, string> = { RCON_PORT: String(port), RCON_PASSWORD_FILE: pwFile, BRIDGE_SOCKET: socket };
  if (opts.tree) env.BRIDGE_WORKTREE = opts.tree;
  return { args, env, socket };
}
