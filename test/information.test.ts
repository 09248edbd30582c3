/** The binning estimator of the information plane, by hand. */
import { describe, expect, it } from 'vitest';
import { binKeys, informationPlane } from '../src/techniques/information/index.js';

describe('information plane by binning', () => {
  it('I(X;T) = H(T) and I(T;Y) = H(T) - H(T|Y) over equally likely inputs', () => {
    const y = [0, 0, 1, 1];
    expect(informationPlane(['a', 'b', 'c', 'd'], y)).toEqual({ ixt: 2, ity: 1 });
    expect(informationPlane(['a', 'a', 'a', 'a'], y)).toEqual({ ixt: 0, ity: 0 });
    expect(informationPlane(['a', 'a', 'b', 'b'], y)).toEqual({ ixt: 1, ity: 1 });
    // T that ignores the label: 1 bit about X, none about Y
    expect(informationPlane(['a', 'b', 'a', 'b'], y)).toEqual({ ixt: 1, ity: 0 });
  });

  it('bins each unit into equal bins over [lo, hi], clamping the ends', () => {
    expect(binKeys([-1, 0.05, 0.99, 1], 2, 4, -1, 1)).toEqual(['0,2', '3,3']);
    expect(binKeys([-5, 5], 1, 3, 0, 1)).toEqual(['0', '2']);
    expect(() => binKeys([0], 1, 3, 1, 1)).toThrow(/hi > lo/);
  });
});
