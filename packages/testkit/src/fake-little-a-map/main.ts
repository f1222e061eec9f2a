// The fake little-a-map as a program: node fake-little-a-map.js <world> <output>
// FAKE_MAP_CONTROL: a JSON file (FakeMapControl) read at each start, so a test can switch modes.
// FAKE_MAP_LOG: a JSON-lines file that gets one line at start and one at the end of each run.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { type FakeMapControl, renderFakeMap } from './render.js';

const log = (entry: Record<string, unknown>) => {
  if (process.env.FAKE_MAP_LOG)
    appendFileSync(process.env.FAKE_MAP_LOG, `${JSON.stringify({ ...entry, pid: process.pid, at: Date.now() })}\n`);
};

const [world, output] = process.argv.slice(2);
if (!world || !output) {
  process.stderr.write('usage: little-a-map <world> <output>\n');
  process.exit(2);
}
const controlPath = process.env.FAKE_MAP_CONTROL;
const control: FakeMapControl = controlPath && existsSync(controlPath) ? JSON.parse(readFileSync(controlPath, 'utf8')) : {};
log({ event: 'start', mode: control.mode ?? 'ok' });
renderFakeMap(world, output, control).then(
  (result) => {
    log({ event: 'end', ok: true, ...result });
  },
  (error: Error) => {
    log({ event: 'end', ok: false, error: error.message });
    process.stderr.write(`little-a-map: ${error.message}\n`);
    process.exitCode = 3;
  },
);
