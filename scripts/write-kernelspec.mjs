// Writes the tslab kernelspec (atomically): node_modules/tslab is looked up from the kernel's working
// directory upwards, then in $NOISELAB_TSLAB (`noiselab run` sets it to its own checkout's tslab, so a
// notebook outside any checkout runs on the runner's tslab), then the path given (the checkout that last
// ran setup; it may have been deleted since).
import { renameSync, writeFileSync } from 'node:fs';

const [file, fallback] = process.argv.slice(2);
const launcher = `const p = require("path"), f = require("fs");
let d = process.cwd(), t = ${JSON.stringify(fallback)};
for (;;) {
  const c = p.join(d, "node_modules", "tslab", "bin", "tslab");
  if (f.existsSync(c)) { t = c; break; }
  const u = p.dirname(d);
  if (u === d) break;
  d = u;
}
if (d === p.dirname(d) && process.env.NOISELAB_TSLAB && f.existsSync(process.env.NOISELAB_TSLAB)) t = process.env.NOISELAB_TSLAB;
if (!f.existsSync(t)) { console.error("tslab not found: no node_modules/tslab above " + process.cwd() + " and " + t + " is gone; run npm run setup in a noiselab checkout"); process.exit(1); }
process.argv.splice(1, 0, t);
require(t);`;
const spec = {
  argv: [process.execPath, '-e', launcher, 'kernel', '--config-path', '{connection_file}'],
  display_name: 'TypeScript (noiselab)',
  language: 'typescript',
};
writeFileSync(`${file}.tmp`, JSON.stringify(spec, null, 2) + '\n');
renameSync(`${file}.tmp`, file);
