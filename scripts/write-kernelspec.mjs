// Writes a kernelspec (atomically): node write-kernelspec.mjs noiselab|tslab <kernel.json> <fallback entry>.
// The launcher looks for the entry (node_modules/noiselab/dist/kernel/main.js, or tslab's bin) from the
// kernel's working directory upwards, then in $NOISELAB_KERNEL_HOME (`noiselab run` sets it to its own
// checkout, so a notebook outside any checkout runs on the runner's kernel), then at the fallback given
// (the checkout that last ran setup; it may have been deleted since).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [kind, file, fallback] = process.argv.slice(2);
const kinds = {
  noiselab: { entry: ['noiselab', 'dist', 'kernel', 'main.js'], env: 'NOISELAB_KERNEL_HOME', flags: ['--experimental-import-meta-resolve'], args: ['{connection_file}'], display: 'TypeScript (noiselab)', interrupt: 'message' },
  tslab: { entry: ['tslab', 'bin', 'tslab'], env: 'NOISELAB_TSLAB', flags: [], args: ['kernel', '--config-path', '{connection_file}'], display: 'TypeScript (tslab)', interrupt: 'signal' },
};
const k = kinds[kind];
if (!k || !file || !fallback) {
  console.error('usage: node scripts/write-kernelspec.mjs noiselab|tslab <kernel.json> <fallback entry>');
  process.exit(2);
}
const rel = JSON.stringify(k.entry);
// noiselab's front (CommonJS: bound sockets and kernel_info before any ES module loads), where the kernel
// found has one; the kernel (main.js) takes it, or starts its own (and reports a bad connection file)
const NOISELAB_START = `const front = p.join(p.dirname(t), "front.cjs");
let loadable = Promise.resolve();
if (f.existsSync(front)) try { loadable = require(front).startFront(process.argv.at(-1), p.dirname(t)).loadable(); } catch {}
loadable.then(() => import(require("url").pathToFileURL(t).href));`;
// in a block: the launcher's names must not become globals of the notebook's session
const launcher = `{
const p = require("path"), f = require("fs");
let d = process.cwd(), t = ${JSON.stringify(fallback)}, found = false;
for (;;) {
  const c = p.join(d, "node_modules", ...${rel});
  if (f.existsSync(c)) { t = c; found = true; break; }
  const u = p.dirname(d);
  if (u === d) break;
  d = u;
}
const home = process.env.${k.env};
if (!found && home && f.existsSync(home)) t = home;
if (!f.existsSync(t)) { console.error("${kind} kernel not found: no node_modules/" + ${rel}.join("/") + " above " + process.cwd() + " and " + t + " is gone; run npm run setup in a noiselab checkout"); process.exit(1); }
${kind === 'tslab' ? 'process.argv.splice(1, 0, t);\nrequire(t);' : NOISELAB_START}
}`;
// noiselab's native launcher (src/kernel/launcher.c, built by setup beside main.js), where there is one: it
// binds the sockets and answers kernel_info while Node starts, then becomes Node (the same process). Copied
// into the kernelspec's folder (atomically): the kernelspec outlives the checkout that wrote it. Used only
// if it runs from there (its usage message, exit 2): a folder that cannot run it must not stop the kernel.
const built = kind === 'noiselab' ? join(dirname(fallback), 'launcher') : null;
let native = [];
if (built && existsSync(built)) {
  const copy = join(dirname(file), 'launcher');
  const tmp = `${copy}.${process.pid}.tmp`;
  copyFileSync(built, tmp);
  chmodSync(tmp, 0o755);
  if (spawnSync(tmp, [], { stdio: 'ignore' }).status === 2) {
    renameSync(tmp, copy);
    native = [copy, fallback];
  } else {
    rmSync(tmp, { force: true });
    console.error(`the kernel's launcher does not run from ${dirname(file)}: the kernel starts on Node alone`);
  }
}
const spec = {
  argv: [...native, process.execPath, ...k.flags, '-e', launcher, ...k.args],
  display_name: k.display,
  language: 'typescript',
  interrupt_mode: k.interrupt,
  metadata: { debugger: false },
};
writeFileSync(`${file}.tmp`, JSON.stringify(spec, null, 2) + '\n');
renameSync(`${file}.tmp`, file);
