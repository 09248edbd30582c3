/**
 * The report site in a real browser (Debian's Chromium, headless): built from a fresh results folder
 * (one claim through its notebook, one in-process), served over HTTP, checked for console errors,
 * drawn figures and a working filter; screenshots go to data/results/screenshots/ (CI keeps them).
 */
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunNotebooks } from '../../src/claims/notebook-claim.js';
import { loadClaims } from '../../src/claims/registry.js';
import { readRecords } from '../../src/results/records.js';
import { reproduce } from '../../src/claims/reproduce.js';
import { PLOTLY_MIME } from '../../src/figures/plotly.js';
import { chromiumPath, FigureRenderer, launchChromium } from '../../src/figures/render.js';
import { readNotebook } from '../../src/notebook/nbformat.js';
import { buildSite, type SiteSummary } from '../../src/report/site.js';
import { resultsDir } from '../../src/util/paths.js';
import { tempDir } from '../helpers.js';

const ready = Boolean(chromiumPath()) && canRunNotebooks();
const SHOTS = join(resultsDir(), 'screenshots');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };

function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
    if (!path.startsWith(root) || !existsSync(path) || statSync(path).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

describe.skipIf(!ready && !process.env.CI)('report site in headless Chromium', () => {
  let results: string;
  let site: SiteSummary;
  let server: Server;
  let base: string;
  let browser: Browser;
  let claims: number;

  beforeAll(async () => {
    expect(chromiumPath(), 'CI installs Debian chromium (npm run setup)').not.toBeNull();
    results = tempDir('noiselab-site-');
    const log = () => {};
    await reproduce({ ids: ['E1'], scale: 'smoke', outDir: results, workers: 1, log });
    await reproduce({ ids: ['A13'], scale: 'smoke', outDir: results, workers: 1, notebooks: false, log });
    const renderer = new FigureRenderer();
    try {
      site = await buildSite({ resultsDir: results, renderer });
    } finally {
      await renderer.close();
    }
    claims = (await loadClaims()).length;
    server = await serve(site.dir);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  /** Open a page, collecting console errors and uncaught exceptions. */
  async function open(path: string) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    await page.goto(base + path, { waitUntil: 'load' });
    return { page, errors };
  }

  it('leaves a PNG beside every figure of the executed notebook', () => {
    const nb = readNotebook(join(results, 'notebooks', 'smoke', 'e1-xor-grokking.ipynb'));
    const figs = nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data?.[PLOTLY_MIME]);
    expect(figs.length).toBeGreaterThan(0);
    for (const o of figs) expect(String(o.data!['image/png'] ?? '')).toMatch(/^iVBORw0KGgo/); // the PNG signature in base64
  });

  it('index: every claim in the table, no console errors, and the filters work', async () => {
    const { page, errors } = await open('/index.html');
    const rows = page.locator('#claims tbody tr');
    expect(await rows.count()).toBe(claims);
    expect(await page.locator('#count').textContent()).toBe(`${claims} of ${claims} claims`);
    await page.fill('#filter', 'xor');
    expect(await page.locator('#claims tbody tr:not([hidden])').count()).toBe(1);
    expect(await page.locator('#claims tbody tr:not([hidden]) td').first().textContent()).toBe('E1');
    await page.fill('#filter', '');
    // the index states the committed verdicts of record (smoke runs never are)
    const notRunAtCi = claims - new Set(readRecords().filter((r) => r.scale === 'ci').map((r) => r.id)).size;
    await page.selectOption('#verdict', 'not run');
    expect(await page.locator('#claims tbody tr:not([hidden])').count()).toBe(notRunAtCi);
    await page.selectOption('#verdict', '');
    await page.selectOption('#family', 'E');
    expect(await page.locator('#claims tbody tr:not([hidden])').count()).toBe((await loadClaims()).filter((c) => c.id.startsWith('E')).length);
    await page.selectOption('#family', '');
    expect(new URL(page.url()).search).toBe('');
    // sorting by id descending puts the last claim first; a forest plot per recorded headline effect
    await page.click('#claims th[data-key="0"]');
    await page.click('#claims th[data-key="0"]');
    expect(await page.locator('#claims tbody tr td').first().textContent()).toBe((await loadClaims()).at(-1)!.id);
    expect(await page.locator('#claims svg.forest').count()).toBe(new Set(readRecords().map((r) => r.id)).size);
    await page.screenshot({ path: join(SHOTS, 'report-index.png'), fullPage: false });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('is usable at 420 px: nothing scrolls the page sideways (wide tables scroll in place)', async () => {
    for (const path of ['/index.html', '/claims/E1.html']) {
      const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
      await page.goto(base + path, { waitUntil: 'load' });
      const overflow = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth);
      await page.screenshot({ path: join(SHOTS, `report-${path.includes('E1') ? 'claim-E1' : 'index'}-420.png`), fullPage: false });
      expect(overflow, `${path} at 420 px`).toBeLessThanOrEqual(420);
      await page.close();
    }
  });

  for (const id of ['E1', 'A13']) {
    it(`claim page ${id}: every figure drawn by plotly.js from the site's own copy, no console errors`, async () => {
      const { page, errors } = await open(`/claims/${id}.html`);
      const figures = page.locator('.plotly-figure');
      const n = await figures.count();
      expect(n).toBeGreaterThan(0);
      // (runs in the page: no DOM types in this project's compiler settings)
      await page.waitForFunction((k) => (globalThis as any).document.querySelectorAll('.plotly-figure[data-rendered="true"] .main-svg').length >= k, n, { timeout: 30_000 });
      for (let i = 0; i < n; i++) expect(await figures.nth(i).locator('.main-svg').count()).toBeGreaterThan(0);
      // plotly.js came from the site, not a CDN
      const scripts = await page.locator('script[src]').evaluateAll((s) => s.map((e) => (e as unknown as { src: string }).src));
      for (const s of scripts) expect(s.startsWith(base)).toBe(true);
      // static copies are there and load
      const images = page.locator('details.static img');
      expect(await images.count()).toBe(n);
      // it leads with the verdicts of record, links its notebook and rows, and lists its run history
      expect(await page.locator('h2').first().textContent()).toBe('Verdicts of record');
      expect(await page.locator(`a[download][href="${id.toLowerCase()}-${(await loadClaims()).find((c) => c.id === id)!.slug}.ipynb"]`).count()).toBe(1);
      expect(await page.locator('h2:has-text("Run history") + div table tbody tr').count()).toBeGreaterThan(0);
      await page.screenshot({ path: join(SHOTS, `report-claim-${id}.png`), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
