// Decides which configured model serves a request. Pure: no I/O, no clock.
import { AssayError } from '@assay/platform';

export interface RoutePlan {
  /** The model to call first. */
  primary: string;
  /** Tried in order when the primary fails. */
  fallbacks: string[];
}

export interface RoutingTable {
  models: ReadonlyArray<{ name: string; fallbacks?: readonly string[] }>;
  /** A tenant's own fallback chains, per requested model; they replace the model's chain. */
  routing?: { tenants: Readonly<Record<string, { fallbacks: Readonly<Record<string, readonly string[]>> }>> };
}

export function planRoute(table: RoutingTable, requestedModel: string, tenantId = ''): RoutePlan {
  const model = table.models.find((m) => m.name === requestedModel);
  if (!model) throw AssayError.modelNotFound(requestedModel);
  const chain = tenantChain(table, tenantId, requestedModel) ?? model.fallbacks ?? [];
  return { primary: requestedModel, fallbacks: chain.filter((f) => f !== requestedModel) };
}

/** Own properties only: a tenant or model named like an Object.prototype member must not match it. */
function tenantChain(table: RoutingTable, tenantId: string, model: string): readonly string[] | undefined {
  const tenants = table.routing?.tenants;
  if (!tenants || !Object.hasOwn(tenants, tenantId)) return undefined;
  const chains = tenants[tenantId].fallbacks;
  return Object.hasOwn(chains, model) ? chains[model] : undefined;
}
