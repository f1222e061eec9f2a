export * from './bridge-reply.js';
export * from './client.js';
export * from './client-deadlines.js';
export * from './codec.js';
export * from './errors.js';
export * from './list-reply.js';
export * from './server.js';
