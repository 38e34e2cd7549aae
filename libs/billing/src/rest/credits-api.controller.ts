// Credits on the ledger for operators: grants, purchases, refunds and corrections (adjustments),
// each idempotent on its id: a retried call posts nothing and answers 200 with `posted: false`.
// Thin: validation here, the rules (retries, the refund cap, no overdraft, expiring credits) in
// credit-postings.ts; expiries are posted by CreditExpirySweep.
import { randomUUID } from 'node:crypto';
import { Body, Controller, Inject, Post, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';
import { postAdjustment, postGrant, postPurchase, postRefund, type CreditPosting } from '../credit-postings';
import { formatCredits } from '../ledger';
import { AdminTokenGuard } from './admin-token.guard';
import { adjustmentBody, grantBody, parseBody, purchaseBody, refundBody } from './billing-requests';
import { BILLING_DB } from './injection-tokens';

@Controller('v1/billing')
@UseGuards(AdminTokenGuard)
export class CreditsApiController {
  constructor(@Inject(BILLING_DB) private readonly db: DataSource) {}

  @Post('grants')
  async grant(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const b = parseBody(grantBody, body);
    const grantId = b.grant_id ?? randomUUID();
    const posting = await postGrant(this.db, { tenantId: b.tenant_id, amount: b.credits, grantId, reference: b.reference, expiresAt: time(b.expires_at) });
    return answer(reply, posting, { grant_id: grantId, expires_at: posting.expiresAt?.toISOString() ?? null });
  }

  @Post('purchases')
  async purchase(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const b = parseBody(purchaseBody, body);
    const posting = await postPurchase(this.db, { tenantId: b.tenant_id, amount: b.credits, paymentReference: b.payment_reference, expiresAt: time(b.expires_at) });
    return answer(reply, posting, { payment_reference: b.payment_reference, expires_at: posting.expiresAt?.toISOString() ?? null });
  }

  @Post('refunds')
  async refund(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const b = parseBody(refundBody, body);
    const posting = await postRefund(this.db, { tenantId: b.tenant_id, amount: b.credits, refundId: b.refund_id, requestId: b.request_id });
    return answer(reply, posting, { refund_id: b.refund_id, request_id: b.request_id ?? null });
  }

  @Post('adjustments')
  async adjustment(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const b = parseBody(adjustmentBody, body);
    const posting = await postAdjustment(this.db, { tenantId: b.tenant_id, amount: b.credits, adjustmentId: b.adjustment_id, reason: b.reason });
    return answer(reply, posting, { adjustment_id: b.adjustment_id, reason: b.reason });
  }
}

function time(iso: string | undefined): Date | undefined {
  return iso === undefined ? undefined : new Date(iso);
}

/** 201 when posted now, 200 for a retry of a posting made before. */
function answer(reply: FastifyReply, p: CreditPosting, ids: Record<string, string | null>) {
  void reply.status(p.posted ? 201 : 200);
  return { transaction_id: p.transactionId, tenant_id: p.tenantId, ...ids, credits: formatCredits(p.units), effective_at: p.effectiveAt.toISOString(), posted: p.posted };
}
