import { type ConfigIssue, commonEnvShape, configValues, duration, type EnvDoc, type SidecarEnv } from '@homelab/core';
import { z } from 'zod';
import type { RenderTargets } from './render.js';
import { type CgitrcSettings, defaultCgitrcSettings } from './render-cgitrc.js';
import { defaultLighttpdSettings, type LighttpdSettings } from './render-lighttpd.js';

const path = () => z.string().refine((v) => v.startsWith('/') && !/[\u0000-\u001f"\\]/.test(v), 'expected an absolute path');
const line = () => z.string().refine((v) => !/[\u0000-\u001f]/.test(v), 'expected one line of text');

export const schema = z.object({
  ...commonEnvShape,
  CGIT_REPOS: path().default('/home/git/repos'),
  CGIT_CONFIG_OUT: path().default('/etc/cgitrc'),
  CGIT_LIGHTTPD_OUT: path().optional(),
  CGIT_TITLE: line().default(defaultCgitrcSettings.title),
  CGIT_DESCRIPTION: line().default(''),
  CGIT_CLONE_URL: line().default(defaultCgitrcSettings.cloneUrl),
  CGIT_ABOUT_FILTER: path().default(defaultCgitrcSettings.aboutFilter),
  CGIT_CACHE_SIZE: configValues.int(0, 1_000_000).default(0),
  CGIT_CACHE_ROOT: path().default(defaultCgitrcSettings.cacheRoot),
  CGIT_MAX_REPO_COUNT: configValues.int(0, 100_000).default(defaultCgitrcSettings.maxRepoCount),
  CGIT_MAX_BLOB_SIZE_KB: configValues.int(0, 10_000_000).default(defaultCgitrcSettings.maxBlobSizeKb),
  CGIT_HTTP_PORT: configValues.port().default(defaultLighttpdSettings.port),
  CGIT_HTTP_BIND: line().default(defaultLighttpdSettings.bind),
  CGIT_STATIC_ROOT: path().default(defaultLighttpdSettings.staticRoot),
  CGIT_CGI: path().default(defaultLighttpdSettings.cgi),
  CGIT_FILTER_PATH: line().default(defaultLighttpdSettings.path),
  CGIT_ACCESS_LOG: configValues.bool().default(false),
  CGIT_LIGHTTPD_RUN: configValues.bool().default(false),
  CGIT_LIGHTTPD_BIN: z.string().min(1).default('lighttpd'),
  CGIT_DEBOUNCE: duration({ min: 0 }).default(200),
  CGIT_RESCAN_INTERVAL: duration({ min: 0 }).default(60_000),
});

export type CgitConfigEnv = z.output<typeof schema>;

export const envDocs: EnvDoc[] = [
  { name: 'CGIT_REPOS', description: 'the repo pool (bare repos, one group level)', default: '/home/git/repos' },
  { name: 'CGIT_CONFIG_OUT', description: 'the cgitrc to write', default: '/etc/cgitrc' },
  { name: 'CGIT_LIGHTTPD_OUT', description: 'the lighttpd config to write (not written when unset)' },
  { name: 'CGIT_TITLE', description: 'root-title of the index page', default: defaultCgitrcSettings.title },
  { name: 'CGIT_DESCRIPTION', description: 'root-desc of the index page', default: '' },
  { name: 'CGIT_CLONE_URL', description: 'clone-url templates (space-separated)', default: defaultCgitrcSettings.cloneUrl },
  { name: 'CGIT_ABOUT_FILTER', description: 'about-filter that renders READMEs', default: defaultCgitrcSettings.aboutFilter },
  { name: 'CGIT_CACHE_SIZE', description: "cgit's page cache entries (0 = off; cached pages outlive `private`)", default: '0' },
  { name: 'CGIT_CACHE_ROOT', description: "cgit's cache folder", default: defaultCgitrcSettings.cacheRoot },
  { name: 'CGIT_MAX_REPO_COUNT', description: 'repos per index page', default: String(defaultCgitrcSettings.maxRepoCount) },
  { name: 'CGIT_MAX_BLOB_SIZE_KB', description: 'largest file shown as HTML (KiB)', default: String(defaultCgitrcSettings.maxBlobSizeKb) },
  { name: 'CGIT_HTTP_PORT', description: 'lighttpd port', default: String(defaultLighttpdSettings.port) },
  { name: 'CGIT_HTTP_BIND', description: 'lighttpd bind address', default: defaultLighttpdSettings.bind },
  {
    name: 'CGIT_STATIC_ROOT',
    description: 'folder with cgit.css, cgit.png, favicon.ico, robots.txt',
    default: defaultLighttpdSettings.staticRoot,
  },
  { name: 'CGIT_CGI', description: 'the cgit CGI binary', default: defaultLighttpdSettings.cgi },
  { name: 'CGIT_FILTER_PATH', description: 'PATH of cgit and its filters (system python3 first)', default: defaultLighttpdSettings.path },
  { name: 'CGIT_ACCESS_LOG', description: 'lighttpd access log on stdout', default: 'false' },
  { name: 'CGIT_LIGHTTPD_RUN', description: '`run` also runs lighttpd -D on CGIT_LIGHTTPD_OUT (one entry point)', default: 'false' },
  { name: 'CGIT_LIGHTTPD_BIN', description: 'the lighttpd binary for CGIT_LIGHTTPD_RUN', default: 'lighttpd' },
  { name: 'CGIT_DEBOUNCE', description: 'quiet time after a pool change before re-rendering', default: '200ms' },
  { name: 'CGIT_RESCAN_INTERVAL', description: 'full re-render even without events (0s = never)', default: '60s' },
];

/** Rules across keys. */
function checkConfig(config: CgitConfigEnv): ConfigIssue[] {
  return config.CGIT_LIGHTTPD_RUN && config.CGIT_LIGHTTPD_OUT === undefined
    ? [{ key: 'CGIT_LIGHTTPD_RUN', problem: 'is true but CGIT_LIGHTTPD_OUT is not set', expected: 'CGIT_LIGHTTPD_OUT as well' }]
    : [];
}

export const cgitConfigEnv: SidecarEnv<typeof schema> = { schema, prefixes: ['CGIT_'], docs: envDocs, check: checkConfig };

/** Pure: the render targets and settings from the validated env. */
export function targetsFrom(c: CgitConfigEnv): RenderTargets {
  const cgitrc: CgitrcSettings = {
    ...defaultCgitrcSettings,
    pool: c.CGIT_REPOS,
    title: c.CGIT_TITLE,
    description: c.CGIT_DESCRIPTION,
    cloneUrl: c.CGIT_CLONE_URL,
    aboutFilter: c.CGIT_ABOUT_FILTER,
    cacheSize: c.CGIT_CACHE_SIZE,
    cacheRoot: c.CGIT_CACHE_ROOT,
    maxRepoCount: c.CGIT_MAX_REPO_COUNT,
    maxBlobSizeKb: c.CGIT_MAX_BLOB_SIZE_KB,
  };
  const lighttpd: LighttpdSettings = {
    port: c.CGIT_HTTP_PORT,
    bind: c.CGIT_HTTP_BIND,
    staticRoot: c.CGIT_STATIC_ROOT,
    cgi: c.CGIT_CGI,
    cgitrc: c.CGIT_CONFIG_OUT,
    path: c.CGIT_FILTER_PATH,
    tag: 'git-web',
    accessLog: c.CGIT_ACCESS_LOG,
  };
  return { pool: c.CGIT_REPOS, cgitrcOut: c.CGIT_CONFIG_OUT, cgitrc, lighttpdOut: c.CGIT_LIGHTTPD_OUT, lighttpd };
}
