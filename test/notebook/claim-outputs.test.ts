/** What a claim notebook showed: its one result, and as the claim's figures only those shown after it. */
import { describe, expect, it } from 'vitest';
import { RESULT_MIME } from '../../src/claims/display.js';
import { claimOutputs } from '../../src/claims/notebook-claim.js';
import { PLOTLY_MIME } from '../../src/figures/mime.js';
import type { Notebook } from '../../src/notebook/nbformat.js';

const figure = (title: string) => ({ output_type: 'display_data', metadata: {}, data: { [PLOTLY_MIME]: { data: [], layout: { title } } } });
const cell = (...outputs: unknown[]) => ({ cell_type: 'code', source: '', metadata: {}, outputs });

describe('claimOutputs', () => {
  it('takes the figures shown after the result, not those of the method cells before it', () => {
    const nb = {
      nbformat: 4, nbformat_minor: 5, metadata: {},
      cells: [
        cell(figure('a method demo')),
        cell({ output_type: 'display_data', metadata: {}, data: { [RESULT_MIME]: { verdict: { status: 'reproduced' }, rows: [] } } }),
        cell(figure('claim figure 1'), figure('claim figure 2')),
      ],
    } as unknown as Notebook;
    const { shown, figures } = claimOutputs(nb);
    expect(shown).toHaveLength(1);
    expect(figures.map((f) => (f.layout as { title: string }).title)).toEqual(['claim figure 1', 'claim figure 2']);
  });

  it('has no claim figures when no result was shown', () => {
    const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell(figure('a method demo'))] } as unknown as Notebook;
    expect(claimOutputs(nb)).toEqual({ shown: [], figures: [] });
  });
});
