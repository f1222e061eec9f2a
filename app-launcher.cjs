'use strict';
// dist/main.js of every app (tsup.app.ts copies this file there with a shebang). It runs the app's
// bundle, dist/main.cjs, as CommonJS through vm.Script with V8's code cache dist/main.cjs.<key>.cache:
// with it V8 skips parsing and compiling most of the 1.5 MB bundle at every start
// (docs/architecture.md#memory). The cache never makes a start fail: missing, unreadable, made for
// another payload, another node or other V8 flags, or corrupt, the payload is compiled from its source
// as without it. Only a build writes it (HOMELAB_CODE_CACHE=write: at exit, after the run the build
// chose); HOMELAB_CODE_CACHE=off ignores it, =report prints one line about it on stderr.
const { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const { Script } = require('node:vm');
const Module = require('node:module');

const payload = __filename.replace(/\.js$/, '.cjs');
// V8 takes a cache only from the same node with the same flags, so there is one cache per node
// version and command-line options (NODE_OPTIONS included): the images' sidecars run with
// NODE_OPTIONS, the commands sshd starts (sftp-config's rsync gate, git-shell) without. <key> is
// their FNV-1a hash.
const options = `${process.version} ${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
let key = 0x811c9dc5;
for (let i = 0; i < options.length; i++) key = Math.imul(key ^ options.charCodeAt(i), 0x01000193) >>> 0;
const cacheFile = `${payload}.${key.toString(16).padStart(8, '0')}.cache`;
const mode = process.env.HOMELAB_CODE_CACHE;

// The payload is already wrapped as node wraps a CommonJS module (`(function (exports, require,
// module, __filename, __dirname) {...})`, tsup.app.ts): compiled as it is read, its text is the one
// string V8 keeps (wrapping it here would leave a second 1.5 MB copy as garbage), and read straight
// into a string (no Buffer of it).
const { size, mtimeMs } = statSync(payload);
const source = readFileSync(payload, 'utf8');

// The cache file is one header line, `homelab-code-cache 1 <sha256> <size> <mtimeMs> <data sha256>`,
// then V8's data. V8 checks its own version, its flags and the source's length, but not its data
// (a flipped byte crashes the process), nor the source's text: the header ties the data to this
// payload's bytes (the same size, and the same mtime as when it was written or else, after a copy
// or an edit, the same sha256) and to its own sha256.
const magic = 'homelab-code-cache 1 ';
const sha256 = (data) => require('node:crypto').createHash('sha256').update(data).digest('hex');
let cachedData;
let cacheState = 'missing';
if (mode === 'off' || mode === 'write') cacheState = 'off';
else {
  try {
    const file = readFileSync(cacheFile);
    const end = file.indexOf(10);
    const [hash, forSize, forMtime, dataHash] = file.toString('latin1', magic.length, Math.max(end, magic.length)).split(' ');
    const data = file.subarray(end + 1);
    const forThisPayload =
      end > 0 &&
      file.toString('latin1', 0, magic.length) === magic &&
      forSize === String(size) &&
      (forMtime === String(mtimeMs) || hash === sha256(source));
    if (!forThisPayload) cacheState = 'stale';
    else if (dataHash !== sha256(data)) cacheState = 'corrupt';
    else cachedData = data;
  } catch {
    // no cache, or an unreadable one: compile from the source
  }
}

let script;
try {
  script = new Script(source, { filename: payload, cachedData });
} catch (error) {
  // V8 refuses data of another version, other flags or another length (cachedDataRejected); this
  // guards against anything it would throw on instead.
  if (cachedData === undefined) throw error;
  cachedData = undefined;
  cacheState = 'failed';
  script = new Script(source, { filename: payload });
}
if (cachedData !== undefined) cacheState = script.cachedDataRejected ? 'rejected' : 'accepted';
if (mode === 'report') process.stderr.write(`homelab code cache: ${cacheState} (${cacheFile})\n`);
if (mode === 'write') process.on('exit', writeCache);

const payloadModule = new Module(payload, module);
payloadModule.filename = payload;
payloadModule.paths = Module._nodeModulePaths(dirname(payload));
const wrapper = script.runInThisContext({ displayErrors: true });
wrapper.call(payloadModule.exports, payloadModule.exports, Module.createRequire(payload), payloadModule, payload, dirname(payload));
payloadModule.loaded = true;

/** At exit: V8's data for every function compiled so far, written whole or not at all. */
function writeCache() {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    const data = script.createCachedData();
    writeFileSync(temp, Buffer.concat([Buffer.from(`${magic}${sha256(source)} ${size} ${mtimeMs} ${sha256(data)}\n`, 'latin1'), data]));
    renameSync(temp, cacheFile);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {}
    process.stderr.write(`homelab code cache: cannot write ${cacheFile}: ${error.message}\n`);
    process.exitCode = 1;
  }
}
