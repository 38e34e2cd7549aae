// The one place where billing's typed errors become wire errors: the OpenAI error envelope
// `{"error":{"message","type","param","code"}}` with an HTTP status.
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { AssayError, Logger } from '@assay/platform';
import { InvalidPriceCatalog } from '@assay/pricing';
import type { FastifyReply } from 'fastify';
import { BudgetBelowCommitted, BudgetExhausted, LeaseExpired, LeaseOverdrawn, UnknownLease } from '../budget-lease';
import { LeaseRequestIdReused, SettleIdReused, UnknownBudget } from '../budget-store';
import { TrendRangeTooLong } from '../billing-reports';
import { ExpiryNotInFuture, PostingIdReused, RefundExceedsCharge } from '../credit-postings';
import { formatCredits, InsufficientCredits, InvalidLedgerTransaction, type EntryKind } from '../ledger';
import { PlanChangeRewritesHistory, UnknownPlan } from '../plan-assignments';
import { PriceOverrideExists, PriceOverrideInPast } from '../price-overrides';

const log = new Logger('billing-api');

/** The request field that holds a posting's id, by kind. */
const POSTING_ID_PARAM: Partial<Record<EntryKind, string>> = { grant: 'grant_id', purchase: 'payment_reference', refund: 'refund_id', adjustment: 'adjustment_id' };

/** The wire form of an error raised while serving a billing API call. */
export function billingWireError(error: unknown): AssayError {
  if (error instanceof AssayError) return error;
  const conflict = (code: string, message: string, param: string | null = null) => new AssayError({ status: 409, type: 'invalid_request_error', code, message, param });
  if (error instanceof BudgetExhausted) {
    return new AssayError({ status: 402, type: 'insufficient_quota', code: 'budget_exhausted', message: `Budget ${error.budgetId} is exhausted: nothing is left to lease.` });
  }
  if (error instanceof UnknownBudget) return new AssayError({ status: 404, type: 'invalid_request_error', code: 'budget_not_found', message: `No budget ${error.budgetId}.` });
  if (error instanceof UnknownLease) return new AssayError({ status: 404, type: 'invalid_request_error', code: 'lease_not_found', message: `No open lease ${error.leaseId}.` });
  if (error instanceof LeaseExpired) {
    return new AssayError({
      status: 410,
      type: 'invalid_request_error',
      code: 'lease_expired',
      message: `Lease ${error.leaseId} expired at ${error.expiresAt.toISOString()} without being renewed; what it still held went back to its budget, and spending not settled before then is not counted. Stop spending it and lease anew.`,
    });
  }
  if (error instanceof LeaseOverdrawn) return conflict('lease_overdrawn', `Lease ${error.leaseId} holds ${error.remaining} units; cannot settle ${error.amount}.`, 'spent_units');
  if (error instanceof BudgetBelowCommitted) {
    return conflict('cap_below_committed', `Budget ${error.budgetId} has ${error.committed} units spent or leased; its cap cannot go below that.`, 'cap_units');
  }
  if (error instanceof SettleIdReused) return conflict('settle_id_reused', `Settle id ${error.settleId} was already used on lease ${error.leaseId} with a different body.`, 'settle_id');
  if (error instanceof LeaseRequestIdReused) {
    return conflict('request_id_reused', `Request id ${error.requestId} of ${error.holderId} was already used on budget ${error.budgetId} with a different body.`, 'request_id');
  }
  if (error instanceof UnknownPlan) return AssayError.invalidRequest(`Unknown plan '${error.planId}'. Known plans: ${error.knownPlanIds.join(', ')}.`, 'plan', 'unknown_plan');
  if (error instanceof PlanChangeRewritesHistory) {
    return conflict(error.reason === 'in_the_past' ? 'plan_change_in_past' : 'plan_change_after_charges', error.message, 'effective_from');
  }
  if (error instanceof PriceOverrideInPast) return conflict('price_override_in_past', `${error.message}.`, 'effective_from');
  if (error instanceof PriceOverrideExists) return conflict('price_override_exists', `${error.message}.`, 'effective_from');
  if (error instanceof InvalidPriceCatalog) return AssayError.invalidRequest(`Invalid price: ${error.issues.join('; ')}.`);
  if (error instanceof PostingIdReused) {
    const param = POSTING_ID_PARAM[error.kind] ?? 'id';
    return conflict(`${param}_reused`, `The ${error.kind} '${param}' ${JSON.stringify(error.key)} of tenant ${error.tenantId} was already posted with a different body; nothing was posted now.`, param);
  }
  if (error instanceof RefundExceedsCharge) {
    const message =
      error.chargedUnits === 0n
        ? `Request ${error.requestId} was not charged to tenant ${error.tenantId}: there is nothing to refund.`
        : `Request ${error.requestId} was charged ${formatCredits(error.chargedUnits)} credits, of which ${formatCredits(error.refundedUnits)} are refunded: at most ${formatCredits(error.chargedUnits - error.refundedUnits)} more can be.`;
    return conflict('refund_exceeds_charge', message, 'credits');
  }
  if (error instanceof InsufficientCredits) {
    return conflict('insufficient_credits', `Tenant ${error.tenantId} has ${formatCredits(error.available)} credits available; cannot take ${formatCredits(error.required)}.`, 'credits');
  }
  if (error instanceof ExpiryNotInFuture) return AssayError.invalidRequest(`'expires_at' must be in the future; it is ${error.expiresAt.toISOString()}.`, 'expires_at');
  if (error instanceof InvalidLedgerTransaction) return AssayError.invalidRequest(`Invalid posting: ${error.issues.join('; ')}.`);
  if (error instanceof TrendRangeTooLong) return AssayError.invalidRequest(error.message, 'from', 'range_too_long');
  log.error('unexpected error', { error: error instanceof Error ? error.stack : String(error) });
  return new AssayError({ status: 500, type: 'api_error', message: 'The billing service failed to process the request.' });
}

@Catch()
export class BillingErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof HttpException) {
      // Raised by NestJS itself (a malformed JSON body, say): keep its status, speak the envelope.
      const body = error.getResponse();
      const message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? error.message);
      void reply.status(error.getStatus()).send(new AssayError({ status: error.getStatus(), type: 'invalid_request_error', message }).toOpenAIEnvelope());
      return;
    }
    const wire = billingWireError(error);
    void reply.status(wire.status).send(wire.toOpenAIEnvelope());
  }
}
