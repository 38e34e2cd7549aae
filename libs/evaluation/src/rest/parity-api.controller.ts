// The parity admin API: per tenant and prompt type, where the proof stands and what it saved.
// Every figure is derived from stored verdicts, decisions and request costs, so each decision can
// be explained from the evidence behind it. Needs the admin bearer token.
import { Controller, Get, Headers, HttpException, Inject, Param, Query } from '@nestjs/common';
import { formatUsd } from '@assay/pricing';
import type { ParityStore, PromptTypeSummary } from '../parity-store';
import type { SampleEvaluator } from '../sample-evaluator';

export const PARITY_STORE = Symbol('ParityStore');
export const PARITY_EVALUATOR = Symbol('ParityEvaluator');
export const PARITY_ADMIN_TOKEN = Symbol('ParityAdminToken');

@Controller('v1/parity')
export class ParityApiController {
  constructor(
    @Inject(PARITY_STORE) private readonly store: ParityStore,
    @Inject(PARITY_EVALUATOR) private readonly evaluator: SampleEvaluator,
    @Inject(PARITY_ADMIN_TOKEN) private readonly adminToken: string,
  ) {}

  @Get('tenants/:tenant/prompt-types')
  async promptTypes(@Headers('authorization') auth: string | undefined, @Param('tenant') tenant: string) {
    this.authorize(auth);
    const summaries = await this.store.promptTypeSummaries(tenant);
    return { object: 'list', tenant_id: tenant, data: summaries.map((s) => this.describe(tenant, s)) };
  }

  @Get('tenants/:tenant/prompt-types/:promptType')
  async promptType(
    @Headers('authorization') auth: string | undefined,
    @Param('tenant') tenant: string,
    @Param('promptType') promptType: string,
    @Query('verdicts') verdictLimit?: string,
  ) {
    this.authorize(auth);
    const summary = (await this.store.promptTypeSummaries(tenant)).find((s) => s.promptType === promptType);
    if (!summary) throw new HttpException({ error: { message: `No prompt type '${promptType}' for tenant '${tenant}'.`, type: 'invalid_request_error', param: 'promptType', code: 'not_found' } }, 404);
    const limit = Math.min(Math.max(Number(verdictLimit ?? 100) || 100, 1), 1000);
    const [decisions, verdicts] = await Promise.all([this.store.decisions(tenant, promptType), this.store.verdicts(tenant, promptType, limit)]);
    return {
      ...this.describe(tenant, summary),
      sample_request: summary.sampleRequest,
      decisions: decisions.map((d) => ({ at: new Date(d.atMs).toISOString(), status: d.status, candidate: d.candidate, serving_model: d.servingModel, comparisons: d.comparisons, lower_bound: d.lowerBound, reason: d.reason })),
      verdicts: verdicts.map((v) => ({ sample_id: v.sampleId, at: new Date(v.atMs).toISOString(), candidate: v.candidateModel, score: v.score, judge: v.judge, judge_model: v.judgeModel, detail: v.detail, counted: v.counted, eval_cost_usd: formatUsd(v.evalCostPico, 9) })),
    };
  }

  private describe(tenant: string, s: PromptTypeSummary) {
    const view = this.evaluator.view(tenant, s.promptType);
    const active = view?.candidates.find((c) => c.model === view.activeCandidate) ?? null;
    const servedByCandidate = s.requests - s.requestsOnBaseline;
    // Savings: what the baseline would have cost − what was paid − what the proof cost.
    const netSavings = s.baselinePico - s.paidPico - s.evalSpendPico;
    return {
      prompt_type: s.promptType,
      skeleton: s.skeleton,
      status: view?.status ?? 'unseen',
      baseline: view?.baseline ?? null,
      serving_model: view?.servingModel ?? null,
      active_candidate: view?.activeCandidate ?? null,
      candidate_status: active?.status ?? null,
      comparisons: active?.n ?? 0,
      wins: active?.wins ?? 0,
      ties: active?.ties ?? 0,
      losses: active?.losses ?? 0,
      lower_bound: active?.lowerBound ?? null,
      candidates: view?.candidates ?? [],
      requests: s.requests,
      served_by_candidate: servedByCandidate,
      cost_per_request_before_usd: s.requestsOnBaseline > 0 ? formatUsd(s.paidOnBaselinePico / BigInt(s.requestsOnBaseline), 9) : null,
      cost_per_request_after_usd: servedByCandidate > 0 ? formatUsd(s.paidOnCandidatePico / BigInt(servedByCandidate), 9) : null,
      baseline_cost_usd: formatUsd(s.baselinePico, 9),
      paid_usd: formatUsd(s.paidPico, 9),
      eval_spend_usd: formatUsd(s.evalSpendPico, 9),
      net_savings_usd: formatUsd(netSavings, 9),
    };
  }

  private authorize(auth: string | undefined): void {
    if (!this.adminToken || auth !== `Bearer ${this.adminToken}`) {
      throw new HttpException({ error: { message: 'A valid admin token is required.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }, 401);
    }
  }
}
