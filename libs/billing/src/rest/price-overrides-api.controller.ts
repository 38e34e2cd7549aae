// Price overrides over the API: operators record negotiated rates per deployment, and every
// pricing process applies them without a restart (price-overrides.ts says how, and why a
// recorded override never changes). Thin: validation here, the rules in price-overrides.ts.
import { AssayError } from '@assay/platform';
import type { EventPublisher } from '@assay/messaging';
import { Body, Controller, Get, Inject, Put, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';
import { listPriceOverrides, publishPriceOverride, recordPriceOverride } from '../price-overrides';
import { AdminTokenGuard } from './admin-token.guard';
import { parseBody } from './billing-requests';
import { BILLING_DB, BILLING_EVENTS } from './injection-tokens';
import { modelPriceFromBody, priceOverrideBody, priceOverrideJson } from './price-override-requests';

@Controller('v1/billing')
@UseGuards(AdminTokenGuard)
export class PriceOverridesApiController {
  constructor(
    @Inject(BILLING_DB) private readonly db: DataSource,
    @Inject(BILLING_EVENTS) private readonly events: EventPublisher | null,
  ) {}

  /** Records an override (201), or confirms one already recorded with the same figures (200). */
  @Put('prices')
  async put(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const events = this.publisher();
    const entry = modelPriceFromBody(parseBody(priceOverrideBody, body), new Date());
    const recorded = await recordPriceOverride(this.db, entry);
    // Also when it was recorded before: a retried call re-sends a message that may have been lost.
    publishPriceOverride(events, recorded);
    void reply.status(recorded.created ? 201 : 200);
    return { ...priceOverrideJson(recorded.price, recorded.recordedAt), replayed: !recorded.created };
  }

  @Get('prices')
  async list(@Query() q: { provider?: string; model?: string }) {
    const overrides = await listPriceOverrides(this.db, { provider: q.provider || undefined, model: q.model || undefined });
    return { overrides: overrides.map((o) => priceOverrideJson(o.price, o.recordedAt)) };
  }

  private publisher(): EventPublisher {
    if (!this.events) {
      throw new AssayError({ status: 503, type: 'api_error', code: 'price_overrides_not_configured', message: 'This billing API was started without an event publisher for price overrides.' });
    }
    return this.events;
  }
}
