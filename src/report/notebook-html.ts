/**
 * An executed notebook as HTML for the report site: markdown rendered, code and its outputs, plotly
 * figures as elements the site's script draws, and static PNGs written beside the page. Notebooks are
 * the project's own; raw HTML in their markdown passes through as Jupyter shows it.
 */
import { marked } from 'marked';
import { RESULT_MIME } from '../claims/display.js';
import { PLOTLY_MIME, type Figure } from '../figures/plotly.js';
import { text, type Notebook, type Output } from '../notebook/nbformat.js';
import { esc, scriptJson } from './html.js';

/** A static image of a figure to write beside the page, and how the page refers to it. */
export interface StaticImage {
  file: string;
  png: Buffer;
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** The HTML of one figure: the interactive element and, when there is one, its static image. */
export function figureHtml(fig: Figure, image?: string): string {
  return `<div class="figure"><div class="plotly-figure"></div><script type="application/json">${scriptJson(fig)}</script>` +
    (image ? `<details class="static"><summary>static image</summary><img src="${esc(image)}" alt="${esc((fig.layout.title as { text?: string })?.text ?? 'figure')}"></details>` : '') +
    '</div>';
}

function outputHtml(o: Output, addImage: (png: string) => string): string {
  if (o.output_type === 'stream') return `<pre class="stream ${o.name === 'stderr' ? 'stderr' : ''}">${esc(text(o.text).replace(ANSI, ''))}</pre>`;
  if (o.output_type === 'error') return `<pre class="error">${esc(`${o.ename}: ${o.evalue}\n${(o.traceback ?? []).join('\n')}`.replace(ANSI, ''))}</pre>`;
  const data = o.data ?? {};
  if (data[PLOTLY_MIME]) return figureHtml(data[PLOTLY_MIME] as Figure, data['image/png'] ? addImage(String(data['image/png'])) : undefined);
  if (data['image/png']) return `<img src="${esc(addImage(String(data['image/png'])))}" alt="image output">`;
  if (data['text/markdown']) return `<div class="markdown-output">${marked.parse(text(data['text/markdown'] as string), { async: false })}</div>`;
  if (data[RESULT_MIME] && data['text/plain']) return `<pre class="result">${esc(text(data['text/plain'] as string))}</pre>`;
  if (data['text/html']) return `<div class="html-output">${text(data['text/html'] as string)}</div>`;
  if (data['text/plain']) return `<pre>${esc(text(data['text/plain'] as string).replace(ANSI, ''))}</pre>`;
  return '';
}

/** The notebook's cells as HTML; static images named `<prefix>-<n>.png` are returned to be written. */
export function notebookHtml(nb: Notebook, imagePrefix: string): { html: string; images: StaticImage[]; figures: number } {
  const images: StaticImage[] = [];
  let figures = 0;
  const addImage = (b64: string) => {
    const file = `${imagePrefix}-${images.length + 1}.png`;
    images.push({ file, png: Buffer.from(b64, 'base64') });
    return file.split('/').pop()!;
  };
  const html = nb.cells.map((cell) => {
    if (cell.cell_type === 'markdown') return `<div class="cell markdown">${marked.parse(text(cell.source), { async: false })}</div>`;
    if (cell.cell_type !== 'code') return '';
    const outs = (cell.outputs ?? []).map((o) => {
      if (o.data?.[PLOTLY_MIME]) figures++;
      return outputHtml(o, addImage);
    }).join('\n');
    return `<div class="cell code"><pre class="source"><code>${esc(text(cell.source))}</code></pre>${outs}</div>`;
  }).join('\n');
  return { html, images, figures };
}
