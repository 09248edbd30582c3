import { spawnSync } from 'node:child_process';
const variants = {
  'node -e': ['-e', 'process.stdout.write(String(process.hrtime.bigint()))'],
  'node --eimr -e': ['--experimental-import-meta-resolve', '-e', 'process.stdout.write(String(process.hrtime.bigint()))'],
  'node file.cjs': ['first.cjs'],
  'node --jitless file.cjs': ['--jitless', 'first.cjs'],
  'node --v8-options-lite': ['--max-lazy', 'first.cjs'],
};
for (const [name, args] of Object.entries(variants)) {
  const t = [];
  for (let i = 0; i < 41; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/node', args, { encoding: 'utf8' });
    if (!r.stdout) { t.push(NaN); continue; }
    t.push(Number(BigInt(r.stdout) - t0) / 1e6);
  }
  t.sort((a, b) => a - b);
  console.log(name.padEnd(28), 'median', t[20].toFixed(1), 'min', t[0].toFixed(1));
}
