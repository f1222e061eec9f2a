// Placeholder until the app is built: replace this file.
process.stderr.write('zfs-agent: not built yet\n');
process.exit(1);
