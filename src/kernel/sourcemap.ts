/** Lines only, from a source map (v3): enough to put a cell's own line numbers in a stack trace. */

const B64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));

/** Decodes one base64 VLQ segment into its numbers. */
export function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64.get(ch);
    if (digit === undefined) throw new Error(`source map: bad VLQ character ${JSON.stringify(ch)}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** The last original line (1-based) any generated code maps to. */
export function maxOriginalLine(mapJson: string): number {
  const { mappings } = JSON.parse(mapJson) as { mappings: string };
  let original = 0;
  let max = 0;
  for (const seg of mappings.split(/[;,]/)) {
    if (!seg) continue;
    const v = decodeVlq(seg);
    if (v.length >= 4) max = Math.max(max, (original += v[2]) + 1);
  }
  return max;
}

/**
 * generated line (1-based) -> original line (1-based): the original line of the line's first mapped
 * segment; a line with none takes the nearest mapped line above it.
 */
export function lineMap(mapJson: string): (line: number) => number {
  const { mappings } = JSON.parse(mapJson) as { mappings: string };
  const byLine: number[] = [];
  let original = 0;
  let last = 1;
  for (const line of mappings.split(';')) {
    let first: number | null = null;
    for (const seg of line.split(',')) {
      if (!seg) continue;
      const v = decodeVlq(seg);
      if (v.length >= 4) {
        original += v[2];
        first ??= original + 1;
      }
    }
    last = first ?? last;
    byLine.push(last);
  }
  return (line) => byLine[Math.min(Math.max(line, 1), byLine.length) - 1] ?? line;
}
