/** The report's parts: the markdown report with images, and notebooks as HTML. */
import { describe, expect, it } from 'vitest';
import { RESULT_MIME } from '../../src/claims/display.js';
import { lineFigure, PLOTLY_MIME } from '../../src/figures/plotly.js';
import type { Notebook } from '../../src/notebook/nbformat.js';
import { csvReport, markdownReport, type ReportRow, type VerdictCell } from '../../src/report/markdown.js';
import { paired, verdict, headlineEffect } from '../../src/claims/kit/verdict.js';
import { notebookHtml } from '../../src/report/notebook-html.js';

const v = verdict({ effects: [paired('gain', 'accuracy, a - b', [0.9, 0.8, 0.85], [0.7, 0.65, 0.7], { kind: 'direction', sign: 1, smallest: 0.05 }, { unit: 'accuracy' })] });
const cellOf = (status: string, stale: string[] = []): VerdictCell => ({
  status, headline: headlineEffect(v), summary: v.summary, seeds: 3, runtimeSec: 1.5, backend: 'native', commit: 'abc', date: '2026-11-30T00:00:00Z', stale,
});
const row = (id: string, ci: VerdictCell | null, full: VerdictCell | null = null): ReportRow => ({ id, paper: 'p', claim: `claim ${id} with a | pipe`, ci, full });

describe('markdown report', () => {
  it('has one escaped row per claim with its ci and full verdicts and headline effect, and a figures section per claim that has images', () => {
    const md = markdownReport([row('A1', cellOf('reproduced'), cellOf('inconclusive', ['code'])), row('B2', null)], { images: new Map([['A1', ['site/claims/A1-fig-1.png', 'site/claims/A1 fig 2.png']]]) });
    expect(md).toContain('2 claims; 1 at ci: 1 reproduced; 1 at full: 1 inconclusive.');
    expect(md).toContain('| A1 | claim A1 with a \\| pipe | **reproduced** | **inconclusive** (stale: code) | accuracy, a - b: 0.167 [');
    expect(md).toContain('| B2 | claim B2 with a \\| pipe | not run | not run |  |');
    expect(md).toContain('### A1: claim A1 with a | pipe');
    expect(md).toContain('![A1 figure 2](site/claims/A1%20fig%202.png)');
    expect(md).not.toContain('### B2');
    expect(markdownReport([row('A1', cellOf('reproduced'))])).not.toContain('## Figures');
    const csv = csvReport([row('A1', cellOf('reproduced'), cellOf('reproduced')), row('B2', null)]).trim().split('\n');
    expect(csv[0]).toBe('id,scale,status,stale,effect,estimate,lo,hi,seeds,runtimeSec,backend,commit,date,claim');
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['A1,ci,reproduced', 'A1,full,reproduced']);
  });
});

describe('notebook as HTML', () => {
  const fig = lineFigure('a </script> title', 'x', 'y', [{ name: 's', x: [1, 2], y: [3, 4] }]);
  const nb: Notebook = {
    nbformat: 4, nbformat_minor: 5, metadata: {},
    cells: [
      { cell_type: 'markdown', id: 'm', metadata: {}, source: '# Title\n\nSome **bold** text.' },
      {
        cell_type: 'code', id: 'c', metadata: {}, execution_count: 1, source: 'let a = 1 < 2;',
        outputs: [
          { output_type: 'stream', name: 'stdout', text: ['<b>not html</b>\n'] },
          { output_type: 'stream', name: 'stderr', text: 'warn\n' },
          { output_type: 'display_data', metadata: {}, data: { [PLOTLY_MIME]: fig, 'image/png': 'iVBORw0KGgo=', 'text/plain': '<Figure>' } },
          { output_type: 'display_data', metadata: {}, data: { [PLOTLY_MIME]: fig, 'text/plain': '<Figure>' } },
          { output_type: 'display_data', metadata: {}, data: { [RESULT_MIME]: { id: 'A1' }, 'text/plain': 'A1 reproduced' } },
          { output_type: 'error', ename: 'Error', evalue: 'boom', traceback: ['\x1b[31mError: boom\x1b[0m', '  at x'] },
        ],
      },
    ],
  };

  it('renders markdown, escapes text, keeps figures as JSON the page draws, and writes their PNGs beside it', () => {
    const { html, images, figures } = notebookHtml(nb, 'A1-fig');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('let a = 1 &lt; 2;');
    expect(html).toContain('&lt;b&gt;not html&lt;/b&gt;');
    expect(html).toContain('<pre class="stream stderr">warn');
    expect(figures).toBe(2);
    expect((html.match(/class="plotly-figure"/g) ?? []).length).toBe(2);
    // the figure JSON cannot close its script element early
    expect(html).not.toContain('a </script> title');
    const json = /<script type="application\/json">(.*?)<\/script>/.exec(html)![1];
    expect(JSON.parse(json)).toEqual(fig);
    expect(images).toEqual([{ file: 'A1-fig-1.png', png: Buffer.from('iVBORw0KGgo=', 'base64') }]);
    expect(html).toContain('<img src="A1-fig-1.png"');
    expect(html).toContain('<pre class="result">A1 reproduced</pre>');
    expect(html).toContain('<pre class="error">Error: boom\nError: boom\n  at x</pre>');
  });
});
