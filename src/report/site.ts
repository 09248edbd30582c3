/**
 * `noiselab report`: a static site from the latest results. index.html is a filterable table of every
 * claim; claims/<ID>.html shows the claim, its verdict and numbers, and the executed notebook with
 * interactive figures (plotly.js served from the site's own assets/) and their static PNGs. REPORT.md
 * beside it carries the table and the images for reading on GitHub. The site is built in a temporary
 * folder and swapped in whole, so a failed build leaves the previous one.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadClaims } from '../claims/registry.js';
import type { Claim } from '../claims/types.js';
import type { Figure } from '../figures/plotly.js';
import { plotlyBundlePath, type FigureRenderer } from '../figures/render.js';
import { readNotebook } from '../notebook/nbformat.js';
import { loadRecord, type RunRecord } from '../results/store.js';
import { writeFileAtomic } from '../util/fs.js';
import { resultsDir } from '../util/paths.js';
import { SITE_CSS, SITE_JS } from './assets.js';
import { fmt, type Effect } from '../claims/kit/verdict.js';
import { esc, page } from './html.js';
import { csvReport, markdownReport, reportRows, type ReportRow } from './markdown.js';
import { figureHtml, notebookHtml, type StaticImage } from './notebook-html.js';
import { updateReadme } from './readme.js';

export interface SiteOptions {
  /** where the results are (default data/results) */
  resultsDir?: string;
  /** where the site goes (default <results>/site) */
  outDir?: string;
  /** draws PNGs for figures that have none (results computed without a notebook) */
  renderer?: FigureRenderer;
  /** also rewrite the claims table of this README (between its markers) */
  readme?: string;
}

export interface SiteSummary {
  dir: string;
  index: string;
  pages: number;
  figures: number;
  images: number;
  report: string;
}

const STATUS_CLASS = (s: string) => s.replace(/\s+/g, '-');

export async function buildSite(opts: SiteOptions = {}): Promise<SiteSummary> {
  const results = opts.resultsDir ?? resultsDir();
  const out = opts.outDir ?? join(results, 'site');
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'assets'), { recursive: true });
  mkdirSync(join(tmp, 'claims'), { recursive: true });
  try {
    copyFileSync(plotlyBundlePath(), join(tmp, 'assets', 'plotly.min.js'));
    writeFileSync(join(tmp, 'assets', 'site.css'), SITE_CSS);
    writeFileSync(join(tmp, 'assets', 'site.js'), SITE_JS);
    const claims = await loadClaims();
    const records = new Map(claims.map((c) => [c.id, loadRecord(c.id, results)] as const));
    const rows = reportRows(claims, records);
    let figures = 0;
    const images = new Map<string, string[]>();
    for (const claim of claims) {
      const rec = records.get(claim.id);
      if (!rec) continue;
      const p = await claimPage(claim, rec, results, opts.renderer);
      for (const img of p.images) writeFileSync(join(tmp, 'claims', img.file), img.png);
      writeFileSync(join(tmp, 'claims', `${claim.id}.html`), p.html);
      figures += p.figures;
      images.set(claim.id, p.images.map((i) => `claims/${i.file}`));
    }
    writeFileSync(join(tmp, 'index.html'), indexPage(claims, rows, records));
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
    // REPORT.md and results.csv sit in the results folder; their images are the site's
    const siteRel = relative(results, out) || '.';
    const report = join(results, 'REPORT.md');
    writeFileAtomic(report, markdownReport(rows, { images: new Map([...images].map(([id, l]) => [id, l.map((f) => `${siteRel}/${f}`)])) }));
    writeFileAtomic(join(results, 'results.csv'), csvReport(rows));
    if (opts.readme) updateReadme(opts.readme, rows);
    return { dir: out, index: join(out, 'index.html'), pages: images.size, figures, images: [...images.values()].flat().length, report };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function claimPage(claim: Claim<any>, rec: RunRecord, results: string, renderer?: FigureRenderer) {
  const nbFile = rec.notebook ? join(results, rec.notebook) : null;
  let body: string;
  let images: StaticImage[] = [];
  let figures: number;
  if (nbFile && existsSync(nbFile)) {
    const nb = notebookHtml(readNotebook(nbFile), `${claim.id}-fig`);
    body = `<h2>The executed notebook</h2><p class="muted">${esc(relative(results, nbFile))}</p>${nb.html}`;
    images = nb.images;
    figures = nb.figures;
  } else {
    const parts: string[] = [];
    for (const [k, fig] of rec.figures.entries()) {
      const png = renderer ? await renderer.png(fig as Figure).catch(() => null) : null;
      const file = png ? `${claim.id}-fig-${k + 1}.png` : undefined;
      if (png && file) images.push({ file, png });
      parts.push(figureHtml(fig as Figure, file));
    }
    figures = rec.figures.length;
    body = `<h2>Figures</h2><p class="muted">This result was computed without its notebook; <code>noiselab reproduce --claim ${esc(claim.id)}</code> with the tslab kernel registered adds it.</p>${parts.join('\n')}`;
  }
  const numbers = Object.entries(rec.verdict.numbers).map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${esc(Number.isInteger(v) ? v : Number(v).toPrecision(4))}</td></tr>`).join('');
  const seeds = (rec.params as { seeds?: number[] }).seeds ?? [];
  const html = page(`${claim.id}: ${claim.claim}`, `
<p><a href="../index.html">&larr; all claims</a></p>
<h1>${esc(claim.id)}: ${esc(claim.claim)}</h1>
<p class="muted">${esc(claim.paper)}</p>
<p><span class="badge ${STATUS_CLASS(rec.verdict.status)}">${esc(rec.verdict.status)}</span> ${esc(rec.verdict.summary)}</p>
<dl class="meta">
<dt>setting</dt><dd>${esc(claim.setting)}</dd>
<dt>rule</dt><dd>${esc(claim.rule)}</dd>
<dt>scale</dt><dd>${esc(rec.scale)}, seeds ${esc(seeds.join(', '))}</dd>
<dt>run</dt><dd>${esc(rec.date)} on ${esc(rec.backend)}, commit ${esc(rec.commit ?? 'unknown')}, ${esc(rec.durationSec.toFixed(1))} s</dd>
</dl>
<h2>Numbers</h2>
<table class="numbers"><tbody>${numbers}</tbody></table>
${body}`, '../assets');
  return { html, images, figures };
}

const effectText = (e: Effect) => `${fmt(e.estimate, e.digits)} [${fmt(e.lo, e.digits)}, ${fmt(e.hi, e.digits)}]${e.unit ? ` ${e.unit}` : ''}`;

function indexPage(claims: Claim<any>[], rows: ReportRow[], records: Map<string, RunRecord | null>): string {
  const counts = rows.reduce<Record<string, number>>((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {});
  const body = rows.map((r, i) => {
    const effect = r.headline;
    const link = records.get(r.id) ? `<a href="claims/${esc(r.id)}.html">${esc(r.id)}</a>` : esc(r.id);
    return `<tr data-status="${esc(r.status)}">
<td>${link}</td><td>${esc(claims[i].paper)}</td><td>${esc(r.claim)}</td>
<td><span class="badge ${STATUS_CLASS(r.status)}">${esc(r.status)}</span></td>
<td>${effect ? `${esc(effect.label)} <span class="effect">${esc(effectText(effect))}</span>` : '<span class="muted">-</span>'}</td>
<td class="num">${r.seeds || ''}</td><td class="num">${r.runtimeSec ?? ''}</td><td>${esc(r.backend)}</td><td><code>${esc(r.commit)}</code></td><td>${esc(r.date.slice(0, 10))}</td>
</tr>`;
  }).join('\n');
  return page('noiselab reproduction report', `
<h1>noiselab reproduction report</h1>
<p class="muted">${rows.length} claims: ${Object.entries(counts).map(([k, v]) => `${v} ${esc(k)}`).join(', ')}. Effects are the first paired estimate of each verdict with its 95% interval.</p>
<div class="controls">
<input id="filter" type="search" placeholder="filter: id, paper, claim, numbers..." aria-label="filter claims">
<select id="verdict" aria-label="verdict"><option value="">every verdict</option><option value="reproduced">reproduced</option><option value="not reproduced">not reproduced</option><option value="not run">not run</option></select>
<span id="count" class="muted"></span>
</div>
<table id="claims">
<thead><tr><th>id</th><th>paper</th><th>claim</th><th>verdict</th><th>effect [95% CI]</th><th>seeds</th><th>runtime (s)</th><th>backend</th><th>commit</th><th>date</th></tr></thead>
<tbody>
${body}
</tbody>
</table>`, 'assets');
}
