// The generic helpers come from @homelab/testkit-base (no workspace dependency, so core's tests can
// use it without a cycle); re-exported here so an app's tests import one package.
export * from '@homelab/testkit-base';
export * from './borg.js';
export * from './bridge.js';
export * from './fake-little-a-map/index.js';
export * from './fake-minecraft/index.js';
export * from './raw-peer.js';
export * from './recording-runner.js';
export * from './stepping-clock.js';
