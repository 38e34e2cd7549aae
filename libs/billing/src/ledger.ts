// The credits ledger: double-entry and append-only. Every movement of credits is a transaction of
// two or more entries whose amounts sum to zero; nothing is ever updated or deleted (a mistake is
// corrected by a new adjustment or refund transaction), and balances are DERIVED from entries,
// never stored on their own. Pure: the billing service persists entries (unique on entry_id and
// transaction_id) and publishes them on assay.ledger.entry.v1.
//
// Unit: bigint credit micro-units. 1 credit = 1_000_000 units, so fractional credits (a cheap
// request costs 0.000375 credits) are exact integers and never floats.
//
// Chart of accounts (balance = sum of amounts; the sum over ALL accounts is always zero):
//
//   account                    what it holds                                         normal sign
//   tenant:<id>:available      credits the tenant can spend (the customer balance)   ≥ 0 (usage may overdraw by the lease bound)
//   tenant:<id>:expired        the tenant's credits that expired unused (breakage)   ≥ 0
//   platform:revenue           credits consumed by metered usage                     ≥ 0
//   platform:sales             credits sold (purchases)                              ≤ 0
//   platform:grants            credits given away (trials, promotions, goodwill)     ≤ 0
//   platform:refunds           credits given back for failed or disputed usage       ≤ 0 (contra-revenue)
//   platform:adjustments       manual corrections, either direction                  any
//
// Transactions (debit side → credit side, amount a > 0):
//   grant       platform:grants −a        tenant:available +a
//   purchase    platform:sales −a         tenant:available +a
//   usage       tenant:available −a       platform:revenue +a     (one per customer request)
//   refund      platform:refunds −a       tenant:available +a
//   adjustment  platform:adjustments −a   tenant:available +a     (a may be negative: a correction down)
//   expiry      tenant:available −a       tenant:<id>:expired +a   (what an expiring grant or purchase left unused: credit-lots.ts)
//
// Ids are deterministic (uuid v5 of kind + tenant + business key), so a retried command builds the
// same transaction and entry ids; persisting it twice is detectable and harmless.
import { LEDGER_NAMESPACE, uuidV5 } from './deterministic-id';

/** bigint credit micro-units; 1 credit = UNITS_PER_CREDIT. */
export type CreditUnits = bigint;
export const UNITS_PER_CREDIT = 1_000_000n;

/** Units as a decimal string of credits, as the API takes them: 1_500_000n → "1.5", -250n → "-0.00025". */
export function formatCredits(units: CreditUnits): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const fraction = (abs % UNITS_PER_CREDIT).toString().padStart(6, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${abs / UNITS_PER_CREDIT}${fraction ? '.' + fraction : ''}`;
}

export type TenantAccount = `tenant:${string}:available` | `tenant:${string}:expired`;
export type PlatformAccount = 'platform:revenue' | 'platform:sales' | 'platform:grants' | 'platform:refunds' | 'platform:adjustments';
export type Account = TenantAccount | PlatformAccount;

export const PLATFORM_ACCOUNTS: readonly PlatformAccount[] = [
  'platform:revenue',
  'platform:sales',
  'platform:grants',
  'platform:refunds',
  'platform:adjustments',
];

export const Accounts = {
  available: (tenantId: string): TenantAccount => `tenant:${checkTenantId(tenantId)}:available`,
  expired: (tenantId: string): TenantAccount => `tenant:${checkTenantId(tenantId)}:expired`,
  revenue: 'platform:revenue',
  sales: 'platform:sales',
  grants: 'platform:grants',
  refunds: 'platform:refunds',
  adjustments: 'platform:adjustments',
} as const;

export type EntryKind = 'grant' | 'purchase' | 'usage' | 'refund' | 'adjustment' | 'expiry';

export interface LedgerEntry {
  entryId: string;
  transactionId: string;
  account: Account;
  /** Signed credit micro-units; the entries of one transaction sum to zero. */
  amount: CreditUnits;
  kind: EntryKind;
  tenantId: string;
  requestId?: string;
  /** Business reference: payment id, grant id, adjustment reason … */
  reference?: string;
  effectiveAt: Date;
}

export interface LedgerTransaction {
  transactionId: string;
  kind: EntryKind;
  tenantId: string;
  effectiveAt: Date;
  entries: readonly LedgerEntry[];
}

export class InvalidLedgerTransaction extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid ledger transaction: ${issues.join('; ')}`);
    this.name = 'InvalidLedgerTransaction';
  }
}

/** Tenant ids become part of account names, so they may not contain ':' or whitespace. */
const TENANT_ID = /^[^\s:]+$/;

/** A tenant id the ledger accepts: non-empty, no whitespace, no ':' (it is part of account names). */
export function isValidTenantId(tenantId: string): boolean {
  return TENANT_ID.test(tenantId);
}

function checkTenantId(tenantId: string): string {
  if (!TENANT_ID.test(tenantId)) throw new InvalidLedgerTransaction([`invalid tenant id ${JSON.stringify(tenantId)}`]);
  return tenantId;
}

/** The transaction id of a kind of movement for a tenant and business key. */
export function ledgerTransactionId(kind: EntryKind, tenantId: string, key: string): string {
  if (key.length === 0) throw new InvalidLedgerTransaction([`${kind}: the idempotency key is empty`]);
  return uuidV5(LEDGER_NAMESPACE, `${kind}:${checkTenantId(tenantId)}:${key}`);
}

/**
 * The id of the ONE usage debit a customer request may have: uuid v5 of "usage:<tenant>:<requestId>".
 * Check for it before debiting, or let the unique constraint on transaction_id reject the repeat.
 */
export function usageTransactionId(tenantId: string, requestId: string): string {
  return ledgerTransactionId('usage', tenantId, requestId);
}

export function entryId(transactionId: string, index: number): string {
  return uuidV5(LEDGER_NAMESPACE, `${transactionId}#${index}`);
}

interface Leg {
  account: Account;
  amount: CreditUnits;
}

interface TransactionSpec {
  kind: EntryKind;
  tenantId: string;
  key: string;
  effectiveAt: Date;
  legs: Leg[];
  requestId?: string;
  reference?: string;
}

function transaction(spec: TransactionSpec): LedgerTransaction {
  const transactionId = ledgerTransactionId(spec.kind, spec.tenantId, spec.key);
  const entries = spec.legs.map(
    (leg, index): LedgerEntry => ({
      entryId: entryId(transactionId, index),
      transactionId,
      account: leg.account,
      amount: leg.amount,
      kind: spec.kind,
      tenantId: spec.tenantId,
      ...(spec.requestId === undefined ? {} : { requestId: spec.requestId }),
      ...(spec.reference === undefined ? {} : { reference: spec.reference }),
      effectiveAt: spec.effectiveAt,
    }),
  );
  const tx: LedgerTransaction = { transactionId, kind: spec.kind, tenantId: spec.tenantId, effectiveAt: spec.effectiveAt, entries };
  validateTransaction(tx);
  return tx;
}

function positive(amount: CreditUnits, what: string): CreditUnits {
  if (amount <= 0n) throw new InvalidLedgerTransaction([`${what}: amount must be positive, got ${amount}`]);
  return amount;
}

/** Free credits (trial, promotion, goodwill). `grantId` makes it idempotent. */
export function grant(p: { tenantId: string; amount: CreditUnits; grantId: string; effectiveAt: Date; reference?: string }): LedgerTransaction {
  const a = positive(p.amount, 'grant');
  return transaction({
    kind: 'grant',
    tenantId: p.tenantId,
    key: p.grantId,
    effectiveAt: p.effectiveAt,
    reference: p.reference ?? p.grantId,
    legs: [
      { account: Accounts.grants, amount: -a },
      { account: Accounts.available(p.tenantId), amount: a },
    ],
  });
}

/** Credits bought; keyed by the payment reference so a replayed payment webhook credits once. */
export function purchase(p: { tenantId: string; amount: CreditUnits; paymentReference: string; effectiveAt: Date }): LedgerTransaction {
  const a = positive(p.amount, 'purchase');
  return transaction({
    kind: 'purchase',
    tenantId: p.tenantId,
    key: p.paymentReference,
    effectiveAt: p.effectiveAt,
    reference: p.paymentReference,
    legs: [
      { account: Accounts.sales, amount: -a },
      { account: Accounts.available(p.tenantId), amount: a },
    ],
  });
}

/**
 * The charge for one customer request (however many upstream attempts it took). Its id is
 * usageTransactionId(tenantId, requestId): a second debit for the same request has the same id.
 * A request that costs 0 credits gets no transaction (amount must be positive).
 */
export function usageDebit(p: { tenantId: string; requestId: string; amount: CreditUnits; effectiveAt: Date }): LedgerTransaction {
  const a = positive(p.amount, 'usage');
  return transaction({
    kind: 'usage',
    tenantId: p.tenantId,
    key: p.requestId,
    effectiveAt: p.effectiveAt,
    requestId: p.requestId,
    legs: [
      { account: Accounts.available(p.tenantId), amount: -a },
      { account: Accounts.revenue, amount: a },
    ],
  });
}

/**
 * Credits given back to the tenant's balance. With only `requestId`, the key is the request, so a
 * request is refunded at most once; pass `refundId` for several partial refunds.
 */
export function refund(p: { tenantId: string; amount: CreditUnits; requestId?: string; refundId?: string; effectiveAt: Date; reference?: string }): LedgerTransaction {
  const a = positive(p.amount, 'refund');
  const key = p.refundId ?? (p.requestId === undefined ? undefined : `request:${p.requestId}`);
  if (key === undefined) throw new InvalidLedgerTransaction(['refund: needs a refundId or a requestId']);
  return transaction({
    kind: 'refund',
    tenantId: p.tenantId,
    key,
    effectiveAt: p.effectiveAt,
    ...(p.requestId === undefined ? {} : { requestId: p.requestId }),
    ...(p.reference === undefined ? {} : { reference: p.reference }),
    legs: [
      { account: Accounts.refunds, amount: -a },
      { account: Accounts.available(p.tenantId), amount: a },
    ],
  });
}

/** A manual correction: positive adds credits to the tenant, negative removes them. `reason` is recorded as the reference. */
export function adjustment(p: { tenantId: string; amount: CreditUnits; adjustmentId: string; reason: string; effectiveAt: Date }): LedgerTransaction {
  if (p.amount === 0n) throw new InvalidLedgerTransaction(['adjustment: amount must not be zero']);
  if (p.reason.trim().length === 0) throw new InvalidLedgerTransaction(['adjustment: a reason is required']);
  return transaction({
    kind: 'adjustment',
    tenantId: p.tenantId,
    key: p.adjustmentId,
    effectiveAt: p.effectiveAt,
    reference: p.reason,
    legs: [
      { account: Accounts.adjustments, amount: -p.amount },
      { account: Accounts.available(p.tenantId), amount: p.amount },
    ],
  });
}

/** Unused credits expiring (e.g. a trial grant at its end date); keyed by `expiryId` (e.g. the grant id). */
export function expiry(p: { tenantId: string; amount: CreditUnits; expiryId: string; effectiveAt: Date }): LedgerTransaction {
  const a = positive(p.amount, 'expiry');
  return transaction({
    kind: 'expiry',
    tenantId: p.tenantId,
    key: p.expiryId,
    effectiveAt: p.effectiveAt,
    reference: p.expiryId,
    legs: [
      { account: Accounts.available(p.tenantId), amount: -a },
      { account: Accounts.expired(p.tenantId), amount: a },
    ],
  });
}

const ACCOUNT = /^(?:tenant:([^\s:]+):(available|expired)|platform:(revenue|sales|grants|refunds|adjustments))$/;

/** Every rule a transaction breaks; empty when it is valid. */
export function transactionProblems(tx: LedgerTransaction): string[] {
  const issues: string[] = [];
  if (tx.entries.length < 2) issues.push('a transaction needs at least two entries');
  if (Number.isNaN(tx.effectiveAt.getTime())) issues.push('effectiveAt is not a valid date');
  let sum = 0n;
  const ids = new Set<string>();
  for (const [i, e] of tx.entries.entries()) {
    const at = `entry ${i}`;
    sum += e.amount;
    if (e.amount === 0n) issues.push(`${at}: amount is zero`);
    if (e.transactionId !== tx.transactionId) issues.push(`${at}: belongs to transaction ${e.transactionId}`);
    if (e.kind !== tx.kind) issues.push(`${at}: kind ${e.kind} differs from the transaction's ${tx.kind}`);
    if (e.tenantId !== tx.tenantId) issues.push(`${at}: tenant ${e.tenantId} differs from the transaction's ${tx.tenantId} (one tenant per transaction)`);
    if (e.effectiveAt.getTime() !== tx.effectiveAt.getTime()) issues.push(`${at}: effectiveAt differs from the transaction's`);
    if (ids.has(e.entryId)) issues.push(`${at}: duplicate entry id ${e.entryId}`);
    ids.add(e.entryId);
    const match = ACCOUNT.exec(e.account);
    if (!match) issues.push(`${at}: unknown account ${e.account}`);
    else if (match[1] !== undefined && match[1] !== tx.tenantId) issues.push(`${at}: account ${e.account} belongs to another tenant`);
  }
  if (sum !== 0n) issues.push(`entries sum to ${sum}, not zero`);
  return issues;
}

/** Throws InvalidLedgerTransaction unless the transaction is non-empty, balanced, nonzero per entry, and of one tenant. */
export function validateTransaction(tx: LedgerTransaction): void {
  const issues = transactionProblems(tx);
  if (issues.length > 0) throw new InvalidLedgerTransaction(issues);
}

/** Balances derived from entries: account → sum of amounts. */
export function balances(entries: Iterable<LedgerEntry>): Map<Account, CreditUnits> {
  const out = new Map<Account, CreditUnits>();
  for (const e of entries) out.set(e.account, (out.get(e.account) ?? 0n) + e.amount);
  return out;
}

/** One account's balance from entries (0 when it has none). */
export function balanceOf(entries: Iterable<LedgerEntry>, account: Account): CreditUnits {
  let total = 0n;
  for (const e of entries) if (e.account === account) total += e.amount;
  return total;
}

export type PostResult = 'posted' | 'duplicate';

/** A transaction id was reused for different content: a bug or a key collision, never a retry. */
export class ConflictingTransaction extends Error {
  constructor(readonly transactionId: string) {
    super(`transaction ${transactionId} was already posted with different entries`);
    this.name = 'ConflictingTransaction';
  }
}

/** Posting would take a tenant's available balance below zero. */
export class InsufficientCredits extends Error {
  constructor(
    readonly tenantId: string,
    readonly available: CreditUnits,
    readonly required: CreditUnits,
  ) {
    super(`tenant ${tenantId} has ${available} credit units available, ${required} required`);
    this.name = 'InsufficientCredits';
  }
}

/**
 * The ledger's rules over an in-memory, append-only list: what the billing service enforces in
 * PostgreSQL (unique transaction id; balance check in the same DB transaction). Reposting the same
 * transaction is a no-op ('duplicate'). Only usage debits may overdraw a tenant: usage is metered
 * after it happened (bounded by the budget lease), and refusing to record it would lose it.
 */
export class CreditLedger {
  private readonly log: LedgerEntry[] = [];
  private readonly posted = new Map<string, LedgerTransaction>();
  private readonly totals = new Map<Account, CreditUnits>();

  post(tx: LedgerTransaction): PostResult {
    validateTransaction(tx);
    const previous = this.posted.get(tx.transactionId);
    if (previous) {
      if (!sameTransaction(previous, tx)) throw new ConflictingTransaction(tx.transactionId);
      return 'duplicate';
    }
    if (tx.kind !== 'usage') {
      const available = Accounts.available(tx.tenantId);
      const change = tx.entries.filter((e) => e.account === available).reduce((s, e) => s + e.amount, 0n);
      const balance = this.balance(available);
      if (change < 0n && balance + change < 0n) throw new InsufficientCredits(tx.tenantId, balance, -change);
    }
    this.posted.set(tx.transactionId, tx);
    for (const e of tx.entries) {
      this.log.push(e);
      this.totals.set(e.account, (this.totals.get(e.account) ?? 0n) + e.amount);
    }
    return 'posted';
  }

  has(transactionId: string): boolean {
    return this.posted.has(transactionId);
  }

  balance(account: Account): CreditUnits {
    return this.totals.get(account) ?? 0n;
  }

  entries(): readonly LedgerEntry[] {
    return this.log;
  }
}

function sameTransaction(a: LedgerTransaction, b: LedgerTransaction): boolean {
  return JSON.stringify(a.entries.map(ledgerEntryToJson)) === JSON.stringify(b.entries.map(ledgerEntryToJson));
}

/** The JSON shape of assay.ledger.entry.v1: amounts as decimal strings (bigint has no JSON form), times as ISO 8601. */
export interface LedgerEntryJson {
  entryId: string;
  transactionId: string;
  account: Account;
  amount: string;
  kind: EntryKind;
  tenantId: string;
  requestId?: string;
  reference?: string;
  effectiveAt: string;
}

export function ledgerEntryToJson(e: LedgerEntry): LedgerEntryJson {
  return {
    entryId: e.entryId,
    transactionId: e.transactionId,
    account: e.account,
    amount: e.amount.toString(),
    kind: e.kind,
    tenantId: e.tenantId,
    ...(e.requestId === undefined ? {} : { requestId: e.requestId }),
    ...(e.reference === undefined ? {} : { reference: e.reference }),
    effectiveAt: e.effectiveAt.toISOString(),
  };
}

export function ledgerEntryFromJson(j: LedgerEntryJson): LedgerEntry {
  if (!/^-?\d+$/.test(j.amount)) throw new InvalidLedgerTransaction([`amount ${JSON.stringify(j.amount)} is not an integer`]);
  if (!ACCOUNT.test(j.account)) throw new InvalidLedgerTransaction([`unknown account ${j.account}`]);
  return {
    entryId: j.entryId,
    transactionId: j.transactionId,
    account: j.account,
    amount: BigInt(j.amount),
    kind: j.kind,
    tenantId: j.tenantId,
    ...(j.requestId === undefined ? {} : { requestId: j.requestId }),
    ...(j.reference === undefined ? {} : { reference: j.reference }),
    effectiveAt: new Date(j.effectiveAt),
  };
}
