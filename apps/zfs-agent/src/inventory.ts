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
  let start = 0;
  // indexOf instead of split: this runs over hundreds of thousands of lines.
  while (start < stdout.length) {
    let end = stdout.indexOf('\n', start);
    if (end < 0) end = stdout.length;
    const tab1 = stdout.indexOf('\t', start);
    const tab2 = tab1 < 0 || tab1 > end ? -1 : stdout.indexOf('\t', tab1 + 1);
    if (end === start) {
      start = end + 1;
      continue;
    }
    if (tab2 < 0 || tab2 > end)
      throw new ListingError(`unexpected zfs get line: ${JSON.stringify(stdout.slice(start, end))}`, 'LISTING_FORMAT');
    const name = stdout.slice(start, tab1);
    if (name !== current) {
      if (current !== undefined) record(inv, order, current, props);
      current = name;
      props = {};
    }
    props[stdout.slice(tab1 + 1, tab2)] = stdout.slice(tab2 + 1, end);
    start = end + 1;
  }
  if (current !== undefined) record(inv, order, current, props);
  return inv;
}

/** Parses `zfs list -H -p -o name,<columns>` output (OpenZFS: one line per dataset or snapshot). */
export function parseListOutput(stdout: string, columns: readonly string[]): Inventory {
  const inv: Inventory = { datasets: new Map() };
  const order = { n: 0 };
  const at = (name: string) => columns.indexOf(name);
  const [iName, iType, iCreation, iGuid, iUsed, iAvail, iRefs, iRo, iEnc, iToken] = [
    at('name'),
    at('type'),
    at('creation'),
    at('guid'),
    at('used'),
    at('available'),
    at('userrefs'),
    at('readonly'),
    at('encryption'),
    at('receive_resume_token'),
  ];
  let start = 0;
  while (start < stdout.length) {
    let end = stdout.indexOf('\n', start);
    if (end < 0) end = stdout.length;
    const line = stdout.slice(start, end);
    start = end + 1;
    if (line === '') continue;
    const cells = line.split('\t');
    if (cells.length !== columns.length)
      throw new ListingError(
        `unexpected zfs list line (${cells.length} columns, expected ${columns.length}): ${JSON.stringify(line)}`,
        'LISTING_FORMAT',
      );
    const name = cells[iName] as string;
    const props: Record<string, string> = {
      type: cells[iType] as string,
      creation: cells[iCreation] as string,
      guid: cells[iGuid] as string,
      used: cells[iUsed] as string,
      userrefs: cells[iRefs] as string,
    };
    if (!name.includes('@')) {
      props.available = cells[iAvail] as string;
      props.readonly = cells[iRo] as string;
      if (iEnc >= 0) props.encryption = cells[iEnc] as string;
      if (iToken >= 0) props.receive_resume_token = cells[iToken] as string;
    }
    record(inv, order, name, props);
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
