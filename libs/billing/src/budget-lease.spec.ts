import { BudgetAccount, BudgetBelowCommitted, LeaseExpired, LeaseOverdrawn, LeaseWallet, MAX_LEASE_TTL_SECONDS, UnknownLease } from './budget-lease';

describe('BudgetAccount', () => {
  it('grants what is asked while the budget is large', () => {
    const account = new BudgetAccount('team-a', 1_000_000n);
    expect(account.grantLease('ingress-1', 1_000n)).toEqual({ leaseId: 'team-a:1', holderId: 'ingress-1', granted: 1_000n });
    expect(account.available).toBe(999_000n);
    expect(account.outstanding).toBe(1_000n);
  });

  it('sizes leases down as the balance runs low, then grants the tail', () => {
    const account = new BudgetAccount('b', 100n);
    expect(account.grantLease('h', 1_000n)?.granted).toBe(25n); // a quarter of 100
    expect(account.grantLease('h', 1_000n)?.granted).toBe(18n); // a quarter of 75
    const tail = new BudgetAccount('t', 3n);
    expect(tail.grantLease('h', 10n)?.granted).toBe(1n); // minLease once the share is below one unit
    expect(new BudgetAccount('m', 3n, { minLease: 5n }).grantLease('h', 10n)?.granted).toBe(3n); // never beyond available
  });

  it('caps leases at maxLease', () => {
    expect(new BudgetAccount('b', 1_000_000n, { maxLease: 50n }).grantLease('h', 1_000n)?.granted).toBe(50n);
  });

  it('grants nothing when the budget is exhausted', () => {
    const account = new BudgetAccount('b', 1n);
    expect(account.grantLease('h', 1n)?.granted).toBe(1n);
    expect(account.grantLease('h', 1n)).toBeUndefined();
  });

  it('settles spending on an open lease and returns the unused part when it closes', () => {
    const account = new BudgetAccount('b', 1_000n, { tailShare: 1n });
    const lease = account.grantLease('h', 400n)!;
    account.settle(lease.leaseId, 100n);
    expect([account.spent, account.outstanding, account.available]).toEqual([100n, 300n, 600n]);
    account.returnLease(lease.leaseId, 250n);
    expect([account.spent, account.outstanding, account.available]).toEqual([150n, 0n, 850n]);
    expect(account.openLeases()).toEqual([]);
    expect(() => account.settle(lease.leaseId, 1n)).toThrow(UnknownLease);
  });

  it('counts a revoked lease as fully spent (never overspend when a holder vanishes)', () => {
    const account = new BudgetAccount('b', 1_000n, { tailShare: 1n });
    const lease = account.grantLease('h', 400n)!;
    account.revokeLease(lease.leaseId);
    expect([account.spent, account.available]).toEqual([400n, 600n]);
  });

  it('refuses amounts outside the lease', () => {
    const account = new BudgetAccount('b', 1_000n, { tailShare: 1n });
    const lease = account.grantLease('h', 400n)!;
    expect(() => account.settle(lease.leaseId, 401n)).toThrow(RangeError);
    expect(() => account.settle(lease.leaseId, -1n)).toThrow(RangeError);
    expect(() => account.returnLease(lease.leaseId, 401n)).toThrow(RangeError);
    expect(() => account.grantLease('h', 0n)).toThrow(RangeError);
    expect(() => account.returnLease('nope', 0n)).toThrow(UnknownLease);
  });

  it('adjusts the total but never below what is spent and leased', () => {
    const account = new BudgetAccount('b', 1_000n, { tailShare: 1n });
    account.grantLease('h', 600n);
    account.adjustTotal(500n);
    expect(account.available).toBe(900n);
    expect(() => account.adjustTotal(-1_000n)).toThrow(RangeError);
  });

  it('names the lease and the budget in its refusals', () => {
    const account = new BudgetAccount('b', 1_000n, { tailShare: 1n });
    const lease = account.grantLease('h', 400n)!;
    expect(() => account.settle(lease.leaseId, 401n)).toThrow(LeaseOverdrawn);
    expect(() => account.returnLease(lease.leaseId, 401n)).toThrow(LeaseOverdrawn);
    expect(() => account.adjustTotal(-601n)).toThrow(BudgetBelowCommitted);
    expect(() => account.adjustTotal(-601n)).toThrow('budget b: cannot shrink to 399, 400 is already spent or leased');
  });

  it('restores exactly the state it persisted, lease numbering included', () => {
    const account = new BudgetAccount('b', 1_000n, { tailShare: 1n });
    const first = account.grantLease('h1', 300n)!;
    account.grantLease('h2', 200n);
    account.settle(first.leaseId, 100n);
    const restored = BudgetAccount.restore('b', account.state(), { tailShare: 1n });
    expect(restored.state()).toEqual(account.state());
    expect([restored.spent, restored.outstanding, restored.available]).toEqual([100n, 400n, 500n]);
    expect(restored.openLease(first.leaseId)).toEqual({ leaseId: 'b:1', holderId: 'h1', granted: 200n });
    expect(restored.grantLease('h3', 50n)?.leaseId).toBe('b:3');
    restored.returnLease(first.leaseId, 200n);
    expect(restored.openLease(first.leaseId)).toBeUndefined();
  });

  it('refuses to restore a state that breaks its invariants', () => {
    const lease = { leaseId: 'b:1', holderId: 'h', granted: 600n };
    expect(() => BudgetAccount.restore('b', { total: 1_000n, spent: 500n, leaseSequence: 1, openLeases: [lease] })).toThrow('spent and leased exceed the total');
    expect(() => BudgetAccount.restore('b', { total: 1_000n, spent: -1n, leaseSequence: 0, openLeases: [] })).toThrow(RangeError);
    expect(() => BudgetAccount.restore('b', { total: 1_000n, spent: 0n, leaseSequence: -1, openLeases: [] })).toThrow(RangeError);
    expect(() => BudgetAccount.restore('b', { total: 1_000n, spent: 0n, leaseSequence: 1, openLeases: [lease, lease] })).toThrow('listed twice');
    expect(() => BudgetAccount.restore('b', { total: 1_000n, spent: 0n, leaseSequence: 1, openLeases: [{ ...lease, granted: -1n }] })).toThrow(RangeError);
  });

  it('validates its options', () => {
    expect(() => new BudgetAccount('b', -1n)).toThrow(RangeError);
    expect(() => new BudgetAccount('b', 1n, { tailShare: 0n })).toThrow(RangeError);
    expect(() => new BudgetAccount('b', 1n, { minLease: 0n })).toThrow(RangeError);
  });
});

describe('BudgetAccount lease lifetime', () => {
  const t0 = new Date('2026-03-02T10:00:00.000Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1_000);

  it('grants a lease that expires its ttl after it was granted', () => {
    const account = new BudgetAccount('b', 1_000n, { tailShare: 1n });
    expect(account.grantLease('h', 100n, { now: t0, ttlSeconds: 300 })).toEqual({ leaseId: 'b:1', holderId: 'h', granted: 100n, expiresAt: at(300), ttlSeconds: 300 });
    expect(account.grantLease('h', 100n)).toEqual({ leaseId: 'b:2', holderId: 'h', granted: 100n });
  });

  it('gives what an expired lease still held back to the budget and counts only what was settled', () => {
    const account = new BudgetAccount('b', 1_000n, { tailShare: 1n });
    const lapsing = account.grantLease('crashed', 400n, { now: t0, ttlSeconds: 60 })!;
    const renewed = account.grantLease('alive', 200n, { now: t0, ttlSeconds: 60 })!;
    const forever = account.grantLease('legacy', 100n)!;
    account.settle(lapsing.leaseId, 150n, at(10));
    account.renewLease(renewed.leaseId, at(30));

    expect(account.expireLeases(at(69))).toEqual([]);
    expect(account.expireLeases(at(70))).toEqual([{ leaseId: lapsing.leaseId, holderId: 'crashed', returned: 250n, expiresAt: at(70) }]);
    expect([account.spent, account.outstanding, account.available]).toEqual([150n, 300n, 550n]);
    expect(account.openLeases().map((l) => l.leaseId)).toEqual([renewed.leaseId, forever.leaseId]);
    expect(account.expireLeases(at(70))).toEqual([]);
    expect(account.expireLeases(at(90)).map((l) => l.leaseId)).toEqual([renewed.leaseId]);
    expect(account.expireLeases(at(1_000_000)).map((l) => l.leaseId)).toEqual([]); // no term, no expiry
  });

  it('renews a lease by its own ttl on every settlement, and never shortens a term', () => {
    const account = new BudgetAccount('b', 1_000n, { tailShare: 1n });
    const lease = account.grantLease('h', 400n, { now: t0, ttlSeconds: 300 })!;
    account.settle(lease.leaseId, 10n, at(100));
    expect(account.openLease(lease.leaseId)?.expiresAt).toEqual(at(400));
    expect(account.renewLease(lease.leaseId, at(200), 600)).toEqual(at(800));
    // The new ttl is the lease's own from now on.
    account.settle(lease.leaseId, 10n, at(300));
    expect(account.openLease(lease.leaseId)).toMatchObject({ expiresAt: at(900), ttlSeconds: 600 });
    expect(account.renewLease(lease.leaseId, at(310), 10)).toEqual(at(900));
    // A settlement without a time (the pure simulation's) leaves the term alone.
    account.settle(lease.leaseId, 10n);
    expect(account.openLease(lease.leaseId)?.expiresAt).toEqual(at(900));
  });

  it('refuses to settle, return or renew a lease whose term has ended, even before it is expired', () => {
    const account = new BudgetAccount('b', 1_000n, { tailShare: 1n });
    const lease = account.grantLease('h', 400n, { now: t0, ttlSeconds: 60 })!;
    expect(() => account.settle(lease.leaseId, 1n, at(60))).toThrow(LeaseExpired);
    expect(() => account.returnLease(lease.leaseId, 0n, at(61))).toThrow(LeaseExpired);
    expect(() => account.renewLease(lease.leaseId, at(60))).toThrow(new LeaseExpired(lease.leaseId, at(60)));
    expect([account.spent, account.outstanding]).toEqual([0n, 400n]);
    account.expireLeases(at(60));
    expect(() => account.settle(lease.leaseId, 1n, at(60))).toThrow(UnknownLease);
  });

  it('gives a lease without a term one when renewed with a ttl', () => {
    const account = new BudgetAccount('b', 1_000n);
    const lease = account.grantLease('h', 10n)!;
    expect(() => account.renewLease(lease.leaseId, t0)).toThrow('has no term');
    expect(account.renewLease(lease.leaseId, t0, 30)).toEqual(at(30));
    expect(account.expireLeases(at(30)).map((l) => l.returned)).toEqual([10n]);
  });

  it('refuses a ttl that is not a whole number of seconds within bounds', () => {
    const account = new BudgetAccount('b', 1_000n);
    for (const ttlSeconds of [0, -1, 1.5, MAX_LEASE_TTL_SECONDS + 1, Number.NaN]) {
      expect(() => account.grantLease('h', 10n, { now: t0, ttlSeconds })).toThrow(RangeError);
    }
    const lease = account.grantLease('h', 10n, { now: t0, ttlSeconds: MAX_LEASE_TTL_SECONDS })!;
    expect(lease.leaseId).toBe('b:1'); // the refused requests granted nothing
    expect(() => account.renewLease(lease.leaseId, t0, 0)).toThrow(RangeError);
  });

  it('restores terms exactly, and refuses half a term', () => {
    const account = new BudgetAccount('b', 1_000n, { tailShare: 1n });
    account.grantLease('h1', 300n, { now: t0, ttlSeconds: 300 });
    account.grantLease('h2', 200n);
    const restored = BudgetAccount.restore('b', account.state(), { tailShare: 1n });
    expect(restored.state()).toEqual(account.state());
    expect(restored.expireLeases(at(300)).map((l) => l.leaseId)).toEqual(['b:1']);
    const lease = { leaseId: 'b:1', holderId: 'h', granted: 1n };
    expect(() => BudgetAccount.restore('b', { total: 1n, spent: 0n, leaseSequence: 1, openLeases: [{ ...lease, expiresAt: t0 }] })).toThrow('both expiresAt and ttlSeconds');
    expect(() => BudgetAccount.restore('b', { total: 1n, spent: 0n, leaseSequence: 1, openLeases: [{ ...lease, expiresAt: t0, ttlSeconds: 0 }] })).toThrow(RangeError);
  });
});

describe('LeaseWallet', () => {
  it('spends locally from its leases, oldest first, and refuses what it cannot cover', () => {
    const wallet = new LeaseWallet({ lowWaterMark: 10n });
    expect(wallet.trySpend(1n)).toBe(false);
    wallet.take({ leaseId: 'l1', holderId: 'h', granted: 30n });
    wallet.take({ leaseId: 'l2', holderId: 'h', granted: 20n });
    expect(wallet.trySpend(40n)).toBe(true);
    expect(wallet.remaining).toBe(10n);
    expect(wallet.trySpend(11n)).toBe(false);
    expect(wallet.remaining).toBe(10n);
    expect(wallet.settlements()).toEqual([
      { leaseId: 'l1', spent: 30n, closed: true },
      { leaseId: 'l2', spent: 10n, closed: false },
    ]);
    expect(wallet.settlements()).toEqual([]);
    // Idle leases too, when asked: settling nothing still renews them.
    expect(wallet.settlements({ all: true })).toEqual([{ leaseId: 'l2', spent: 0n, closed: false }]);
    expect(wallet.returnAll()).toEqual([{ leaseId: 'l2', unused: 10n }]);
    expect(wallet.remaining).toBe(0n);
  });

  it('asks for a refill at its low-water mark', () => {
    const wallet = new LeaseWallet({ lowWaterMark: 10n });
    expect(wallet.needsRefill()).toBe(true);
    wallet.take({ leaseId: 'l1', holderId: 'h', granted: 30n });
    expect(wallet.needsRefill()).toBe(false);
    wallet.trySpend(20n);
    expect(wallet.needsRefill()).toBe(true);
  });

  it('drops a lease billing no longer honours, reporting the spending that will not be charged', () => {
    const wallet = new LeaseWallet({ lowWaterMark: 0n });
    wallet.take({ leaseId: 'l1', holderId: 'h', granted: 30n });
    wallet.take({ leaseId: 'l2', holderId: 'h', granted: 20n });
    wallet.trySpend(10n);
    wallet.settlements();
    wallet.trySpend(5n);
    expect(wallet.drop('l1')).toBe(5n);
    expect(wallet.drop('l1')).toBe(0n);
    expect(wallet.remaining).toBe(20n);
    expect(wallet.trySpend(21n)).toBe(false);
    expect(wallet.returnAll()).toEqual([{ leaseId: 'l2', unused: 20n }]);
  });

  it('refuses negative amounts and a lease taken twice', () => {
    const wallet = new LeaseWallet({ lowWaterMark: 0n });
    wallet.take({ leaseId: 'l1', holderId: 'h', granted: 1n });
    expect(() => wallet.take({ leaseId: 'l1', holderId: 'h', granted: 1n })).toThrow(RangeError);
    expect(() => wallet.trySpend(-1n)).toThrow(RangeError);
    expect(() => new LeaseWallet({ lowWaterMark: -1n })).toThrow(RangeError);
  });
});

/** Deterministic PRNG (mulberry32) so a failing seed can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('spending a budget from many replicas', () => {
  it.each(Array.from({ length: 25 }, (_, i) => i + 1))('never spends beyond the budget, and accounts for every unit (seed %i)', (seed) => {
    const random = rng(seed);
    const int = (lo: number, hi: number) => BigInt(lo + Math.floor(random() * (hi - lo + 1)));
    const budget = int(1_000, 200_000);
    const account = new BudgetAccount(`budget-${seed}`, budget, { tailShare: int(1, 8), maxLease: random() < 0.5 ? int(100, 20_000) : undefined });
    const holders = Array.from({ length: Number(int(1, 8)) }, (_, i) => ({ id: `ingress-${i}`, wallet: new LeaseWallet({ lowWaterMark: int(0, 500) }), refill: int(50, 10_000) }));
    let spent = 0n;
    let refusals = 0;

    const settle = (h: (typeof holders)[number]) => {
      for (const s of h.wallet.settlements()) {
        account.settle(s.leaseId, s.spent);
        if (s.closed) account.returnLease(s.leaseId, 0n);
      }
    };

    for (let step = 0; step < 3_000; step++) {
      const h = holders[Math.floor(random() * holders.length)];
      const roll = random();
      if (roll < 0.75) {
        const amount = int(1, 300);
        if (!h.wallet.trySpend(amount)) {
          // Refill, as ingress would, then try once more.
          const lease = account.grantLease(h.id, h.refill);
          if (lease) h.wallet.take(lease);
          if (h.wallet.trySpend(amount)) spent += amount;
          else refusals += 1;
        } else spent += amount;
      } else if (roll < 0.85 && h.wallet.needsRefill()) {
        const lease = account.grantLease(h.id, h.refill);
        if (lease) h.wallet.take(lease);
      } else if (roll < 0.95) {
        settle(h);
      } else {
        settle(h);
        for (const r of h.wallet.returnAll()) account.returnLease(r.leaseId, r.unused);
      }
      // Checked after every step, not just at the end (plain comparison: expect() per step is slow).
      if (spent > budget || account.spent + account.outstanding > account.total) {
        throw new Error(`step ${step}: spent ${spent}, settled ${account.spent}, outstanding ${account.outstanding}, budget ${budget}`);
      }
    }

    for (const h of holders) {
      settle(h);
      for (const r of h.wallet.returnAll()) account.returnLease(r.leaseId, r.unused);
    }
    expect(account.openLeases()).toEqual([]);
    expect(account.outstanding).toBe(0n);
    expect(account.spent).toBe(spent); // every unit spent is accounted for, nothing more
    expect(spent).toBeLessThanOrEqual(budget);
    if (refusals > 0) {
      // Leases shrink as the budget runs low, so refusals leave little stranded: what remains
      // is of the order of a few spends per replica, not a whole lease.
      expect(budget - spent).toBeLessThan(300n * BigInt(holders.length) + 300n);
    }
  });

  it.each(Array.from({ length: 10 }, (_, i) => i + 1))(
    'recovers the leases of crashed replicas, overspending by at most what they had not settled (seed %i)',
    (seed) => {
      const random = rng(1_000 + seed);
      const int = (lo: number, hi: number) => BigInt(lo + Math.floor(random() * (hi - lo + 1)));
      const budget = int(10_000, 200_000);
      const ttlSeconds = 60;
      const account = new BudgetAccount(`crashing-${seed}`, budget);
      let clock = Date.parse('2026-03-02T10:00:00Z');
      const replicas = Array.from({ length: 4 }, (_, i) => ({ id: `ingress-${i}`, wallet: new LeaseWallet({ lowWaterMark: 100n }), settledAt: clock }));
      let spent = 0n; // what replicas actually spent, reported or not
      let unsettledAtCrash = 0n; // what crashed replicas spent and never reported

      const settle = (r: (typeof replicas)[number], now: Date) => {
        r.settledAt = now.getTime();
        for (const s of r.wallet.settlements({ all: true })) {
          account.settle(s.leaseId, s.spent, now);
          if (s.closed) account.returnLease(s.leaseId, 0n, now);
        }
      };

      for (let step = 0; step < 2_000; step++) {
        clock += Number(int(0, 5)) * 1_000;
        const now = new Date(clock);
        account.expireLeases(now); // what the store does in every transaction on the budget
        // A live replica settles at least every 20 s (a timer, as ingress does), well within the ttl.
        for (const live of replicas) if (clock - live.settledAt >= 20_000) settle(live, now);
        const r = replicas[Math.floor(random() * replicas.length)];
        const roll = random();
        if (roll < 0.7) {
          const amount = int(1, 200);
          if (!r.wallet.trySpend(amount)) {
            const lease = account.grantLease(r.id, 2_000n, { now, ttlSeconds });
            if (lease) r.wallet.take(lease);
            if (r.wallet.trySpend(amount)) spent += amount;
          } else spent += amount;
        } else if (roll < 0.97) {
          settle(r, now);
        } else {
          // Crash: the replica's leases and its unreported spending are gone; a new one starts empty.
          unsettledAtCrash += r.wallet.settlements().reduce((sum, s) => sum + s.spent, 0n);
          r.wallet = new LeaseWallet({ lowWaterMark: 100n });
        }
        if (account.spent + account.outstanding > account.total || spent > budget + unsettledAtCrash) {
          throw new Error(`step ${step}: spent ${spent}, settled ${account.spent}, outstanding ${account.outstanding}, budget ${budget}, lost ${unsettledAtCrash}`);
        }
      }

      for (const r of replicas) settle(r, new Date(clock));
      account.expireLeases(new Date(clock + ttlSeconds * 1_000));
      expect(account.openLeases()).toEqual([]);
      expect(account.outstanding).toBe(0n);
      // Every crashed lease came back: what is counted is exactly what was reported.
      expect(account.spent).toBe(spent - unsettledAtCrash);
      expect(account.available).toBe(budget - account.spent);
      expect(unsettledAtCrash).toBeGreaterThan(0n); // the seed did crash replicas mid-spending
    },
  );
});
