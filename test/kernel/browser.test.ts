/**
 * The noiselab kernel in a real browser: Debian's classic Jupyter Notebook on 127.0.0.1, driven in
 * headless Chromium through playwright-core. A notebook's cells are run by the frontend's own code
 * (Jupyter.notebook, as a click on Run does) and their outputs read from the page: Out[n] of a value, an
 * error with the cell's own line, an arquero table as HTML, a plotly figure drawn, and an interrupted
 * training loop that stops (and leaves the kernel's variables readable).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from '../../src/figures/render.js';
import { listKernelSpecs } from '../../src/notebook/kernelspec.js';
import { projectRoot } from '../../src/util/paths.js';
import { tempDir } from '../helpers.js';

const notebookInstalled = spawnSync('/usr/bin/python3', ['-c', 'import notebook'], { encoding: 'utf8' }).status === 0;
const ready = notebookInstalled && Boolean(chromiumPath()) && listKernelSpecs().has('noiselab');

const freePort = () => new Promise<number>((ok) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => ok(port)); });
});

const CELLS = [
  '6 * 7',
  'const shown = 1;\nthrow new Error("boom on line two");',
  'import * as aq from "arquero";\naq.table({ seed: [1, 2], accuracy: [0.91, 0.93] })',
  'import { show, lineFigure } from "noiselab";\nawait show(lineFigure("a line", "x", "y", [{ name: "s", x: [1, 2, 3], y: [1, 4, 9] }]));',
  'import { train, mlp, sgd, moons, Rng } from "noiselab";\nlet steps = 0;\nconst model = mlp({ sizes: [2, 16, 2] }, new Rng(1));\nconst data = moons(200, 0.1, new Rng(2));',
  'await train({ model, data, transform: sgd(0.1), batchSize: 20, steps: 10_000_000, logEvery: 1, onLog: (s) => { if (steps === 0) console.log("training"); steps = s; }, rng: new Rng(3), progress: "silent" });',
  'steps',
  'for (let i = 0; i < 10000; i++) console.log(`line ${i}`);',
  'for (let i = 0; i < 10000; i++) { console.log(`async ${i}`); if (i % 1000 === 0) await new Promise((r) => setTimeout(r, 0)); }',
];

/**
 * Wait until cell i's execution is done: its execute_reply (shell) and its idle (iopub) both handled by the
 * frontend, as the kernel.js callbacks of the cell's own message record them. Not the prompt and
 * `kernel_busy`: the two channels reach the page unordered, so a reply can land while `kernel_busy` still
 * holds the previous cell's idle, before this cell's outputs.
 */
async function done(page: Page, i: number): Promise<void> {
  await page.waitForFunction((k) => {
    const nb = (globalThis as any).Jupyter.notebook;
    const id = nb.get_cell(k).last_msg_id;
    const callbacks = id ? nb.kernel.get_callbacks_for_msg(id) : undefined;
    return Boolean(callbacks?.shell_done && callbacks?.iopub_done);
  }, i, { timeout: 60_000 });
}

/** Run cell i as the Run button does and wait until it is done; returns the cell's output text and HTML. */
async function run(page: Page, i: number, opts: { wait?: boolean } = {}): Promise<{ text: string; html: string }> {
  await page.evaluate((k) => { const nb = (globalThis as any).Jupyter.notebook; nb.select(k); nb.execute_cells([k]); }, i);
  if (opts.wait === false) return { text: '', html: '' };
  await done(page, i);
  return page.evaluate((k) => {
    const el = (globalThis as any).Jupyter.notebook.get_cell(k).element[0] as any;
    // the outputs themselves, without the Out[n] prompts
    const outs = Array.from(el.querySelectorAll('.output_subarea')) as any[];
    return { text: outs.map((o) => o.innerText).join('\n'), html: outs.map((o) => o.innerHTML).join('\n') };
  }, i);
}

describe.skipIf(!ready && !process.env.CI)('the noiselab kernel in the classic Notebook, in Chromium', () => {
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  let url: string;
  const errors: string[] = [];

  beforeAll(async () => {
    expect(notebookInstalled, 'CI installs Debian\'s jupyter-notebook (npm run setup)').toBe(true);
    const dir = tempDir('noiselab-browser-');
    writeFileSync(join(dir, 'cells.ipynb'), JSON.stringify({
      nbformat: 4, nbformat_minor: 5,
      metadata: { kernelspec: { name: 'noiselab', display_name: 'TypeScript (noiselab)', language: 'typescript' } },
      cells: CELLS.map((source, i) => ({ id: `c${i}`, cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null })),
    }));
    const port = await freePort();
    const token = randomBytes(12).toString('hex');
    server = spawn('/usr/bin/python3', ['-m', 'notebook', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, `--NotebookApp.token=${token}`, `--notebook-dir=${dir}`, '--NotebookApp.open_browser=False', '--allow-root'], {
      // the notebook lives in a temporary folder: the kernel is this checkout's (and resolves noiselab from it)
      env: { ...process.env, NOISELAB_KERNEL_HOME: join(projectRoot(), 'dist', 'kernel', 'main.js') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    server.stderr!.on('data', (b: Buffer) => { log += b.toString(); });
    const started = Date.now();
    while (!log.includes(`127.0.0.1:${port}`)) {
      if (Date.now() - started > 30_000) throw new Error(`jupyter notebook did not start: ${log.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    url = `http://127.0.0.1:${port}/notebooks/cells.ipynb?token=${token}`;
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => {
      const nb = (globalThis as any).Jupyter?.notebook;
      return nb?.kernel?.info_reply?.status === 'ok' || (nb?.kernel?.is_connected?.() && nb?.kernel_busy === false);
    }, null, { timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
  });

  it('shows Out[n] for a value, an error with the cell\'s own line, a table as HTML and a drawn figure', async () => {
    const value = await run(page, 0);
    expect(value.text).toContain('42');
    const error = await run(page, 1);
    expect(error.text).toContain('boom on line two');
    expect(error.text).toMatch(/line 2/);
    const table = await run(page, 2);
    expect(table.html).toContain('<table');
    expect(table.text).toContain('0.93');
    await run(page, 3);
    await page.waitForFunction(() => {
      const el = (globalThis as any).Jupyter.notebook.get_cell(3).element[0] as any;
      return el.querySelector('.js-plotly-plot, .plotly, svg, img') !== null;
    }, null, { timeout: 30_000 });
  }, 120_000);

  it('delivers 10,000 lines printed as fast as possible, from synchronous and from asynchronous code, in order', async () => {
    for (const [cell, word] of [[7, 'line'], [8, 'async']] as const) {
      const lines = (await run(page, cell)).text.split('\n').filter((l) => l.startsWith(word));
      expect(lines.length, `cell ${cell}`).toBe(10000);
      expect(lines.every((l, i) => l === `${word} ${i}`), `cell ${cell} in order`).toBe(true);
    }
  }, 120_000);

  it('interrupts a training loop: the cell ends with KeyboardInterrupt, training stops, the variables stay', async () => {
    expect((await run(page, 4)).text).not.toContain('Error');
    await run(page, 5, { wait: false });
    // interrupt once training has begun (the cell's type check may take seconds on a loaded machine): its
    // outputs say so (not the cell's whole text, whose source contains the word)
    await page.waitForFunction(() => Array.from((globalThis as any).Jupyter.notebook.get_cell(5).element[0].querySelectorAll('.output_subarea'))
      .some((o: any) => o.innerText.includes('training')), null, { timeout: 60_000 });
    await page.waitForTimeout(500);
    await page.evaluate(() => (globalThis as any).Jupyter.notebook.kernel.interrupt());
    await page.waitForFunction(() => (globalThis as any).Jupyter.notebook.get_cell(5).element[0].innerText.includes('KeyboardInterrupt'), null, { timeout: 30_000 });
    // the interrupted cell's error aborts the requests queued behind it (stop_on_error, as ipykernel does):
    // the next cell goes once its reply and idle are in (a CI run that sent it at the KeyboardInterrupt
    // text got `steps` aborted, with no output)
    await done(page, 5);
    const first = Number((await run(page, 6)).text.match(/\d+/)?.[0]);
    await page.waitForTimeout(800);
    const second = Number((await run(page, 6)).text.match(/\d+/)?.[0]);
    expect(first).toBeGreaterThan(0);
    expect(second).toBe(first);
    expect(errors).toEqual([]);
  }, 120_000);
});
