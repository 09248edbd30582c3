#!/usr/bin/env node
// Test files by wall time, slowest first, from vitest's JSON report (CI prints it so drift shows), with
// the claim tests' total against their budget (20 s each).
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'data/results/ci-tests.json';
const report = JSON.parse(readFileSync(file, 'utf8'));
const rows = report.testResults
  .map((t) => ({ file: t.name.replace(/^.*?\/test\//, 'test/'), sec: (t.endTime - t.startTime) / 1000, tests: t.assertionResults.length, failed: t.assertionResults.filter((a) => a.status === 'failed').length }))
  .sort((a, b) => b.sec - a.sec);
const claims = rows.filter((r) => r.file.startsWith('test/claims/') && !/leaks|harness/.test(r.file));
const total = rows.reduce((a, r) => a + r.sec, 0);
const lines = [
  '| test file | wall (s) | tests | failed |',
  '|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.file} | ${r.sec.toFixed(1)} | ${r.tests} | ${r.failed || ''} |`),
  '',
  `${rows.length} files, ${total.toFixed(0)} s of test-file time (files run two at a time); claim tests: ${claims.length}, ${claims.reduce((a, r) => a + r.sec, 0).toFixed(0)} s, ` +
    `${claims.filter((r) => r.sec > 20).length} over their 20 s budget (${claims.filter((r) => r.sec > 20).map((r) => r.file.replace(/^test\/claims\/|\.test\.ts$/g, '')).join(', ') || 'none'})`,
];
process.stdout.write(lines.join('\n') + '\n');
