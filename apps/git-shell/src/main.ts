// Placeholder until the app is built: replace this file.
process.stderr.write('git-shell: not built yet\n');
process.exit(1);
