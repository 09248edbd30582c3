/**
 * Static images of plotly figures, drawn by plotly.js itself in headless Chromium (Debian's
 * `chromium`, driven through playwright-core; no browser download). One renderer keeps one browser
 * and one page with plotly.js loaded, so a batch of figures pays the start-up once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import type { Figure } from './plotly.js';

const require = createRequire(import.meta.url);

/** Flags for a root, offline, headless Chromium: without them it keeps dialing Google's hosts. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/** Chromium's executable: NOISELAB_CHROMIUM, else Debian's; null when there is none. */
export function chromiumPath(): string | null {
  const candidates = [process.env.NOISELAB_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** The plotly.js bundle that draws figures (the report site serves the same file). */
export function plotlyBundlePath(): string {
  return require.resolve('plotly.js-dist-min/plotly.min.js');
}

/** Starts headless Chromium (the one `chromiumPath` finds) through playwright-core; throws when none is installed. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no Chromium: install Debian\'s chromium (npm run setup does) or set NOISELAB_CHROMIUM');
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/** Size and pixel ratio of a PNG drawn by `FigureRenderer.png`. */
export interface ImageOptions {
  /** pixels; default: the figure's layout size, else 720 x 420 */
  width?: number;
  height?: number;
  /** device pixel ratio of the image (default 1) */
  scale?: number;
}

/**
 * Draws plotly figures as PNGs with plotly.js in one headless Chromium page, started on first use; `close` it
 * when done.
 */
export class FigureRenderer {
  private browser: Browser | null = null;
  private page: Page | null = null;
  private starting: Promise<Page> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  private async ready(): Promise<Page> {
    if (this.page) return this.page;
    this.starting ??= (async () => {
      this.browser = await launchChromium();
      const page = await this.browser.newPage();
      await page.setContent('<!doctype html><html><body><div id="fig"></div></body></html>');
      await page.addScriptTag({ content: readFileSync(plotlyBundlePath(), 'utf8') });
      this.page = page;
      return page;
    })();
    return this.starting;
  }

  /** The figure as PNG bytes. Calls are serialised: one page draws one figure at a time. */
  png(fig: Figure, opts: ImageOptions = {}): Promise<Buffer> {
    const run = this.queue.then(async () => {
      const page = await this.ready();
      const width = opts.width ?? Number(fig.layout.width ?? 720);
      const height = opts.height ?? Number(fig.layout.height ?? 420);
      const url = await page.evaluate(
        ({ f, o }) => (globalThis as any).Plotly.toImage({ data: f.data, layout: f.layout }, { format: 'png', ...o }) as Promise<string>,
        { f: fig, o: { width, height, scale: opts.scale ?? 1 } },
      );
      return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Closes the browser; a later `png` call starts a new one. */
  async close(): Promise<void> {
    const b = this.browser;
    this.browser = this.page = null;
    this.starting = null;
    await b?.close();
  }
}

let shared: FigureRenderer | null = null;

/**
 * A renderer shared by this process and closed when it exits (a notebook kernel keeps one browser
 * for all its figures); null when static images are off (NOISELAB_STATIC_FIGURES=off, which the
 * runner sets for kernels because it renders them itself) or there is no Chromium.
 */
export function sharedRenderer(): FigureRenderer | null {
  if (process.env.NOISELAB_STATIC_FIGURES === 'off' || !chromiumPath()) return null;
  if (!shared) {
    shared = new FigureRenderer();
    process.once('beforeExit', () => void shared?.close());
  }
  return shared;
}
