/**
 * Static copies of an executed notebook's plotly figures: each output bundle with
 * application/vnd.plotly.v1+json gets an image/png beside it, so the figure survives viewers that do
 * not run JavaScript (GitHub, nbviewer, nbconvert's HTML, CI logs of the report).
 */
import { PLOTLY_MIME } from '../figures/mime.js';
import type { Figure } from '../figures/plotly.js';
import type { FigureRenderer } from '../figures/render.js';
import type { Notebook } from './nbformat.js';

export interface StaticFiguresResult {
  added: number;
  /** the first failure's message, when some figure could not be drawn */
  error?: string;
  failed: number;
}

export async function addStaticImages(nb: Notebook, renderer: FigureRenderer): Promise<StaticFiguresResult> {
  const result: StaticFiguresResult = { added: 0, failed: 0 };
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      const fig = out.data?.[PLOTLY_MIME] as Figure | undefined;
      if (!fig || out.data!['image/png']) continue;
      try {
        out.data!['image/png'] = (await renderer.png(fig)).toString('base64');
        result.added++;
      } catch (e) {
        result.failed++;
        result.error ??= (e as Error).message.split('\n')[0];
      }
    }
  }
  return result;
}
