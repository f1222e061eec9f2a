export * from './app.js';
export * from './cleanup.js';
export * from './http.js';
export * from './netns.js';
export * from './ports.js';
export * from './process.js';
export * from './temp-dir.js';
export * from './wait.js';
