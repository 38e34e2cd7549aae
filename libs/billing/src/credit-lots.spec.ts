import { lotExpiries, lotExpiryKey, type BalanceMovement, type CreditLot } from './credit-lots';

/** Minutes after 2026-01-01T00:00Z, so timelines read as small numbers. */
const t = (minutes: number) => new Date(Date.UTC(2026, 0, 1) + minutes * 60_000);
const lot = (lotId: string, units: bigint, grantedAt: number, expiresAt: number, expiredUnits: bigint | null = null): CreditLot => ({
  lotId, units, grantedAt: t(grantedAt), expiresAt: t(expiresAt), expiredUnits,
});
const spend = (at: number, units: bigint): BalanceMovement => ({ at: t(at), spent: units, credited: 0n });
const credit = (at: number, units: bigint): BalanceMovement => ({ at: t(at), spent: 0n, credited: units });

/** The balance the ledger would show: lots, less what expired, plus the movements. */
function balanceOf(lots: CreditLot[], movements: BalanceMovement[]): bigint {
  return lots.reduce((s, l) => s + l.units - (l.expiredUnits ?? 0n), 0n) + movements.reduce((s, m) => s + m.credited - m.spent, 0n);
}

function expire(lots: CreditLot[], movements: BalanceMovement[], now: number, balance = balanceOf(lots, movements)) {
  return lotExpiries({ lots, movements, balance, now: t(now) });
}

describe('lotExpiries', () => {
  it('expires what is left of a lot after spending drew on it before the credits that last', () => {
    const lots = [lot('trial', 10n, 0, 60)];
    const movements = [credit(5, 5n), spend(10, 3n)];
    expect(expire(lots, movements, 60)).toEqual([{ lotId: 'trial', units: 7n }]);
  });

  it('expires nothing of a lot that was used up, and says so with zero', () => {
    const lots = [lot('trial', 10n, 0, 60)];
    expect(expire(lots, [credit(1, 5n), spend(10, 12n)], 60)).toEqual([{ lotId: 'trial', units: 0n }]);
  });

  it('spends the lot that expires first, whatever the order the lots were granted in', () => {
    const lots = [lot('late', 10n, 0, 120), lot('early', 10n, 5, 60)];
    // 12 spent after both were granted: all of "early", 2 of "late".
    expect(expire(lots, [spend(10, 12n)], 120)).toEqual([
      { lotId: 'early', units: 0n },
      { lotId: 'late', units: 8n },
    ]);
  });

  it('does not charge a lot for spending before it was granted', () => {
    const lots = [lot('first', 10n, 0, 120), lot('second', 10n, 30, 60)];
    // 4 spent before "second" existed comes out of "first"; 3 spent after, out of "second" (it expires first).
    expect(expire(lots, [spend(10, 4n), spend(40, 3n)], 120)).toEqual([
      { lotId: 'second', units: 7n },
      { lotId: 'first', units: 6n },
    ]);
  });

  it('never expires more than the balance: credits that covered an overdraft were used', () => {
    // Usage overdrew by 4 before the grant; the grant then covered it.
    const lots = [lot('goodwill', 10n, 10, 60)];
    const movements = [spend(5, 4n)];
    expect(expire(lots, movements, 60)).toEqual([{ lotId: 'goodwill', units: 6n }]);
    expect(balanceOf(lots, movements) - 6n).toBe(0n);
  });

  it('never takes the balance of now below zero, even when usage after the expiry time overdrew it', () => {
    const lots = [lot('trial', 10n, 0, 60)];
    // 8 spent after the expiry time: the lot was gone by then, but its expiry was not yet posted.
    const movements = [spend(70, 8n)];
    expect(expire(lots, movements, 80)).toEqual([{ lotId: 'trial', units: 2n }]);
  });

  it('works out only the lots that are due, spending from a lot not yet due like from any other', () => {
    const lots = [lot('a', 10n, 0, 60), lot('b', 10n, 0, 120)];
    expect(expire(lots, [spend(10, 15n)], 100)).toEqual([{ lotId: 'a', units: 0n }]);
    expect(expire(lots, [spend(10, 5n)], 59)).toEqual([]);
  });

  it('takes the expiry of a lot worked out before as it was, and works out the next from there', () => {
    // "a" expired 10 although 2 of it was spent by usage charged after its expiry was posted.
    const lots = [lot('a', 10n, 0, 60, 10n), lot('b', 10n, 0, 120)];
    const movements = [spend(30, 2n), spend(90, 3n)];
    // The late 2 overdrew the credits that last; "b" covers that overdraft and the 3 spent at 90.
    expect(expire(lots, movements, 120)).toEqual([{ lotId: 'b', units: 5n }]);
    expect(balanceOf(lots, movements) - 5n).toBe(0n);
  });

  it('expires a lot before money moves at the same instant: spending at the expiry time no longer draws on it', () => {
    const lots = [lot('trial', 10n, 0, 60)];
    expect(expire(lots, [credit(0, 5n), spend(60, 5n)], 60)).toEqual([{ lotId: 'trial', units: 10n }]);
    expect(expire(lots, [credit(0, 5n), spend(59, 5n)], 60)).toEqual([{ lotId: 'trial', units: 5n }]);
  });

  it('gives the same answer however the movements between lot events are grouped or ordered', () => {
    const lots = [lot('a', 100n, 0, 60), lot('b', 50n, 20, 90)];
    const fine = [credit(1, 7n), spend(2, 30n), spend(3, 80n), credit(4, 40n), spend(25, 20n), credit(30, 5n), spend(70, 10n)];
    const summed = [
      { at: t(1), spent: 110n, credited: 47n },
      { at: t(25), spent: 20n, credited: 5n },
      { at: t(70), spent: 10n, credited: 0n },
    ];
    const expected = expire(lots, fine, 90);
    expect(expected).toEqual([
      { lotId: 'a', units: 0n },
      { lotId: 'b', units: 20n },
    ]);
    expect(expire(lots, summed, 90)).toEqual(expected);
    expect(expire(lots, [...fine].reverse(), 90)).toEqual(expected);
  });

  it('expires the lots of one instant in spending order, never more in all than the balance', () => {
    const lots = [lot('later-granted', 10n, 5, 60), lot('first-granted', 10n, 0, 60)];
    // An overdraft of 15 before either: only 5 of the 20 is left to expire.
    expect(expire(lots, [spend(-10, 15n)], 60)).toEqual([
      { lotId: 'first-granted', units: 5n },
      { lotId: 'later-granted', units: 0n },
    ]);
  });

  it('refuses a lot that expires before it was granted, and negative magnitudes', () => {
    expect(() => expire([lot('x', 1n, 10, 10)], [], 20)).toThrow(RangeError);
    expect(() => expire([lot('x', 1n, 0, 10)], [spend(1, -1n)], 20)).toThrow(RangeError);
  });

  it('keys one expiry per grant or purchase', () => {
    expect(lotExpiryKey('grant', 'trial-1')).toBe('grant:trial-1');
    expect(lotExpiryKey('purchase', 'trial-1')).not.toBe(lotExpiryKey('grant', 'trial-1'));
  });
});
