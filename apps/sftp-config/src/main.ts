// sshd starts `sftp-config rsync-gate ...` once per rsync login: that path loads only the gate's
// modules (the bundle evaluates a dynamic import lazily), about 1 s less per connection on a busy
// 2-core machine than loading the whole sidecar; everything else is the sidecar.
if (process.argv[2] === 'rsync-gate') {
  const { gateFromArgv } = await import('./gate-cli.js');
  process.exitCode = await gateFromArgv(process.argv.slice(3), process.env, (text) => process.stderr.write(text));
} else {
  const [{ runSidecar }, { sftpConfigSidecar }] = await Promise.all([import('@homelab/core'), import('./cli.js')]);
  runSidecar(sftpConfigSidecar);
}
