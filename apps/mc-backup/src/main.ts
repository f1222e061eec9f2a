// Placeholder until the app is built: replace this file.
process.stderr.write('mc-backup: not built yet\n');
process.exit(1);
