#!/usr/bin/env node
// The failed tests of vitest's JSON report, each with the head of its message, printed last by CI: what
// CI shows of a run is its tail, and a failure that cannot be read there cannot be mended.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'data/results/ci-tests.json';
const report = JSON.parse(readFileSync(file, 'utf8'));
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
const failed = [];
for (const t of report.testResults) {
  const name = t.name.replace(/^.*?\/test\//, 'test/');
  const tests = t.assertionResults.filter((a) => a.status === 'failed');
  for (const a of tests) failed.push({ name, title: a.fullName || a.title, message: (a.failureMessages ?? []).join('\n') });
  // a file that failed outside its tests (import, hooks, a crashed worker) has a message and no failed test
  if (!tests.length && t.status === 'failed') failed.push({ name, title: '(the file itself)', message: t.message ?? '' });
}
// errors outside any test file (an unhandled rejection in a worker): vitest fails the run and names none
if (!failed.length && report.success === false) failed.push({ name: '(the run)', title: `${report.numFailedTestSuites ?? 0} failed files, ${report.numFailedTests ?? 0} failed tests`, message: 'vitest reported the run as failed without a failed test: look for "Unhandled" errors above the time table' });
if (failed.length) {
  const lines = [`Failed (${failed.length}):`];
  for (const f of failed) {
    const msg = strip(f.message).split('\n').filter((l) => l.trim()).slice(0, 12).map((l) => `    ${l.slice(0, 300)}`);
    lines.push(`- ${f.name} > ${f.title}`, ...msg);
  }
  process.stdout.write(lines.join('\n') + '\n');
}
