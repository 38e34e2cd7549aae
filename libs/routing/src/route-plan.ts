// Decides which configured model serves a request. Pure: no I/O, no clock.
import { AssayError } from '@assay/platform';

export interface RoutePlan {
  /** The model to call first. */
  primary: string;
  /** Tried in order when the primary fails. */
  fallbacks: string[];
}

export interface RoutingTable {
  models: ReadonlyArray<{ name: string }>;
}

export function planRoute(table: RoutingTable, requestedModel: string): RoutePlan {
  if (!table.models.some((m) => m.name === requestedModel)) throw AssayError.modelNotFound(requestedModel);
  return { primary: requestedModel, fallbacks: [] };
}
