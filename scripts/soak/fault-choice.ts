import { Random } from './random';

/**
 * Which fault each request through the fault proxy meets: one seeded draw sequence decides them in arrival order, so
 * a soak run replays from its seed. Only numbers here; fault-proxy.ts applies the fault to the HTTP exchange.
 */

export type FaultKind = 'slowDown' | 'internalError' | 'reset' | 'lostAnswer' | 'latency';

/** Probabilities (0..1) per request; they must add up to at most 1, as one draw chooses among them. */
export type FaultRates = Record<FaultKind, number>;

// prettier-ignore
export const DEFAULT_RATES: FaultRates = { slowDown: 0.05, internalError: 0.02, reset: 0.03, lostAnswer: 0.03, latency: 0.05 };
export const NO_FAULTS: FaultRates = { slowDown: 0, internalError: 0, reset: 0, lostAnswer: 0, latency: 0 };

/** The order in which one draw in [0, 1) is laid against the rates: part of what a seed means. */
const KINDS: readonly FaultKind[] = ['slowDown', 'internalError', 'reset', 'lostAnswer', 'latency'];

/** One request's lot: its fault, if any, and how long a `latency` fault holds it back. */
export interface Chosen {
  readonly kind: FaultKind | undefined;
  readonly delayMs: number;
}

export class FaultChoice {
  private readonly random: Random;
  private rates: FaultRates;
  private readonly latencyMs: readonly [number, number];

  constructor(seed: number, rates: Partial<FaultRates> = {}, latencyMs: readonly [number, number] = [50, 400]) {
    this.random = new Random(seed);
    this.rates = checked({ ...NO_FAULTS, ...rates });
    const [lo, hi] = (this.latencyMs = latencyMs);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < lo) {
      throw new RangeError(`latencyMs must be two integers 0 <= lo <= hi, got [${lo}, ${hi}]`);
    }
  }

  /** Merged over the current rates. */
  setRates(rates: Partial<FaultRates>): void {
    this.rates = checked({ ...this.rates, ...rates });
  }

  /** The next request's lot; one that is not `eligible` gets no fault, but uses up its draws all the same. */
  next(eligible: boolean): Chosen {
    // Two draws per request whatever the rates, so the n-th request meets the same numbers after any setRates.
    const draw = this.random.next();
    const delayMs = this.random.int(this.latencyMs[0], this.latencyMs[1]);
    return { kind: eligible ? chosen(this.rates, draw) : undefined, delayMs };
  }
}

function checked(rates: FaultRates): FaultRates {
  for (const kind of KINDS) {
    const p = rates[kind];
    if (!(p >= 0 && p <= 1)) throw new RangeError(`rate of ${kind} must be within 0..1, got ${p}`);
  }
  const sum = KINDS.reduce((s, k) => s + rates[k], 0);
  if (sum > 1 + 1e-9) throw new RangeError(`fault rates add up to ${sum}, more than 1`);
  return { ...rates };
}

function chosen(rates: FaultRates, draw: number): FaultKind | undefined {
  let upTo = 0;
  for (const kind of KINDS) {
    upTo += rates[kind];
    if (draw < upTo) return kind;
  }
  return undefined;
}
