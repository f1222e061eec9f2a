import { readFile } from 'node:fs/promises';

/**
 * A process's own view of its hardening, served at `GET /attest` on every sidecar's health server so
 * that `labctl audit` can compare it with what lab.yaml declares and what podman says it applied.
 */
export interface Attestation {
  /** Real, effective, saved and filesystem uid (the `Uid:` line). */
  uid: number[];
  /** The kernel's no_new_privs bit: 1 when set. */
  noNewPrivs: number | null;
  /** 0 none, 1 strict, 2 filter. */
  seccomp: number | null;
  /** Capability sets as hex masks (CapEff, CapBnd, CapPrm). */
  capEff: string | null;
  capBnd: string | null;
  capPrm: string | null;
  /** Whether `/` is mounted read-only (from /proc/self/mountinfo); null when / is not listed. */
  rootReadOnly: boolean | null;
}

/** Pure: the fields of /proc/self/status that matter for hardening. */
export function parseProcStatus(text: string): Omit<Attestation, 'rootReadOnly'> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const int = (key: string) => {
    const value = fields.get(key);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
  };
  const hex = (key: string) => {
    const value = fields.get(key);
    return value !== undefined && /^[0-9a-f]{1,16}$/i.test(value) ? value.toLowerCase() : null;
  };
  return {
    uid: (fields.get('Uid') ?? '').split(/\s+/).flatMap((v) => (/^\d+$/.test(v) ? [Number(v)] : [])),
    noNewPrivs: int('NoNewPrivs'),
    seccomp: int('Seccomp'),
    capEff: hex('CapEff'),
    capBnd: hex('CapBnd'),
    capPrm: hex('CapPrm'),
  };
}

/**
 * Pure: whether the mount at `/` is read-only, from /proc/self/mountinfo (field 5 is the mount
 * point, field 6 the per-mount options). The last entry for `/` wins: it is the one on top.
 */
export function parseRootReadOnly(mountinfo: string): boolean | null {
  let result: boolean | null = null;
  for (const line of mountinfo.split('\n')) {
    const parts = line.split(' ');
    if (parts[4] === '/' && parts[5] !== undefined) result = parts[5].split(',').includes('ro');
  }
  return result;
}

/** Reads the attestation of the current process. */
export async function readAttestation(proc = '/proc/self'): Promise<Attestation> {
  const [status, mountinfo] = await Promise.all([readFile(`${proc}/status`, 'utf8'), readFile(`${proc}/mountinfo`, 'utf8')]);
  return { ...parseProcStatus(status), rootReadOnly: parseRootReadOnly(mountinfo) };
}
