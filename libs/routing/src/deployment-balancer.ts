// Picks the deployment for the next attempt: among deployments whose breaker lets calls through
// and that have a usable key, those with the fewest outstanding requests per unit of weight
// (weighted least-outstanding); ties, which is every pick under light load, are broken at
// random in proportion to weight, so traffic follows the weights. Deployments already tried for
// this request are skipped while others are available.

export interface BalancedDeployment {
  weight: number;
  outstanding: number;
}

export function pickDeployment<T extends BalancedDeployment>(
  deployments: readonly T[],
  isAvailable: (deployment: T) => boolean,
  alreadyTried: ReadonlySet<T> = new Set(),
  random: () => number = Math.random,
): T | undefined {
  const usable = deployments.filter(isAvailable);
  const fresh = usable.filter((d) => !alreadyTried.has(d));
  const pool = fresh.length > 0 ? fresh : usable;
  if (pool.length <= 1) return pool[0];
  const load = (d: T) => d.outstanding / d.weight;
  const lightest = Math.min(...pool.map(load));
  const ties = pool.filter((d) => load(d) === lightest);
  let ticket = random() * ties.reduce((sum, d) => sum + d.weight, 0);
  for (const d of ties) {
    ticket -= d.weight;
    if (ticket < 0) return d;
  }
  return ties[ties.length - 1];
}
