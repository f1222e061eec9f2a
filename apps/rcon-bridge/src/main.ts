// Placeholder until the app is built: replace this file.
process.stderr.write('rcon-bridge: not built yet\n');
process.exit(1);
