/**
 * Figures are plain plotly objects ({data, layout}): JSON-serialisable, stored with results and shown
 * in notebooks through the MIME type application/vnd.plotly.v1+json that JupyterLab and VS Code render.
 */
import type { ReliabilityBin } from '../metrics/classification.js';
import { mean, tInterval } from '../stats/bootstrap.js';
import { displayBundle, inNotebook } from '../util/display.js';
import { sharedRenderer } from './render.js';

/** A plotly figure as plain JSON: its traces and layout. */
export interface Figure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/**
 * One line of `lineFigure`: its points, optional lower and upper interval bounds drawn as error bars, and the
 * draw mode (default 'lines').
 */
export interface Series {
  name: string;
  x: number[];
  y: number[];
  /** symmetric or asymmetric error bars */
  errorLow?: number[];
  errorHigh?: number[];
  mode?: 'lines' | 'markers' | 'lines+markers';
}

/** An axis: log axes are labelled by decade (no minor-tick labels), in powers of ten. */
export function axis(title: string, log = false): Record<string, unknown> {
  return log ? { title: { text: title }, type: 'log', dtick: 1, exponentformat: 'power' } : { title: { text: title }, type: 'linear' };
}

/** Error bars from interval bounds, or nothing when no bound differs from its value (no zero-length whiskers). */
function errorBars(value: readonly number[], lo?: readonly (number | undefined)[], hi?: readonly (number | undefined)[]): Record<string, unknown> {
  if (!lo && !hi) return {};
  const up = value.map((v, i) => (hi?.[i] === undefined ? null : hi[i]! - v));
  const down = value.map((v, i) => (lo?.[i] === undefined ? (hi?.[i] === undefined ? null : hi[i]! - v) : v - lo[i]!));
  if (![...up, ...down].some((d) => d !== null && Number.isFinite(d) && d > 0)) return {};
  return { error_y: { type: 'data', symmetric: false, array: up, arrayminus: down, visible: true } };
}

/** Lines (or markers) with optional interval bars; the figure takes its container's width. */
export function lineFigure(title: string, xTitle: string, yTitle: string, series: Series[], opts: { logX?: boolean; logY?: boolean } = {}): Figure {
  return {
    data: series.map((s) => ({
      type: 'scatter', mode: s.mode ?? 'lines', name: s.name, x: s.x, y: s.y,
      ...errorBars(s.y, s.errorLow ?? s.errorHigh, s.errorHigh),
    })),
    layout: { title: { text: title }, xaxis: axis(xTitle, opts.logX), yaxis: axis(yTitle, opts.logY), template: 'plotly_white', autosize: true, height: 420 },
  };
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/**
 * One colour per arm: its mean over seeds as a bold line (in the legend), each seed as a faint line
 * of the same colour (legend group of the arm, so clicking the arm hides its seeds too).
 */
export function seedLinesFigure(title: string, xTitle: string, yTitle: string, arms: { name: string; seeds: { x: number[]; y: number[] }[] }[], opts: { logX?: boolean; logY?: boolean } = {}): Figure {
  const data = arms.flatMap((arm, k) => {
    const color = PALETTE[k % PALETTE.length];
    const x = arm.seeds[0]?.x ?? [];
    const meanY = x.map((_, i) => mean(arm.seeds.map((s) => s.y[i]).filter((v) => Number.isFinite(v))));
    return [
      ...arm.seeds.map((s) => ({ type: 'scatter', mode: 'lines', x: s.x, y: s.y, name: arm.name, legendgroup: arm.name, showlegend: false, hoverinfo: 'skip', line: { color, width: 1 }, opacity: 0.25 })),
      { type: 'scatter', mode: 'lines', x, y: meanY, name: `${arm.name} (mean of ${arm.seeds.length})`, legendgroup: arm.name, line: { color, width: 3 } },
    ];
  });
  return { data, layout: { title: { text: title }, xaxis: axis(xTitle, opts.logX), yaxis: axis(yTitle, opts.logY), template: 'plotly_white', autosize: true, height: 420 } };
}

/** Grid of heatmaps (e.g. saliency maps), one per panel, `cols` per row. */
export function heatmapGrid(title: string, panels: { title: string; z: number[][]; colorscale?: string }[], cols: number): Figure {
  const rows = Math.ceil(panels.length / cols);
  const data = panels.map((p, i) => ({
    type: 'heatmap', z: p.z, colorscale: p.colorscale ?? 'Greys', showscale: false,
    xaxis: `x${i + 1}`, yaxis: `y${i + 1}`, name: p.title,
  }));
  const layout: Record<string, unknown> = {
    title: { text: title }, grid: { rows, columns: cols, pattern: 'independent' },
    width: 150 * cols + 80, height: 160 * rows + 80, margin: { t: 60, l: 20, r: 20, b: 20 },
    annotations: panels.map((p, i) => ({
      text: p.title, showarrow: false, xref: `x${i + 1} domain`, yref: `y${i + 1} domain`, x: 0.5, y: 1.12, font: { size: 10 },
    })),
  };
  panels.forEach((_, i) => {
    layout[`xaxis${i + 1}`] = { visible: false };
    layout[`yaxis${i + 1}`] = { visible: false, autorange: 'reversed', scaleanchor: `x${i + 1}` };
  });
  return { data, layout };
}

/** One heatmap over a (x, y) grid with a colour bar, e.g. a phase diagram; z[i][j] is the value at (x[j], y[i]). */
export function heatmapFigure(title: string, axes: { x: number[]; y: number[]; xTitle: string; yTitle: string; zTitle: string; logX?: boolean; logY?: boolean }, z: number[][]): Figure {
  return {
    data: [{ type: 'heatmap', x: axes.x, y: axes.y, z, colorscale: 'Viridis', colorbar: { title: { text: axes.zTitle } } }],
    layout: {
      title: { text: title },
      xaxis: axis(axes.xTitle, axes.logX), yaxis: axis(axes.yTitle, axes.logY),
      template: 'plotly_white', autosize: true, height: 460,
    },
  };
}

/** Bar chart with per-bar interval whiskers where a bar has an interval (none drawn otherwise). */
export function barFigure(title: string, yTitle: string, bars: { name: string; value: number; lo?: number; hi?: number }[]): Figure {
  const y = bars.map((b) => b.value);
  return {
    data: [{ type: 'bar', x: bars.map((b) => b.name), y, ...errorBars(y, bars.map((b) => b.lo), bars.map((b) => b.hi)) }],
    layout: { title: { text: title }, yaxis: { title: { text: yTitle } }, template: 'plotly_white', autosize: true, height: 400 },
  };
}

/** A bar for barFigure: the mean of per-seed values with its 95% t interval (no interval from one seed). */
export function seedBar(name: string, values: readonly number[]): { name: string; value: number; lo?: number; hi?: number } {
  if (values.length < 2) return { name, value: mean(values) };
  const ci = tInterval(values);
  return { name, value: ci.mean, lo: ci.lo, hi: ci.hi };
}

/** Reliability diagram averaged over seeds: per confidence bin, mean confidence against mean accuracy, one line per arm. */
export function reliabilityFigure(title: string, arms: { name: string; bins: ReliabilityBin[][] }[]): Figure {
  const series: Series[] = arms.map(({ name, bins }) => {
    const x: number[] = [];
    const y: number[] = [];
    for (let b = 0; b < bins[0].length; b++) {
      const filled = bins.map((s) => s[b]).filter((s) => s.count > 0);
      if (!filled.length) continue;
      x.push(mean(filled.map((s) => s.confidence)));
      y.push(mean(filled.map((s) => s.accuracy)));
    }
    return { name, x, y, mode: 'lines+markers' };
  });
  return lineFigure(title, 'confidence', 'accuracy', [...series, { name: 'perfect calibration', x: [0, 1], y: [0, 1] }]);
}

export { PLOTLY_MIME } from './mime.js';
import { PLOTLY_MIME } from './mime.js';

const figureTitle = (fig: Figure) => String((fig.layout.title as { text?: string } | undefined)?.text ?? 'figure');

/**
 * A figure as notebook output: the plotly JSON that JupyterLab and VS Code draw interactively, a PNG
 * (when given) that GitHub, nbviewer and nbconvert show instead, and the title as text.
 */
export function figureBundle(fig: Figure, png?: Uint8Array): Record<string, unknown> {
  return {
    [PLOTLY_MIME]: fig,
    ...(png ? { 'image/png': Buffer.from(png).toString('base64') } : {}),
    'text/plain': `<Figure: ${figureTitle(fig)}>`,
  };
}

/**
 * Show a figure in a tslab notebook, with its static PNG when Chromium is there (see
 * figures/render.ts); elsewhere print its title. Await it, so the output lands in its own cell.
 */
export async function show(fig: Figure): Promise<void> {
  if (!inNotebook()) {
    console.log(`[figure] ${figureTitle(fig)}`);
    return;
  }
  let png: Uint8Array | undefined;
  const renderer = sharedRenderer();
  if (renderer) {
    try {
      png = await renderer.png(fig);
    } catch (e) {
      // the interactive figure still shows; say once why the static copy is missing
      if (!warned) console.warn(`static figure skipped: ${(e as Error).message.split('\n')[0]}`);
      warned = true;
    }
  }
  displayBundle(figureBundle(fig, png));
}

let warned = false;
