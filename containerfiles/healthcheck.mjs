// The HEALTHCHECK probe of every image (installed by runtime-base.Containerfile at
// /usr/local/lib/homelab/healthcheck.mjs). Each argument is one check, all must pass:
//   /path           GET on the sidecar's HEALTH_LISTEN (`host:port` or a unix socket path, default
//                   127.0.0.1:9000, the sidecars' own default) must answer 200
//   tcp:HOST:PORT   a TCP connect must succeed (a companion server such as lighttpd or sshd)
// No argument means `/healthz`. Exit 0 when every check passed, else 1 with one line per failure.

import { request } from 'node:http';
import { connect } from 'node:net';

const TIMEOUT_MS = 4000;

function splitHostPort(value) {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) };
}

function httpCheck(path) {
  const listen = process.env.HEALTH_LISTEN || '127.0.0.1:9000';
  const target = listen.startsWith('/') ? { socketPath: listen } : splitHostPort(listen);
  return new Promise((resolve) => {
    const req = request({ ...target, path, timeout: TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? undefined : `${path} on ${listen} answered ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', (error) => resolve(`${path} on ${listen}: ${error.message}`));
    req.end();
  });
}

function tcpCheck(hostPort) {
  const { host, port } = splitHostPort(hostPort);
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: TIMEOUT_MS }, () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on('timeout', () => socket.destroy(new Error('no answer in time')));
    socket.on('error', (error) => resolve(`tcp ${hostPort}: ${error.message}`));
  });
}

const checks = process.argv.slice(2);
const failures = (
  await Promise.all((checks.length > 0 ? checks : ['/healthz']).map((c) => (c.startsWith('tcp:') ? tcpCheck(c.slice(4)) : httpCheck(c))))
).filter(Boolean);
for (const failure of failures) process.stderr.write(`healthcheck: ${failure}\n`);
process.exitCode = failures.length === 0 ? 0 : 1;
