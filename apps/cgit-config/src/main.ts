// Placeholder until the app is built: replace this file.
process.stderr.write('cgit-config: not built yet\n');
process.exit(1);
