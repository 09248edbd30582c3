/**
 * The largest learning rate at which training stays stable, found by search: scan by a constant
 * factor from a starting rate until stability flips, then bisect the bracket in log space. The
 * stability test is the caller's (e.g. "the loss after N steps is below the loss at the start"), run
 * from the same initial point and batch order at every rate so that it is a function of lr alone.
 */

export interface StabilityProbe {
  lr: number;
  stable: boolean;
}

/** The outcome of `maxStableLr`: the stability bracket [lr, unstableLr] and every probe. */
export interface MaxStableLr {
  /** largest rate found stable (the lower end of the final bracket) */
  lr: number;
  /** smallest rate found unstable above it */
  unstableLr: number;
  /** every rate tried, in order */
  probes: StabilityProbe[];
}

/** Settings of the geometric scan from `start` and the log-space bisection of the bracket. */
export interface MaxStableLrOptions {
  /** first rate tried */
  start: number;
  /** scan factor (default 2) */
  factor?: number;
  /** bisections of the final bracket in log space (default 3: bracket ratio factor^(1/8)) */
  refinements?: number;
  /** give up outside [minLr, maxLr] (defaults: start / 1e6, start x 1e6) */
  minLr?: number;
  maxLr?: number;
}

/** The largest stable lr; throws when no flip is found within [minLr, maxLr]. */
export async function maxStableLr(isStable: (lr: number) => boolean | Promise<boolean>, opts: MaxStableLrOptions): Promise<MaxStableLr> {
  const factor = opts.factor ?? 2;
  const refinements = opts.refinements ?? 3;
  const minLr = opts.minLr ?? opts.start / 1e6;
  const maxLr = opts.maxLr ?? opts.start * 1e6;
  if (!(opts.start > 0)) throw new Error(`maxStableLr: start must be > 0, got ${opts.start}`);
  if (!(factor > 1)) throw new Error(`maxStableLr: factor must be > 1, got ${factor}`);
  if (!(Number.isInteger(refinements) && refinements >= 0)) throw new Error(`maxStableLr: refinements must be a non-negative integer, got ${refinements}`);
  const probes: StabilityProbe[] = [];
  const probe = async (lr: number): Promise<boolean> => {
    const stable = await isStable(lr);
    probes.push({ lr, stable });
    return stable;
  };
  let lo: number;
  let hi: number;
  if (await probe(opts.start)) {
    lo = opts.start;
    for (hi = lo * factor; await probe(hi); hi *= factor) {
      lo = hi;
      if (hi > maxLr) throw new Error(`maxStableLr: still stable at lr=${hi} (maxLr=${maxLr})`);
    }
  } else {
    hi = opts.start;
    for (lo = hi / factor; !(await probe(lo)); lo /= factor) {
      hi = lo;
      if (lo < minLr) throw new Error(`maxStableLr: still unstable at lr=${lo} (minLr=${minLr})`);
    }
  }
  for (let i = 0; i < refinements; i++) {
    const mid = Math.sqrt(lo * hi);
    if (await probe(mid)) lo = mid;
    else hi = mid;
  }
  return { lr: lo, unstableLr: hi, probes };
}
