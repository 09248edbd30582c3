// Writes the tslab kernelspec (atomically): node_modules/tslab is looked up from the kernel's working
// directory upwards, falling back to the path given (this checkout's tslab).
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
process.argv.splice(1, 0, t);
require(t);`;
const spec = {
  argv: [process.execPath, '-e', launcher, 'kernel', '--config-path', '{connection_file}'],
  display_name: 'TypeScript (noiselab)',
  language: 'typescript',
};
writeFileSync(`${file}.tmp`, JSON.stringify(spec, null, 2) + '\n');
renameSync(`${file}.tmp`, file);
