#!/usr/bin/env node
// The CLI runs from the compiled library; `npm run setup` (or `npm run build`) creates dist/.
import { existsSync } from 'node:fs';
const entry = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('noiselab: dist/cli/index.js is missing; run `npm run setup` (or `npm run build`) first.');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
