import { LEDGER_NAMESPACE, uuidV5 } from './deterministic-id';

describe('uuidV5', () => {
  it('matches the RFC 9562 test vector (DNS namespace, "www.example.com")', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('is deterministic and sensitive to the name', () => {
    expect(uuidV5(LEDGER_NAMESPACE, 'a')).toBe(uuidV5(LEDGER_NAMESPACE, 'a'));
    expect(uuidV5(LEDGER_NAMESPACE, 'a')).not.toBe(uuidV5(LEDGER_NAMESPACE, 'b'));
    expect(uuidV5(LEDGER_NAMESPACE, 'a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('rejects a namespace that is not a UUID', () => {
    expect(() => uuidV5('ledger', 'a')).toThrow(RangeError);
  });
});
