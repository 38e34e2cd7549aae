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
}

export function planRoute(table: RoutingTable, requestedModel: string): RoutePlan {
  const model = table.models.find((m) => m.name === requestedModel);
  if (!model) throw AssayError.modelNotFound(requestedModel);
  return { primary: requestedModel, fallbacks: (model.fallbacks ?? []).filter((f) => f !== requestedModel) };
}
