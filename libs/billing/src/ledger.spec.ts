import {
  Accounts,
  adjustment,
  balanceOf,
  balances,
  ConflictingTransaction,
  CreditLedger,
  expiry,
  formatCredits,
  grant,
  InsufficientCredits,
  InvalidLedgerTransaction,
  ledgerEntryFromJson,
  ledgerEntryToJson,
  purchase,
  refund,
  transactionProblems,
  UNITS_PER_CREDIT,
  usageDebit,
  usageTransactionId,
  validateTransaction,
  type LedgerEntry,
  type LedgerTransaction,
} from './ledger';

const t0 = new Date('2026-01-01T00:00:00Z');
const credits = (n: number) => BigInt(n) * UNITS_PER_CREDIT;

describe('transaction builders', () => {
  it.each([
    ['grant', grant({ tenantId: 'acme', amount: 5n, grantId: 'trial', effectiveAt: t0 }), [Accounts.grants, -5n], [Accounts.available('acme'), 5n]],
    ['purchase', purchase({ tenantId: 'acme', amount: 5n, paymentReference: 'pi_1', effectiveAt: t0 }), [Accounts.sales, -5n], [Accounts.available('acme'), 5n]],
    ['usage', usageDebit({ tenantId: 'acme', requestId: 'req-1', amount: 5n, effectiveAt: t0 }), [Accounts.available('acme'), -5n], [Accounts.revenue, 5n]],
    ['refund', refund({ tenantId: 'acme', requestId: 'req-1', amount: 5n, effectiveAt: t0 }), [Accounts.refunds, -5n], [Accounts.available('acme'), 5n]],
    ['adjustment', adjustment({ tenantId: 'acme', amount: -5n, adjustmentId: 'adj-1', reason: 'double grant', effectiveAt: t0 }), [Accounts.adjustments, 5n], [Accounts.available('acme'), -5n]],
    ['expiry', expiry({ tenantId: 'acme', amount: 5n, expiryId: 'trial', effectiveAt: t0 }), [Accounts.available('acme'), -5n], [Accounts.expired('acme'), 5n]],
  ] as const)('%s moves credits between the documented accounts and balances to zero', (kind, tx, first, second) => {
    expect(tx.kind).toBe(kind);
    expect(tx.entries.map((e) => [e.account, e.amount])).toEqual([first, second]);
    expect(tx.entries.reduce((s, e) => s + e.amount, 0n)).toBe(0n);
    expect(transactionProblems(tx)).toEqual([]);
    for (const e of tx.entries) expect(e).toMatchObject({ transactionId: tx.transactionId, tenantId: 'acme', kind, effectiveAt: t0 });
  });

  it('derives the usage debit id from tenant and request, so a duplicate debit has the same ids', () => {
    const a = usageDebit({ tenantId: 'acme', requestId: 'req-1', amount: 5n, effectiveAt: t0 });
    const b = usageDebit({ tenantId: 'acme', requestId: 'req-1', amount: 5n, effectiveAt: t0 });
    expect(a.transactionId).toBe(usageTransactionId('acme', 'req-1'));
    expect(b.entries.map((e) => e.entryId)).toEqual(a.entries.map((e) => e.entryId));
    expect(a.entries[0].requestId).toBe('req-1');
    expect(usageTransactionId('acme', 'req-2')).not.toBe(a.transactionId);
    expect(usageTransactionId('globex', 'req-1')).not.toBe(a.transactionId);
  });

  it('keys each kind separately: a refund for a request is not its debit', () => {
    const debit = usageDebit({ tenantId: 'acme', requestId: 'req-1', amount: 5n, effectiveAt: t0 });
    const back = refund({ tenantId: 'acme', requestId: 'req-1', amount: 5n, effectiveAt: t0 });
    expect(back.transactionId).not.toBe(debit.transactionId);
    expect(refund({ tenantId: 'acme', requestId: 'req-1', refundId: 'r-2', amount: 1n, effectiveAt: t0 }).transactionId).not.toBe(back.transactionId);
  });

  it('records business references', () => {
    expect(purchase({ tenantId: 'acme', amount: 1n, paymentReference: 'pi_1', effectiveAt: t0 }).entries[0].reference).toBe('pi_1');
    expect(adjustment({ tenantId: 'acme', amount: 1n, adjustmentId: 'a', reason: 'goodwill', effectiveAt: t0 }).entries[1].reference).toBe('goodwill');
  });

  it.each([
    () => grant({ tenantId: 'acme', amount: 0n, grantId: 'g', effectiveAt: t0 }),
    () => purchase({ tenantId: 'acme', amount: -1n, paymentReference: 'p', effectiveAt: t0 }),
    () => usageDebit({ tenantId: 'acme', requestId: 'r', amount: 0n, effectiveAt: t0 }),
    () => usageDebit({ tenantId: 'acme', requestId: '', amount: 1n, effectiveAt: t0 }),
    () => refund({ tenantId: 'acme', amount: 1n, effectiveAt: t0 }),
    () => adjustment({ tenantId: 'acme', amount: 0n, adjustmentId: 'a', reason: 'x', effectiveAt: t0 }),
    () => adjustment({ tenantId: 'acme', amount: 1n, adjustmentId: 'a', reason: '  ', effectiveAt: t0 }),
    () => expiry({ tenantId: 'acme', amount: 0n, expiryId: 'e', effectiveAt: t0 }),
    () => grant({ tenantId: 'ac:me', amount: 1n, grantId: 'g', effectiveAt: t0 }),
    () => grant({ tenantId: '', amount: 1n, grantId: 'g', effectiveAt: t0 }),
    () => grant({ tenantId: 'acme', amount: 1n, grantId: 'g', effectiveAt: new Date('x') }),
  ])('refuses an invalid movement (%#)', (build) => {
    expect(build).toThrow(InvalidLedgerTransaction);
  });
});

describe('validateTransaction', () => {
  const good = grant({ tenantId: 'acme', amount: 5n, grantId: 'g', effectiveAt: t0 });
  const tamper = (change: (entries: LedgerEntry[]) => LedgerEntry[], tx: Partial<LedgerTransaction> = {}): LedgerTransaction => ({
    ...good,
    ...tx,
    entries: change(good.entries.map((e) => ({ ...e }))),
  });

  it.each([
    ['an empty transaction', tamper(() => []), /at least two entries/],
    ['a single entry', tamper((es) => es.slice(0, 1)), /at least two entries/],
    ['an unbalanced transaction', tamper((es) => [es[0], { ...es[1], amount: 6n }]), /sum to 1/],
    ['a zero amount', tamper((es) => [...es, { ...es[1], entryId: 'z', amount: 0n }]), /amount is zero/],
    ['two tenants', tamper((es) => [es[0], { ...es[1], tenantId: 'globex', account: Accounts.available('globex') }]), /one tenant/],
    ['another tenant’s account', tamper((es) => [es[0], { ...es[1], account: Accounts.available('globex') }]), /another tenant/],
    ['an unknown account', tamper((es) => [es[0], { ...es[1], account: 'platform:cash' as never }]), /unknown account/],
    ['a foreign entry', tamper((es) => [es[0], { ...es[1], transactionId: 'other' }]), /belongs to transaction/],
    ['a mixed kind', tamper((es) => [es[0], { ...es[1], kind: 'purchase' }]), /kind/],
    ['a duplicate entry id', tamper((es) => [es[0], { ...es[1], entryId: es[0].entryId }]), /duplicate entry id/],
    ['mixed times', tamper((es) => [es[0], { ...es[1], effectiveAt: new Date(0) }]), /effectiveAt/],
  ])('rejects %s', (_name, tx, message) => {
    expect(() => validateTransaction(tx)).toThrow(InvalidLedgerTransaction);
    expect(transactionProblems(tx).join('; ')).toMatch(message);
  });
});

describe('balances', () => {
  it('derives every balance from entries, and all balances sum to zero', () => {
    const txs = [
      grant({ tenantId: 'acme', amount: credits(10), grantId: 'trial', effectiveAt: t0 }),
      purchase({ tenantId: 'acme', amount: credits(100), paymentReference: 'pi_1', effectiveAt: t0 }),
      usageDebit({ tenantId: 'acme', requestId: 'r1', amount: 1_500_000n, effectiveAt: t0 }),
      refund({ tenantId: 'acme', requestId: 'r1', amount: 500_000n, effectiveAt: t0 }),
      expiry({ tenantId: 'acme', amount: credits(5), expiryId: 'trial', effectiveAt: t0 }),
      grant({ tenantId: 'globex', amount: credits(1), grantId: 'trial', effectiveAt: t0 }),
    ];
    const entries = txs.flatMap((t) => t.entries);
    const b = balances(entries);
    expect(b.get(Accounts.available('acme'))).toBe(credits(104));
    expect(b.get(Accounts.expired('acme'))).toBe(credits(5));
    expect(b.get(Accounts.revenue)).toBe(1_500_000n);
    expect(b.get(Accounts.refunds)).toBe(-500_000n);
    expect(b.get(Accounts.sales)).toBe(-credits(100));
    expect(b.get(Accounts.grants)).toBe(-credits(11));
    expect([...b.values()].reduce((s, v) => s + v, 0n)).toBe(0n);
    expect(balanceOf(entries, Accounts.available('globex'))).toBe(credits(1));
    expect(balanceOf(entries, Accounts.available('nobody'))).toBe(0n);
  });
});

describe('CreditLedger', () => {
  it('posts a transaction once and treats an identical repost as a duplicate', () => {
    const ledger = new CreditLedger();
    const tx = purchase({ tenantId: 'acme', amount: 10n, paymentReference: 'pi_1', effectiveAt: t0 });
    expect(ledger.post(tx)).toBe('posted');
    expect(ledger.post(purchase({ tenantId: 'acme', amount: 10n, paymentReference: 'pi_1', effectiveAt: t0 }))).toBe('duplicate');
    expect(ledger.entries()).toHaveLength(2);
    expect(ledger.balance(Accounts.available('acme'))).toBe(10n);
    expect(ledger.has(tx.transactionId)).toBe(true);
  });

  it('charges a request once when its debit is redelivered', () => {
    const ledger = new CreditLedger();
    ledger.post(grant({ tenantId: 'acme', amount: 100n, grantId: 'g', effectiveAt: t0 }));
    for (let i = 0; i < 3; i++) ledger.post(usageDebit({ tenantId: 'acme', requestId: 'req-7', amount: 30n, effectiveAt: t0 }));
    expect(ledger.balance(Accounts.available('acme'))).toBe(70n);
  });

  it('refuses a reused id with different content', () => {
    const ledger = new CreditLedger();
    ledger.post(usageDebit({ tenantId: 'acme', requestId: 'req-1', amount: 30n, effectiveAt: t0 }));
    expect(() => ledger.post(usageDebit({ tenantId: 'acme', requestId: 'req-1', amount: 31n, effectiveAt: t0 }))).toThrow(ConflictingTransaction);
  });

  it('lets usage overdraw (it already happened) but nothing else', () => {
    const ledger = new CreditLedger();
    ledger.post(grant({ tenantId: 'acme', amount: 10n, grantId: 'g', effectiveAt: t0 }));
    expect(ledger.post(usageDebit({ tenantId: 'acme', requestId: 'r', amount: 15n, effectiveAt: t0 }))).toBe('posted');
    expect(ledger.balance(Accounts.available('acme'))).toBe(-5n);
    expect(() => ledger.post(expiry({ tenantId: 'acme', amount: 1n, expiryId: 'e', effectiveAt: t0 }))).toThrow(InsufficientCredits);
    expect(() => ledger.post(adjustment({ tenantId: 'acme', amount: -1n, adjustmentId: 'a', reason: 'fix', effectiveAt: t0 }))).toThrow(InsufficientCredits);
    expect(ledger.post(purchase({ tenantId: 'acme', amount: 5n, paymentReference: 'p', effectiveAt: t0 }))).toBe('posted');
    expect(ledger.balance(Accounts.available('acme'))).toBe(0n);
  });

  it('rejects an invalid transaction before appending anything', () => {
    const ledger = new CreditLedger();
    const tx = grant({ tenantId: 'acme', amount: 10n, grantId: 'g', effectiveAt: t0 });
    expect(() => ledger.post({ ...tx, entries: tx.entries.slice(0, 1) })).toThrow(InvalidLedgerTransaction);
    expect(ledger.entries()).toHaveLength(0);
  });
});

describe('ledger entry JSON', () => {
  it('round-trips with amounts as strings', () => {
    const tx = usageDebit({ tenantId: 'acme', requestId: 'req-1', amount: 12_345_678_901_234_567_890n, effectiveAt: t0 });
    const json = tx.entries.map(ledgerEntryToJson);
    expect(json[0].amount).toBe('-12345678901234567890');
    expect(json[0].effectiveAt).toBe('2026-01-01T00:00:00.000Z');
    expect(JSON.parse(JSON.stringify(json)).map(ledgerEntryFromJson)).toEqual(tx.entries);
  });

  it('rejects malformed amounts and accounts', () => {
    const [json] = grant({ tenantId: 'acme', amount: 1n, grantId: 'g', effectiveAt: t0 }).entries.map(ledgerEntryToJson);
    expect(() => ledgerEntryFromJson({ ...json, amount: '1.5' })).toThrow(InvalidLedgerTransaction);
    expect(() => ledgerEntryFromJson({ ...json, account: 'bank' as never })).toThrow(InvalidLedgerTransaction);
  });
});

describe('formatCredits', () => {
  it('writes micro-units as the decimal credits the API takes, exactly', () => {
    expect([100_000_000n, 1_500_000n, 1n, 0n, -250n, -2_500_000n, 12_345_678_901_234_567_890n].map(formatCredits)).toEqual([
      '100', '1.5', '0.000001', '0', '-0.00025', '-2.5', '12345678901234.56789',
    ]);
  });
});
