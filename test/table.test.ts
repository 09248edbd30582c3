import { describe, expect, it } from 'vitest';
import { resultTable, summaryTable } from '../src/results/table.js';

describe('result tables', () => {
  const rows = [
    { seed: 1, arm: 'a', loss: 1, acc: 0.5, status: 'ok' },
    { seed: 2, arm: 'a', loss: 3, acc: 0.7, status: 'ok' },
    { seed: 1, arm: 'b', loss: 2, acc: 0.9, status: 'ok' },
  ];

  it('holds the rows', () => {
    const t = resultTable(rows);
    expect(t.numRows()).toBe(3);
    expect(t.columnNames()).toEqual(['seed', 'arm', 'loss', 'acc', 'status']);
  });

  it('summarises numeric columns per group', () => {
    const s = summaryTable(rows, 'arm').objects() as Record<string, number | string>[];
    const a = s.find((r) => r.arm === 'a')!;
    expect(a.n).toBe(2);
    expect(a.loss_mean).toBe(2);
    expect(a.loss_sd).toBeCloseTo(Math.SQRT2, 12);
    expect(a.acc_mean).toBeCloseTo(0.6, 12);
    expect(Object.keys(a)).not.toContain('status_mean');
    expect(() => summaryTable(rows, 'method')).toThrow(/no column 'method'/);
  });
});
