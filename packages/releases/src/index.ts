export * from './publish.js';
export * from './publisher.js';
export * from './releases.js';
