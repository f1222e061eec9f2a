// What the apps' bundles get for `import ... from 'prom-client'` (tsup.app.ts): the four classes the
// code uses, from prom-client's own modules. Its index also loads the default metrics, Summary,
// Pushgateway and the cluster aggregator (with node:v8, node:zlib, node:cluster and
// @opentelemetry/api): about 0.4 MiB of resident memory in every sidecar for nothing it uses.
// Tests (vitest) use the real index; the classes are the same.
export { default as Counter } from 'prom-client/lib/counter.js';
export { default as Gauge } from 'prom-client/lib/gauge.js';
export { default as Histogram } from 'prom-client/lib/histogram.js';
export { default as Registry } from 'prom-client/lib/registry.js';
