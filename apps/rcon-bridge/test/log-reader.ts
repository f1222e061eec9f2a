import { connect } from 'node:net';
import { lineSplitter } from '@homelab/core/lines';
import { closeAfter } from '@homelab/testkit';

/** A plain-text reader of the bridge's log socket (closed by `useCleanup`); `slow` pauses after each chunk, as a client on a slow link. */
export function logReader(path: string, opts: { slow?: boolean } = {}) {
  const state = { lines: [] as string[], closed: false, socket: connect(path) };
  const split = lineSplitter((line) => state.lines.push(line));
  state.socket.setEncoding('utf8');
  state.socket.on('data', (chunk: string) => {
    split.push(chunk);
    if (opts.slow) {
      state.socket.pause();
      setTimeout(() => state.socket.resume(), 5);
    }
  });
  state.socket.on('error', () => {});
  state.socket.on('close', () => {
    state.closed = true;
  });
  closeAfter(() => state.socket.destroy());
  return state;
}
