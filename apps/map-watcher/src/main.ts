// Placeholder until the app is built: replace this file.
process.stderr.write('map-watcher: not built yet\n');
process.exit(1);
