import { displayPrefix, generateVirtualKey, hashVirtualKey } from './virtual-key';

describe('virtual keys', () => {
  it('hashes a key to the hex SHA-256 the key directory stores (a changed hash would lock every key out)', () => {
    expect(hashVirtualKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('generates distinct keys with the sk-assay- prefix, shown by their first characters only', () => {
    const a = generateVirtualKey();
    expect(a).toMatch(/^sk-assay-[A-Za-z0-9_-]{43}$/);
    expect(generateVirtualKey()).not.toBe(a);
    expect(displayPrefix(a)).toBe(a.slice(0, 13));
  });
});
