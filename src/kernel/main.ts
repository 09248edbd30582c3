/**
 * Entry point of the noiselab kernel: `node dist/kernel/main.js <connection file>` (the kernelspec that
 * `npm run setup` registers as "TypeScript (noiselab)" starts it in the notebook's folder). The sockets
 * are bound and kernel_info answered by the front (./front.cts), which the kernelspec's launcher starts
 * before this module loads; started here otherwise.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prestartChecker } from './checker.js';
import { startFront } from './front.cjs';

// the last argument: `node main.js <file>`, or the kernelspec's launcher (`node -e <find main.js> <file>`)
const file = process.argv.length > 1 ? process.argv.at(-1)! : '';
if (!file || file.endsWith('main.js')) {
  console.error('usage: node dist/kernel/main.js <connection file> (Jupyter passes {connection_file})');
  process.exit(2);
}
const fail = (why: string): never => {
  console.error(`noiselab kernel: cannot start from ${file}: ${why}`);
  process.exit(1);
};
try {
  const front = startFront(file, dirname(fileURLToPath(import.meta.url)));
  // the resident type checker, where one is needed, starts while the kernel's modules load
  prestartChecker();
  // a module that does not load is a fault of the installation: where it is matters
  const { KernelServer } = await import('./server.js').catch((e: Error) => fail(e.stack ?? e.message));
  await new KernelServer(front, process.cwd()).start();
} catch (e) {
  fail((e as Error).message);
}
