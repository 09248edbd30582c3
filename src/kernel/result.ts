/** A cell's last value as a MIME bundle: tensors with shape, dtype and values; tables as HTML and text. */
import { inspect } from 'node:util';

interface TensorLike { shape: number[]; dtype: string; isDisposed?: boolean; toString(verbose?: boolean): string }
interface TableLike { numRows(): number; numCols(): number; toHTML(opts?: object): string; toMarkdown(opts?: object): string }

const isTensor = (v: unknown): v is TensorLike =>
  typeof v === 'object' && v !== null && Array.isArray((v as TensorLike).shape) && typeof (v as TensorLike).dtype === 'string' && 'dataId' in v;
const isTable = (v: unknown): v is TableLike =>
  typeof v === 'object' && v !== null && ['numRows', 'numCols', 'toHTML', 'toMarkdown'].every((k) => typeof (v as Record<string, unknown>)[k] === 'function');

export function resultBundle(value: unknown): Record<string, unknown> {
  if (isTensor(value)) {
    if (value.isDisposed) return { 'text/plain': `Tensor (disposed) shape [${value.shape}] ${value.dtype}` };
    return { 'text/plain': `Tensor shape [${value.shape}] ${value.dtype}\n${value.toString().replace(/^Tensor\n?/, '')}` };
  }
  if (isTable(value)) {
    const limit = 20;
    const more = value.numRows() > limit ? `\n(${value.numRows()} rows, ${limit} shown)` : '';
    return { 'text/html': value.toHTML({ limit }), 'text/plain': value.toMarkdown({ limit }) + more };
  }
  return { 'text/plain': inspect(value, { depth: 3, maxArrayLength: 100, breakLength: 100 }) };
}
