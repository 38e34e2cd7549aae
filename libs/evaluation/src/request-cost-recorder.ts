// Records, for every completed request of a tenant under a parity policy, what it cost and what its
// baseline would have cost, so savings are measured on real traffic: (baseline − paid) − what the
// proof cost. The baseline's cost of a request a candidate served is the baseline's price applied
// to the served usage — an estimate, as the baseline would have used its own token counts.
import { RequestCompleted } from '@assay/contracts';
import { decodeOnce, type BusEvent } from '@assay/messaging';
import type { ParityPolicies } from '@assay/parity';
import { Logger } from '@assay/platform';
import type { ParityStore, RequestCost } from './parity-store';
import type { ModelPricer } from './sample-evaluator';

export class RequestCostRecorder {
  private readonly log = new Logger('evaluator');

  constructor(
    private readonly store: ParityStore,
    private readonly policies: ParityPolicies,
    private readonly priceModel: ModelPricer,
  ) {}

  readonly onRequestsCompleted = async (events: BusEvent[]): Promise<void> => {
    const costs: RequestCost[] = [];
    for (const event of events) {
      let e: RequestCompleted;
      try {
        e = decodeOnce(RequestCompleted, event);
      } catch (err) {
        // Undecodable never becomes decodable; redelivery would stall the partition.
        this.log.error('skipping an undecodable RequestCompleted', { id: event.id, error: String(err) });
        continue;
      }
      const context = e.context;
      if (!context || !Object.hasOwn(this.policies.tenants, context.tenantId) || !context.promptType) continue;
      if (e.status !== 'ok' || e.operation !== 'chat' || !e.usage) continue;
      // Evaluation calls never produce a RequestCompleted; customer requests only.
      const paidPico = BigInt(e.servedCostPico || '0');
      costs.push({
        requestId: context.requestId,
        tenantId: context.tenantId,
        promptType: context.promptType,
        requestedModel: e.requestedModel,
        servedModel: e.servedModel,
        paidPico,
        baselinePico: this.priceModel(e.requestedModel, e.usage, e.startedAtMs) ?? paidPico,
        atMs: e.startedAtMs,
      });
    }
    await this.store.recordRequestCosts(costs);
  };
}
