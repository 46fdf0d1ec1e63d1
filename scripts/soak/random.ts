/**
 * A seeded generator (mulberry32) for the soak test: a failing run is replayed from its seed. Not for anything that
 * must be unpredictable; 32 bits of state are plenty for choosing faults and sizes.
 */
export class Random {
  private state: number;

  constructor(readonly seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  /** An integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new RangeError(`int(${lo}, ${hi}): expected integers with lo <= hi`);
    }
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty array');
    return items[Math.floor(this.next() * items.length)];
  }

  /** True with probability p; always draws, so the sequence does not depend on p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/**
 * Independent seeds from (seed, sequence number, …): a decision seeded this way does not depend on what else is in
 * flight, so a run replays from its seed whatever order things finish in.
 */
export function mix(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h >>> 0;
}

/** A UUID-shaped id from the generator: event and request ids that replay with the seed. */
export function uuid(rng: Random): string {
  const h = Array.from({ length: 8 }, () => rng.int(0, 0xffff).toString(16).padStart(4, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
