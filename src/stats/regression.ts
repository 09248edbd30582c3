/** Least-squares fits for slopes and exponents (a power law is a line on log-log axes). */
import { mean } from './bootstrap.js';

/** A line y = slope x + intercept. */
export interface LineFit {
  slope: number;
  intercept: number;
}

/** Least-squares line y = slope x + intercept. */
export function fitLine(x: readonly number[], y: readonly number[]): LineFit {
  if (x.length !== y.length || x.length < 2) throw new Error(`fitLine: needs two or more (x, y) pairs, got ${x.length} x and ${y.length} y`);
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i] - my);
    sxx += (xi - mx) ** 2;
  });
  if (sxx === 0) throw new Error('fitLine: all x are equal');
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** Least-squares slope of y on x. */
export const slope = (x: readonly number[], y: readonly number[]): number => fitLine(x, y).slope;
