/** Figure helpers: real intervals as error bars (none of zero length), log axes by decade, arms by colour with seeds faint. */
import { describe, expect, it } from 'vitest';
import { barFigure, lineFigure, seedBar, seedLinesFigure } from '../src/figures/plotly.js';
import { tInterval } from '../src/stats/bootstrap.js';

describe('figures', () => {
  it('draws error bars only where there is an interval; a seed bar carries the 95% t interval of its seeds', () => {
    expect(barFigure('t', 'y', [{ name: 'a', value: 1 }, { name: 'b', value: 2 }]).data[0].error_y).toBeUndefined();
    const ci = tInterval([1, 2, 3, 4]);
    const bar = seedBar('a', [1, 2, 3, 4]);
    expect(bar).toEqual({ name: 'a', value: 2.5, lo: ci.lo, hi: ci.hi });
    expect(seedBar('one', [3])).toEqual({ name: 'one', value: 3 });
    const fig = barFigure('t', 'y', [bar, { name: 'truth', value: 2 }]);
    expect(fig.data[0].error_y).toEqual({ type: 'data', symmetric: false, array: [ci.hi - 2.5, null], arrayminus: [2.5 - ci.lo, null], visible: true });
    expect(lineFigure('t', 'x', 'y', [{ name: 's', x: [1, 2], y: [3, 4], errorLow: [3, 4], errorHigh: [3, 4] }]).data[0].error_y).toBeUndefined();
  });

  it('labels log axes by decade and takes the container width', () => {
    const fig = lineFigure('t', 'x', 'y', [{ name: 's', x: [1, 10], y: [1, 2] }], { logX: true });
    expect(fig.layout.xaxis).toMatchObject({ type: 'log', dtick: 1 });
    expect(fig.layout.yaxis).toMatchObject({ type: 'linear' });
    expect(fig.layout.width).toBeUndefined();
  });

  it('colours by arm: one legend entry per arm (its mean), seeds faint in the same colour and group', () => {
    const fig = seedLinesFigure('t', 'x', 'y', [
      { name: 'noise', seeds: [{ x: [0, 1], y: [1, 3] }, { x: [0, 1], y: [3, 5] }] },
      { name: 'none', seeds: [{ x: [0, 1], y: [2, 2] }] },
    ]);
    const shown = fig.data.filter((d) => d.showlegend !== false);
    expect(shown.map((d) => d.name)).toEqual(['noise (mean of 2)', 'none (mean of 1)']);
    expect(shown[0].y).toEqual([2, 4]);
    const noise = fig.data.filter((d) => d.legendgroup === 'noise');
    expect(new Set(noise.map((d) => (d.line as { color: string }).color)).size).toBe(1);
    expect((fig.data[0] as { opacity: number }).opacity).toBeLessThan(0.5);
  });
});
