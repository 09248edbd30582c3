/**
 * Figures are plain plotly objects ({data, layout}): JSON-serialisable, stored with results and shown
 * in notebooks through the MIME type application/vnd.plotly.v1+json that JupyterLab and VS Code render.
 */
import type { ReliabilityBin } from '../metrics/classification.js';
import { mean } from '../stats/bootstrap.js';
import { displayBundle, inNotebook } from '../util/display.js';
import { sharedRenderer } from './render.js';

export interface Figure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

export interface Series {
  name: string;
  x: number[];
  y: number[];
  /** symmetric or asymmetric error bars */
  errorLow?: number[];
  errorHigh?: number[];
  mode?: 'lines' | 'markers' | 'lines+markers';
}

export function lineFigure(title: string, xTitle: string, yTitle: string, series: Series[], opts: { logX?: boolean; logY?: boolean } = {}): Figure {
  return {
    data: series.map((s) => ({
      type: 'scatter', mode: s.mode ?? 'lines', name: s.name, x: s.x, y: s.y,
      ...(s.errorHigh ? {
        error_y: { type: 'data', symmetric: false, array: s.errorHigh.map((h, i) => h - s.y[i]), arrayminus: (s.errorLow ?? s.errorHigh).map((l, i) => s.y[i] - l) },
      } : {}),
    })),
    layout: {
      title: { text: title },
      xaxis: { title: { text: xTitle }, type: opts.logX ? 'log' : 'linear' },
      yaxis: { title: { text: yTitle }, type: opts.logY ? 'log' : 'linear' },
      template: 'plotly_white', width: 720, height: 420,
    },
  };
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
      xaxis: { title: { text: axes.xTitle }, type: axes.logX ? 'log' : 'linear' },
      yaxis: { title: { text: axes.yTitle }, type: axes.logY ? 'log' : 'linear' },
      template: 'plotly_white', width: 720, height: 460,
    },
  };
}

/** Bar chart with per-bar interval whiskers. */
export function barFigure(title: string, yTitle: string, bars: { name: string; value: number; lo?: number; hi?: number }[]): Figure {
  return {
    data: [{
      type: 'bar', x: bars.map((b) => b.name), y: bars.map((b) => b.value),
      error_y: { type: 'data', symmetric: false, array: bars.map((b) => (b.hi ?? b.value) - b.value), arrayminus: bars.map((b) => b.value - (b.lo ?? b.value)) },
    }],
    layout: { title: { text: title }, yaxis: { title: { text: yTitle } }, template: 'plotly_white', width: 560, height: 400 },
  };
}

/** A bar for barFigure: the mean of per-seed values, with their min-max as whiskers. */
export function seedBar(name: string, values: readonly number[]): { name: string; value: number; lo: number; hi: number } {
  return { name, value: mean(values), lo: Math.min(...values), hi: Math.max(...values) };
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

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

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
