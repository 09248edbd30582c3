import { describe, expect, it } from 'vitest';
import { formatCell, renderTable, resultTable, summaryTable } from '../src/results/table.js';

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

describe('tables as a reader sees them', () => {
  it('round numbers to what they mean, leave missing cells empty, and render HTML and aligned text', () => {
    expect(formatCell(0.19999999999999996)).toBe('0.2');
    expect(formatCell(12345.678)).toBe('12350');
    expect(formatCell(3)).toBe('3');
    expect(formatCell(2.5e-5)).toBe('2.500e-5');
    expect(formatCell(undefined)).toBe('');
    expect(formatCell(null)).toBe('');
    expect(formatCell(NaN)).toBe('NaN');
    const t = renderTable([{ arm: 'a<b', acc: 0.83333333 }, { arm: 'c', acc: 0.5, extra: true }], { limit: 1 });
    expect(t.html).toBe('<table class="noiselab-table"><thead><tr><th>arm</th><th>acc</th><th>extra</th></tr></thead><tbody><tr><td>a&lt;b</td><td style="text-align:right">0.8333</td><td style="text-align:right"></td></tr></tbody></table><p>1 more rows (of 2)</p>');
    expect(t.text.split('\n')).toEqual(['arm     acc  extra', '---  ------  -----', 'a<b  0.8333', '1 more rows (of 2)']);
    expect(t.html).not.toMatch(/_names|_data|undefined/);
  });
});
