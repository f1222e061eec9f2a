export * from './git-config.js';
export * from './metadata.js';
export * from './names.js';
export * from './scan.js';
