// node dist/mc-status.js HOST PORT: one server list ping, the status as JSON on stdout, exit 1 on failure.
// (Tests run it inside a network namespace, where the test process itself cannot go.)
import { minecraftStatus } from './status-client.js';

const [host = '127.0.0.1', port = '25565'] = process.argv.slice(2);
minecraftStatus(host, Number(port)).then(
  (status) => process.stdout.write(`${JSON.stringify(status)}\n`),
  (error: Error) => {
    process.stderr.write(`mc-status: ${error.message}\n`);
    process.exit(1);
  },
);
