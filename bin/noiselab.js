#!/usr/bin/env node
// The CLI runs from the compiled library; `npm run setup` (or `npm run build`) creates dist/.
import { existsSync } from 'node:fs';
const entry = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('noiselab: dist/cli/index.js is missing; run `npm run setup` (or `npm run build`) first.');
  process.exit(2);
}
// output into a closed pipe (noiselab claims | head -1) ends quietly
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
// a terminating signal ends the process through 'exit', whose handlers kill the kernels and seed
// workers it started (a plain signal death would leave them running); `noiselab run` handles SIGINT itself
for (const [sig, code] of [['SIGTERM', 143], ['SIGHUP', 129], ['SIGINT', 130]]) {
  process.on(sig, () => {
    if (sig !== 'SIGINT' || process.listenerCount('SIGINT') === 1) process.exit(code);
  });
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
