import { describe, expect, it } from 'vitest';
import { parseExact, stringifyExact } from '../src/util/json-exact.js';

describe('exact JSON for worker results', () => {
  it('round-trips NaN and the infinities where plain JSON writes null', () => {
    const value = { z: [1.5, Infinity, -Infinity, NaN, 0], nested: { e: -Infinity, ok: 'x' }, n: null };
    expect(JSON.parse(JSON.stringify(value)).z).toEqual([1.5, null, null, null, 0]);
    const back = parseExact(stringifyExact(value)) as typeof value;
    expect(back.z).toEqual([1.5, Infinity, -Infinity, NaN, 0]);
    expect(back.nested).toEqual({ e: -Infinity, ok: 'x' });
    expect(back.n).toBeNull();
  });

  it('leaves objects that merely look like the tag alone unless they are exactly it', () => {
    expect(parseExact('{"$number": "Infinity", "other": 1}')).toEqual({ $number: 'Infinity', other: 1 });
    expect(parseExact('{"$number": 3}')).toEqual({ $number: 3 });
  });
});
