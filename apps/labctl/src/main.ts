// Placeholder until the app is built: replace this file.
process.stderr.write('labctl: not built yet\n');
process.exit(1);
