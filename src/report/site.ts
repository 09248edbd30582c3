/**
 * `noiselab report`: a static site from the latest results. index.html is a filterable table of every
 * claim; claims/<ID>.html shows the claim, its verdict and numbers, and the executed notebook with
 * interactive figures (plotly.js served from the site's own assets/) and their static PNGs. REPORT.md
 * beside it carries the table and the images for reading on GitHub. The site is built in a temporary
 * folder and swapped in whole, so a failed build leaves the previous one.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadClaims } from '../claims/registry.js';
import type { Claim } from '../claims/types.js';
import type { Figure } from '../figures/plotly.js';
import { plotlyBundlePath, type FigureRenderer } from '../figures/render.js';
import { readNotebook } from '../notebook/nbformat.js';
import { readRecords, type ClaimRecord } from '../results/records.js';
import { loadRecord, type RunRecord } from '../results/store.js';
import { writeFileAtomic } from '../util/fs.js';
import { projectRoot, resultsDir } from '../util/paths.js';
import { runsTable } from '../results/history.js';
import { SITE_CSS, SITE_JS } from './assets.js';
import { describeClaimed, fmt, formatP } from '../claims/kit/verdict.js';
import { esc, page } from './html.js';
import { forestSvg } from './forest.js';
import { countText, csvReport, effectText, markdownReport, reportRows, type ReportRow, type VerdictCell } from './markdown.js';
import { figureHtml, notebookHtml, type StaticImage } from './notebook-html.js';
import { updateReadme } from './readme.js';

/** Options of `buildSite`: where the results are and the site goes, a PNG renderer, and a README to update. */
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

/**
 * What `buildSite` wrote: the site folder and its index.html, the numbers of claim pages, figures and PNG
 * images, and the REPORT.md path.
 */
export interface SiteSummary {
  dir: string;
  index: string;
  pages: number;
  figures: number;
  images: number;
  report: string;
}

const STATUS_CLASS = (s: string) => s.replace(/\s+/g, '-');

/**
 * Builds the static site (index and one page per claim), REPORT.md and results.csv from the latest results,
 * replacing the previous site only when the build succeeds.
 */
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
    const allRecords = readRecords();
    const rows = reportRows(claims, allRecords);
    let figures = 0;
    const images = new Map<string, string[]>();
    for (const [i, claim] of claims.entries()) {
      // the page shows the latest run of the largest scale run (a smoke run's notebook is shown, labelled, but is never a verdict)
      const run = loadRecord(claim.id, 'full', results) ?? loadRecord(claim.id, 'ci', results) ?? loadRecord(claim.id, 'smoke', results);
      const p = await claimPage(claim, rows[i], allRecords.filter((r) => r.id === claim.id), run, results, opts.renderer);
      for (const img of p.images) writeFileSync(join(tmp, 'claims', img.file), img.png);
      for (const [file, data] of p.downloads) writeFileSync(join(tmp, 'claims', file), data);
      writeFileSync(join(tmp, 'claims', `${claim.id}.html`), p.html);
      figures += p.figures;
      if (p.images.length) images.set(claim.id, p.images.map((im) => `claims/${im.file}`));
    }
    writeFileSync(join(tmp, 'index.html'), indexPage(rows));
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
    // REPORT.md and results.csv sit in the results folder; their images are the site's
    const siteRel = relative(results, out) || '.';
    const report = join(results, 'REPORT.md');
    writeFileAtomic(report, markdownReport(rows, { images: new Map([...images].map(([id, l]) => [id, l.map((f) => `${siteRel}/${f}`)])) }));
    writeFileAtomic(join(results, 'results.csv'), csvReport(rows));
    if (opts.readme) updateReadme(opts.readme, rows);
    return { dir: out, index: join(out, 'index.html'), pages: claims.length, figures, images: [...images.values()].flat().length, report };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

function verdictSection(scale: 'ci' | 'full', c: VerdictCell | null, rec: ClaimRecord | undefined): string {
  if (!c || !rec) return `<h3>${scale}</h3><p class="muted">not run at ${scale} scale</p>`;
  const v = rec.verdict;
  const effects = v.effects.map((e) => `<tr><td>${e.key === v.headline ? '<b>' : ''}${esc(e.label)}${e.key === v.headline ? '</b>' : ''}</td><td class="num">${esc(effectText(e))}</td><td>${esc(e.test)}, ${esc(formatP(e.p))}</td><td>${esc(describeClaimed(e.claimed, e.digits))}</td><td>${esc(e.outcome)}${e.decides ? '' : ' (reported only)'}</td></tr>`).join('');
  const premise = v.premise.map((p) => `<tr><td>${esc(p.label)}</td><td class="num">${esc(fmt(p.value, p.digits))}</td><td>${esc(p.rule)}</td><td>${p.holds ? 'met' : '<b>not met</b>'}</td></tr>`).join('');
  const checks = v.checks.map((k) => `<tr><td>${esc(k.label)}</td><td class="num">${esc(k.value.toPrecision(6))}</td><td>${esc(String(k.reference))} &plusmn; ${esc(String(k.tolerance))}</td><td>${k.holds ? 'holds' : '<b>fails</b>'}</td></tr>`).join('');
  const p = rec.provenance;
  return `<h3>${scale}: <span class="badge ${STATUS_CLASS(c.status)}">${esc(c.status)}</span>${c.stale.length ? ` <span class="badge stale">stale: ${esc(c.stale.join(', '))}</span>` : ''}</h3>
${v.reasons.length ? `<p class="muted">${esc(v.reasons.join('; '))}</p>` : ''}
<div class="scroll"><table class="effects"><thead><tr><th>effect</th><th>estimate [95% CI]</th><th>test</th><th>claimed</th><th>outcome</th></tr></thead><tbody>${effects}</tbody></table></div>
${premise ? `<div class="scroll"><table class="effects"><thead><tr><th>premise</th><th>value</th><th>needs</th><th></th></tr></thead><tbody>${premise}</tbody></table></div>` : ''}
${checks ? `<div class="scroll"><table class="effects"><thead><tr><th>exact check</th><th>value</th><th>reference</th><th></th></tr></thead><tbody>${checks}</tbody></table></div>` : ''}
<p class="muted">seeds ${esc(rec.seeds.join(', '))}; ${esc(p.date.slice(0, 16))} on ${esc(p.backend)} (${esc(p.cpu)}, node ${esc(p.node)}, tfjs ${esc(p.tfjs)}), commit ${esc(p.commit ?? 'unknown')}${p.dirty ? ' (dirty)' : ''}, ${esc(String(p.runtimeSec))} s</p>`;
}

async function claimPage(claim: Claim<any>, row: ReportRow, records: ClaimRecord[], rec: RunRecord | null, results: string, renderer?: FigureRenderer) {
  let body = '<p class="muted">No run of this claim is in the results folder: <code>noiselab reproduce --claim ' + esc(claim.id) + '</code> runs it.</p>';
  let images: StaticImage[] = [];
  let figures = 0;
  const nbFile = rec?.notebook ? join(results, rec.notebook) : null;
  if (rec && nbFile && existsSync(nbFile)) {
    const nb = notebookHtml(readNotebook(nbFile), `${claim.id}-fig`);
    body = `<h2>The executed notebook (${esc(rec.scale)}${rec.scale === 'smoke' ? ': a smoke run, not a verdict' : ''})</h2><p class="muted">${esc(relative(results, nbFile))}</p>${nb.html}`;
    images = nb.images;
    figures = nb.figures;
  } else if (rec) {
    const parts: string[] = [];
    for (const [k, fig] of rec.figures.entries()) {
      const png = renderer ? await renderer.png(fig as Figure).catch(() => null) : null;
      const file = png ? `${claim.id}-fig-${k + 1}.png` : undefined;
      if (png && file) images.push({ file, png });
      parts.push(figureHtml(fig as Figure, file));
    }
    figures = rec.figures.length;
    body = `<h2>Figures (${esc(rec.scale)}${rec.scale === 'smoke' ? ': a smoke run, not a verdict' : ''})</h2><p class="muted">This result was computed without its notebook; <code>noiselab reproduce --claim ${esc(claim.id)}</code> with the tslab kernel registered adds it.</p>${parts.join('\n')}`;
  }
  // downloads beside the page: the notebook (as shipped, and as executed), and each record's rows as CSV and JSON
  const downloads = new Map<string, string | Buffer>();
  const nbName = `${claim.id.toLowerCase()}-${claim.slug}.ipynb`;
  const source = join(projectRoot(), 'notebooks', nbName);
  if (existsSync(source)) downloads.set(nbName, readFileSync(source));
  if (rec && nbFile && existsSync(nbFile)) downloads.set(`${claim.id}.executed.${rec.scale}.ipynb`, readFileSync(nbFile));
  for (const r of records) {
    if (!r.rows?.length) continue;
    downloads.set(`${claim.id}.${r.scale}.rows.json`, `${JSON.stringify(r.rows, null, 1)}\n`);
    downloads.set(`${claim.id}.${r.scale}.rows.csv`, rowsCsv(r.rows));
  }
  const links = [...downloads.keys()].map((f) => `<a href="${esc(f)}" download>${esc(f)}</a>`).join(' &middot; ');
  const history = runHistory(claim.id, results);
  const html = page(`${claim.id}: ${claim.claim}`, `
<p><a href="../index.html">&larr; all claims</a></p>
<h1>${esc(claim.id)}: ${esc(claim.claim)}</h1>
<p class="muted">${esc(claim.paper)}</p>
<dl class="meta">
<dt>setting</dt><dd>${esc(claim.setting)}</dd>
<dt>rule</dt><dd>${esc(claim.rule)}</dd>
<dt>re-run</dt><dd><code>npx noiselab reproduce --claim ${esc(claim.id)} --scale ci</code> (or <code>--scale full</code>)</dd>
<dt>source</dt><dd><code>src/claims/${esc(claim.id.toLowerCase())}-${esc(claim.slug)}.ts</code> (the experiment), <code>notebooks/${esc(nbName)}</code>, <code>test/claims/${esc(claim.id.toLowerCase())}-${esc(claim.slug)}.test.ts</code>, <code>data/records/${esc(claim.id)}.*.json</code></dd>
<dt>downloads</dt><dd>${links || '<span class="muted">none</span>'}</dd>
</dl>
<h2>Verdicts of record</h2>
${verdictSection('ci', row.ci, records.find((r) => r.scale === 'ci'))}
${verdictSection('full', row.full, records.find((r) => r.scale === 'full'))}
<h2>Run history</h2>
${history}
${body}`, '../assets');
  return { html, images, figures, downloads };
}

/** Rows as CSV (columns: the union of the rows' keys). */
function rowsCsv(rows: Record<string, unknown>[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const q = (v: unknown) => {
    const t = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => q(r[c])).join(','))].join('\n') + '\n';
}

/** Every stored run of the claim (the results folder's history), newest first. */
function runHistory(id: string, results: string): string {
  let runs: Record<string, any>[];
  try {
    runs = runsTable(id, results).objects() as Record<string, any>[];
  } catch (e) {
    return `<p class="muted">${esc((e as Error).message)}</p>`;
  }
  if (!runs.length) return '<p class="muted">no stored run in this results folder</p>';
  const body = runs.slice().reverse().map((r) => `<tr><td><code>${esc(r.run)}</code></td><td>${esc(r.scale)}</td><td>${esc(r.status)}</td><td>${esc(r.seeds)}</td><td>${esc(r.backend)}</td><td><code>${esc(r.commit ?? '')}</code></td><td class="num">${esc(Number(r.durationSec).toFixed(1))}</td><td>${esc(String(r.date).slice(0, 16))}</td></tr>`).join('');
  return `<div class="scroll"><table class="effects"><thead><tr><th>run</th><th>scale</th><th>status</th><th>seeds</th><th>backend</th><th>commit</th><th>runtime (s)</th><th>date</th></tr></thead><tbody>${body}</tbody></table></div>
<p class="muted"><code>npx noiselab results ${esc(id)}</code> lists them; <code>--compare A,B</code> compares two number by number.</p>`;
}

const badge = (c: VerdictCell | null) => (c ? `<span class="badge ${STATUS_CLASS(c.status)}">${esc(c.status)}</span>${c.stale.length ? ' <span class="badge stale">stale</span>' : ''}` : '<span class="badge not-run">not run</span>');

/** Claim families, by the letter of the id (the catalogue's sections). */
export const FAMILIES: Record<string, string> = {
  A: 'noise in gradients and SGD', B: 'smoothing, attribution, regularization', C: 'curvature', D: 'noise as a generative tool', E: 'training dynamics',
  F: 'generative sampling and diffusion', G: 'explanations and robustness', H: 'high-dimensional statistics', I: 'statistics', K: 'reinforcement learning',
};

const STATUS_ORDER = ['reproduced', 'partly reproduced', 'inconclusive', 'not reproduced', 'not run'];

function indexPage(rows: ReportRow[]): string {
  const body = rows.map((r) => {
    const of = r.full?.headline ? r.full : r.ci;
    const effect = of?.headline ?? null;
    const family = r.id[0];
    const sortStatus = (c: VerdictCell | null) => STATUS_ORDER.indexOf(c?.status ?? 'not run');
    return `<tr data-status="${esc(r.ci?.status ?? 'not run')}" data-full="${esc(r.full?.status ?? 'not run')}" data-family="${esc(family)}">
<td data-sort="${esc(family)}${String(Number(r.id.slice(1))).padStart(3, '0')}"><a href="claims/${esc(r.id)}.html">${esc(r.id)}</a></td><td>${esc(r.paper)}</td><td>${esc(r.claim)}</td>
<td data-sort="${sortStatus(r.ci)}">${badge(r.ci)}</td><td data-sort="${sortStatus(r.full)}">${badge(r.full)}</td>
<td data-sort="${effect ? ['holds', 'inconclusive', 'fails'].indexOf(effect.outcome) : 9}">${effect ? `${forestSvg(effect)}<br>${esc(effect.label)} <span class="effect">${esc(effectText(effect))}</span> <span class="muted">(${of === r.full ? 'full' : 'ci'}, ${esc(effect.outcome)})</span>` : '<span class="muted">-</span>'}</td>
</tr>`;
  }).join('\n');
  const options = STATUS_ORDER.map((s) => `<option value="${s}">${s}</option>`).join('');
  const families = [...new Set(rows.map((r) => r.id[0]))].map((f) => `<option value="${f}">${f}: ${esc(FAMILIES[f] ?? f)}</option>`).join('');
  return page('noiselab reproduction report', `
<h1>noiselab reproduction report</h1>
<p class="muted">${rows.length} claims; ${esc(countText(rows, 'ci'))}; ${esc(countText(rows, 'full'))}. Each verdict is the committed record (data/records). The last column is the claim's headline effect: its 95% interval and estimate (green: holds, red: fails, grey: inconclusive), the no-effect reference dashed, and the region the claim needs shaded.</p>
<div class="controls">
<input id="filter" type="search" placeholder="filter: id, paper, claim, numbers..." aria-label="filter claims">
<select id="verdict" aria-label="ci verdict"><option value="">every ci verdict</option>${options}</select>
<select id="family" aria-label="family"><option value="">every family</option>${families}</select>
<span id="count" class="muted"></span>
</div>
<div class="scroll"><table id="claims">
<thead><tr><th data-key="0">id</th><th>paper</th><th>claim</th><th data-key="3">ci</th><th data-key="4">full</th><th data-key="5">headline effect [95% CI]</th></tr></thead>
<tbody>
${body}
</tbody>
</table></div>`, 'assets');
}
