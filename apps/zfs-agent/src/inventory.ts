import { RuntimeError } from '@homelab/core';
import type { ZfsFeatures } from './features.js';

/** One snapshot as listed; `order` is its position in the listing (zfs lists them oldest first). */
export interface SnapshotInfo {
  dataset: string;
  /** The part after `@`. */
  name: string;
  guid: string;
  /** Seconds since the epoch. */
  creation: number;
  /** Bytes only this snapshot holds (what destroying it alone frees). */
  used: number;
  /** Number of holds (any tag). */
  userrefs: number;
  order: number;
}

export interface DatasetInfo {
  name: string;
  type: string;
  guid: string;
  used: number;
  available: number;
  readonly: string;
  /** `off`, an algorithm, or undefined where the zfs has no encryption. */
  encryption?: string;
  /** Set when an interrupted `receive -s` left state behind (OpenZFS). */
  resumeToken?: string;
  snapshots: SnapshotInfo[];
}

/** Everything one listing says about the pools the agent works on. */
export interface Inventory {
  datasets: Map<string, DatasetInfo>;
}

const BASE_PROPS = ['type', 'creation', 'guid', 'used', 'available', 'userrefs', 'readonly'];

/** The one listing command of a cycle: every dataset and snapshot of the pools, recursively. */
export function listingCommand(features: ZfsFeatures, pools: readonly string[]): string[] {
  if (features.parsableList) {
    const columns = [
      'name',
      ...BASE_PROPS,
      ...(features.encryption ? ['encryption'] : []),
      ...(features.resumableReceive ? ['receive_resume_token'] : []),
    ];
    return ['list', '-H', '-p', '-r', '-t', 'filesystem,volume,snapshot', '-o', columns.join(','), ...pools];
  }
  return ['get', '-H', '-p', '-r', '-o', 'name,property,value', BASE_PROPS.join(','), ...pools];
}

export class ListingError extends RuntimeError {
  override readonly name = 'ListingError';
}

const num = (v: string | undefined) => (v === undefined || v === '-' || v === '' ? 0 : Number(v));

function record(inv: Inventory, order: { n: number }, name: string, props: Record<string, string>): void {
  const at = name.indexOf('@');
  if (at >= 0) {
    const dataset = name.slice(0, at);
    const owner = inv.datasets.get(dataset);
    if (!owner) return; // a snapshot of a dataset not listed (cannot happen with -r) is ignored
    owner.snapshots.push({
      dataset,
      name: name.slice(at + 1),
      guid: props.guid ?? '',
      creation: num(props.creation),
      used: num(props.used),
      userrefs: num(props.userrefs),
      order: order.n++,
    });
    return;
  }
  if (props.type === 'bookmark') return;
  inv.datasets.set(name, {
    name,
    type: props.type ?? 'filesystem',
    guid: props.guid ?? '',
    used: num(props.used),
    available: num(props.available),
    readonly: props.readonly ?? 'off',
    ...(props.encryption !== undefined && props.encryption !== '-' ? { encryption: props.encryption } : {}),
    ...(props.receive_resume_token && props.receive_resume_token !== '-' ? { resumeToken: props.receive_resume_token } : {}),
    snapshots: [],
  });
}

/** Parses `zfs get -H -p -o name,property,value` output (zfs-fuse: one line per property). */
export function parseGetOutput(stdout: string): Inventory {
  const inv: Inventory = { datasets: new Map() };
  const order = { n: 0 };
  let current: string | undefined;
  let props: Record<string, string> = {};
  const flush = () => {
    if (current !== undefined) record(inv, order, current, props);
  };
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const [name, property, ...rest] = line.split('\t');
    if (name === undefined || property === undefined || rest.length === 0)
      throw new ListingError(`unexpected zfs get line: ${JSON.stringify(line)}`, 'LISTING_FORMAT');
    if (name !== current) {
      flush();
      current = name;
      props = {};
    }
    props[property] = rest.join('\t');
  }
  flush();
  return inv;
}

/** Parses `zfs list -H -p -o name,<columns>` output (OpenZFS: one line per dataset or snapshot). */
export function parseListOutput(stdout: string, columns: readonly string[]): Inventory {
  const inv: Inventory = { datasets: new Map() };
  const order = { n: 0 };
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const cells = line.split('\t');
    if (cells.length !== columns.length)
      throw new ListingError(
        `unexpected zfs list line (${cells.length} columns, expected ${columns.length}): ${JSON.stringify(line)}`,
        'LISTING_FORMAT',
      );
    const props = Object.fromEntries(columns.map((c, i) => [c, cells[i] as string]));
    record(inv, order, props.name as string, props);
  }
  return inv;
}

/** Parses the listing command's output for the given features. */
export function parseListing(features: ZfsFeatures, args: readonly string[], stdout: string): Inventory {
  if (!features.parsableList) return parseGetOutput(stdout);
  const columns = (args[args.indexOf('-o') + 1] ?? '').split(',');
  return parseListOutput(stdout, columns);
}

/** The pool of a dataset name. */
export const poolOf = (dataset: string) => dataset.split('/')[0] as string;

/** Capacity in percent as `df` sees it: the pool root's used / (used + available). */
export function poolCapacity(inv: Inventory, pool: string): { used: number; size: number; percent: number } | undefined {
  const root = inv.datasets.get(pool);
  if (!root) return undefined;
  const size = root.used + root.available;
  return { used: root.used, size, percent: size === 0 ? 0 : (100 * root.used) / size };
}

/** The dataset itself and, when recursive, all its descendants present in the inventory. */
export function datasetsUnder(inv: Inventory, root: string, recursive: boolean): DatasetInfo[] {
  const out: DatasetInfo[] = [];
  for (const ds of inv.datasets.values()) {
    if (ds.name === root || (recursive && ds.name.startsWith(`${root}/`))) out.push(ds);
  }
  return out;
}

/** Parses `zfs holds -H -p` output: `<snapshot>\t<tag>\t<epoch>` per hold. */
export function parseHolds(stdout: string): { snapshot: string; tag: string; time: number }[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const [snapshot, tag, time] = line.split('\t');
      return { snapshot: snapshot ?? '', tag: tag ?? '', time: Number(time) * 1000 };
    });
}
