/** A leaky bucket: each hit adds one, the level drains at `threshold / windowMs` per ms. */
export interface Bucket {
  level: number;
  last: number;
  /** Paths already counted, for rules that count distinct URIs only. */
  seen?: Set<string>;
}

export interface BucketLimit {
  threshold: number;
  windowMs: number;
}

/** The level at `now` after draining (pure). */
export function drained(bucket: Bucket, limit: BucketLimit, now: number): number {
  const elapsed = Math.max(0, now - bucket.last);
  return Math.max(0, bucket.level - (elapsed * limit.threshold) / limit.windowMs);
}

/**
 * Adds a hit at `now`; true when the level goes over the threshold (the bucket is then emptied,
 * so one burst gives one decision). `key` is the URI for distinct counting.
 */
export function hit(bucket: Bucket, limit: BucketLimit, now: number, key?: string): boolean {
  const level = drained(bucket, limit, now);
  bucket.last = Math.max(bucket.last, now);
  if (level === 0) bucket.seen?.clear();
  if (key !== undefined) {
    bucket.seen ??= new Set();
    if (bucket.seen.has(key)) {
      bucket.level = level;
      return false;
    }
    // Bounded memory: an attacker cannot grow the set past a few times the threshold.
    if (bucket.seen.size < limit.threshold * 4) bucket.seen.add(key);
  }
  bucket.level = level + 1;
  if (bucket.level > limit.threshold) {
    bucket.level = 0;
    bucket.seen?.clear();
    return true;
  }
  return false;
}

/** True when the bucket has fully drained by `now` and can be forgotten. */
export function idle(bucket: Bucket, limit: BucketLimit, now: number): boolean {
  return drained(bucket, limit, now) === 0;
}
