/**
 * JSON that keeps NaN, Infinity and -Infinity. Plain JSON writes them as null, which arithmetic then
 * reads as 0: a seed measured in a worker process could turn an infinite error into a perfect score.
 * Non-finite numbers travel as {"$number": "Infinity"} and come back as numbers.
 */
const TAG = '$number';

export function stringifyExact(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? { [TAG]: String(v) } : v), indent);
}

export function parseExact(text: string): unknown {
  return JSON.parse(text, (_k, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof v[TAG] === 'string') return Number(v[TAG]);
    return v;
  });
}
