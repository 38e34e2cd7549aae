import { divideRounded, formatUsd, InvalidMoneyAmount, parseDecimal, parseUsd, picoToMicroUsd, sumPico } from './money';

describe('parseUsd', () => {
  it.each([
    ['0', 0n],
    ['0.15', 150_000_000_000n],
    ['2.50', 2_500_000_000_000n],
    ['12', 12_000_000_000_000n],
    ['0.01875', 18_750_000_000n],
    ['0.000000000001', 1n],
    ['1.123456789012', 1_123_456_789_012n],
    ['+3', 3_000_000_000_000n],
    ['-0', 0n],
  ])('reads %s exactly', (input, expected) => {
    expect(parseUsd(input)).toBe(expected);
  });

  it('reads a negative amount only when allowed', () => {
    expect(parseUsd('-1.5', { allowNegative: true })).toBe(-1_500_000_000_000n);
    expect(() => parseUsd('-1.5')).toThrow(InvalidMoneyAmount);
  });

  it.each(['', ' 1', '1 ', '1.', '.5', '1e3', '0x10', '1,000', 'abc', '1.2.3', 'NaN', '--1', '0.0000000000001'])('rejects %j', (input) => {
    expect(() => parseUsd(input)).toThrow(InvalidMoneyAmount);
  });

  it('rejects a non-string at runtime', () => {
    expect(() => parseUsd(1.5 as unknown as string)).toThrow(InvalidMoneyAmount);
  });

  it('keeps the list price of one token an integer number of picodollars', () => {
    // $0.01875 per million tokens = 18_750 pico per token.
    expect(parseUsd('0.01875') / 1_000_000n).toBe(18_750n);
    expect(parseUsd('0.01875') % 1_000_000n).toBe(0n);
  });
});

describe('parseDecimal', () => {
  it('returns units and scale', () => {
    expect(parseDecimal('12.340', { maxDecimals: 6 })).toEqual({ units: 12_340n, scale: 3 });
  });
  it('enforces the decimal limit', () => {
    expect(() => parseDecimal('0.1234567', { maxDecimals: 6 })).toThrow(/more than 6 decimals/);
  });
});

describe('formatUsd', () => {
  it.each([
    [0n, 6, '0.000000'],
    [1_500_000n, 6, '0.000002'],
    [1_499_999n, 6, '0.000001'],
    [-1_500_000n, 6, '-0.000002'],
    [-1_499_999n, 6, '-0.000001'],
    [-1n, 6, '0.000000'],
    [2_500_000_000_000n, 2, '2.50'],
    [2_505_000_000_000n, 2, '2.51'],
    [-2_505_000_000_000n, 2, '-2.51'],
    [2_504_999_999_999n, 2, '2.50'],
    [999_999_999_999_999n, 0, '1000'],
    [500_000_000_000n, 0, '1'],
    [123n, 12, '0.000000000123'],
    [12_345_678_000_000_000n, 3, '12345.678'],
  ])('formats %p with %p decimals as %s', (pico, decimals, expected) => {
    expect(formatUsd(pico, decimals)).toBe(expected);
  });

  it('defaults to 6 decimals', () => {
    expect(formatUsd(150_000_000_000n)).toBe('0.150000');
  });

  it.each([-1, 13, 1.5])('rejects %p decimals', (decimals) => {
    expect(() => formatUsd(1n, decimals)).toThrow(RangeError);
  });

  it.each(['0.000000000001', '1.000000000000', '123.456789012345', '-0.000000000007'])('round-trips %s at 12 decimals', (text) => {
    expect(formatUsd(parseUsd(text, { allowNegative: true }), 12)).toBe(text);
  });
});

describe('picoToMicroUsd', () => {
  it.each([
    [0n, 0n],
    [499_999n, 0n],
    [500_000n, 1n],
    [1_500_000n, 2n],
    [2_500_000n, 3n],
    [-500_000n, 0n],
    [-500_001n, -1n],
    [150_000_000_000n, 150_000n],
  ])('converts %p pico to %p micro-dollars (half up)', (pico, micro) => {
    expect(picoToMicroUsd(pico)).toBe(micro);
  });
});

describe('divideRounded', () => {
  it.each([
    [7n, 2n, 'floor', 3n],
    [7n, 2n, 'ceil', 4n],
    [7n, 2n, 'half-up', 4n],
    [-7n, 2n, 'half-up', -3n],
    [-7n, 2n, 'half-away-from-zero', -4n],
    [-7n, 2n, 'floor', -4n],
    [-7n, 2n, 'ceil', -3n],
    [7n, -2n, 'half-away-from-zero', -4n],
    [5n, 3n, 'half-up', 2n],
    [4n, 3n, 'half-up', 1n],
    [6n, 3n, 'ceil', 2n],
  ] as const)('%p / %p rounded %s is %p', (n, d, mode, expected) => {
    expect(divideRounded(n, d, mode)).toBe(expected);
  });

  it('refuses division by zero', () => {
    expect(() => divideRounded(1n, 0n, 'floor')).toThrow(RangeError);
  });
});

describe('sumPico', () => {
  it('adds exactly where floats drift', () => {
    const tenth = parseUsd('0.1');
    expect(sumPico(Array.from({ length: 10 }, () => tenth))).toBe(parseUsd('1'));
    expect(sumPico([])).toBe(0n);
    expect(sumPico(new Set([1n, 2n, -3n]))).toBe(0n);
  });
});
