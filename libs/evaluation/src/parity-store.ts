// The evaluator's PostgreSQL state (schema `parity`). A verdict, the qualification snapshot it
// produced and any decision are written in one transaction, keyed by sample id, so a redelivered
// sample changes nothing and the stored verdicts always explain the stored state.
import type { ParityDecision, QualificationSnapshot } from '@assay/parity';
import type { DataSource, EntityManager } from 'typeorm';

export interface StoredVerdict {
  sampleId: string;
  tenantId: string;
  promptType: string;
  baselineModel: string;
  candidateModel: string;
  score: 0 | 0.5 | 1;
  judge: 'programmatic' | 'llm' | 'format-guarantee';
  judgeModel: string;
  detail: string;
  evalCostPico: bigint;
  /** False when the comparison reached the qualification too late to count (its candidate was no longer active). */
  counted: boolean;
  atMs: number;
}

export interface StoredDecision extends ParityDecision {
  eventId: string;
}

export interface RequestCost {
  requestId: string;
  tenantId: string;
  promptType: string;
  requestedModel: string;
  servedModel: string;
  paidPico: bigint;
  baselinePico: bigint;
  atMs: number;
}

export class ParityStore {
  constructor(private readonly db: DataSource) {}

  async hasVerdict(sampleId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM parity.verdicts WHERE sample_id = $1`, [sampleId]);
    return rows.length > 0;
  }

  /** False (and nothing written) when this sample already has a verdict. */
  async recordVerdict(verdict: StoredVerdict, snapshot: QualificationSnapshot, decisions: StoredDecision[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const inserted: unknown[] = await tx.query(
        `INSERT INTO parity.verdicts (sample_id, tenant_id, prompt_type, baseline_model, candidate_model, score, judge, judge_model, detail, eval_cost_pico, counted, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, to_timestamp($12 / 1000.0))
         ON CONFLICT (sample_id) DO NOTHING RETURNING 1`,
        [verdict.sampleId, verdict.tenantId, verdict.promptType, verdict.baselineModel, verdict.candidateModel, verdict.score, verdict.judge, verdict.judgeModel, verdict.detail, verdict.evalCostPico.toString(), verdict.counted, verdict.atMs],
      );
      if (inserted.length === 0) return false;
      await this.saveState(tx, snapshot, decisions);
      return true;
    });
  }

  /** A qualification that changed without a verdict (first seen, or requalified after a menu or price change). */
  async saveQualification(snapshot: QualificationSnapshot, decisions: StoredDecision[]): Promise<void> {
    await this.db.transaction((tx) => this.saveState(tx, snapshot, decisions));
  }

  private async saveState(tx: EntityManager, snapshot: QualificationSnapshot, decisions: StoredDecision[]): Promise<void> {
    await tx.query(
      `INSERT INTO parity.qualifications (tenant_id, prompt_type, snapshot, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (tenant_id, prompt_type) DO UPDATE SET snapshot = EXCLUDED.snapshot, updated_at = now()`,
      [snapshot.tenantId, snapshot.promptType, JSON.stringify(snapshot)],
    );
    for (const d of decisions) {
      await tx.query(
        `INSERT INTO parity.decisions (event_id, tenant_id, prompt_type, baseline_model, candidate_model, serving_model, status, route_status, comparisons, lower_bound, reason, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, to_timestamp($12 / 1000.0)) ON CONFLICT (event_id) DO NOTHING`,
        [d.eventId, d.tenantId, d.promptType, d.baseline, d.candidate, d.servingModel, d.status, d.routeStatus, d.comparisons, d.lowerBound, d.reason, d.atMs],
      );
    }
  }

  async loadQualifications(): Promise<QualificationSnapshot[]> {
    const rows: Array<{ snapshot: QualificationSnapshot }> = await this.db.query(`SELECT snapshot FROM parity.qualifications ORDER BY tenant_id, prompt_type`);
    return rows.map((r) => r.snapshot);
  }

  async loadQualification(tenantId: string, promptType: string): Promise<QualificationSnapshot | null> {
    const rows: Array<{ snapshot: QualificationSnapshot }> = await this.db.query(`SELECT snapshot FROM parity.qualifications WHERE tenant_id = $1 AND prompt_type = $2`, [tenantId, promptType]);
    return rows[0]?.snapshot ?? null;
  }

  /** The latest decision per prompt type: republished at start so no router misses one lost in a crash. */
  async latestDecisions(): Promise<StoredDecision[]> {
    const rows: DecisionRow[] = await this.db.query(
      `SELECT DISTINCT ON (tenant_id, prompt_type) * FROM parity.decisions ORDER BY tenant_id, prompt_type, seq DESC`,
    );
    return rows.map(decisionOf);
  }

  async decisions(tenantId: string, promptType: string): Promise<StoredDecision[]> {
    const rows: DecisionRow[] = await this.db.query(`SELECT * FROM parity.decisions WHERE tenant_id = $1 AND prompt_type = $2 ORDER BY seq`, [tenantId, promptType]);
    return rows.map(decisionOf);
  }

  async verdicts(tenantId: string, promptType: string, limit: number): Promise<StoredVerdict[]> {
    const rows: Array<Record<string, string | boolean | Date>> = await this.db.query(
      `SELECT * FROM parity.verdicts WHERE tenant_id = $1 AND prompt_type = $2 ORDER BY seq DESC LIMIT $3`,
      [tenantId, promptType, limit],
    );
    return rows.map((r) => ({
      sampleId: String(r.sample_id),
      tenantId: String(r.tenant_id),
      promptType: String(r.prompt_type),
      baselineModel: String(r.baseline_model),
      candidateModel: String(r.candidate_model),
      score: Number(r.score) as 0 | 0.5 | 1,
      judge: String(r.judge) as StoredVerdict['judge'],
      judgeModel: String(r.judge_model),
      detail: String(r.detail),
      evalCostPico: BigInt(String(r.eval_cost_pico)),
      counted: Boolean(r.counted),
      atMs: (r.at as Date).getTime(),
    }));
  }

  /** What each tenant's evaluation spent since `sinceMs` (the start of the UTC day, at start-up). */
  async evalSpendSince(sinceMs: number): Promise<Map<string, bigint>> {
    const rows: Array<{ tenant_id: string; spent: string }> = await this.db.query(
      `SELECT tenant_id, sum(eval_cost_pico)::text AS spent FROM parity.verdicts WHERE at >= to_timestamp($1 / 1000.0) GROUP BY tenant_id`,
      [sinceMs],
    );
    return new Map(rows.map((r) => [r.tenant_id, BigInt(r.spent)]));
  }

  async rememberPromptType(tenantId: string, promptType: string, skeleton: string, sampleRequest: unknown, atMs: number): Promise<void> {
    await this.db.query(
      `INSERT INTO parity.prompt_types (tenant_id, prompt_type, skeleton, sample_request, first_seen_at) VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0))
       ON CONFLICT DO NOTHING`,
      [tenantId, promptType, skeleton, JSON.stringify(sampleRequest), atMs],
    );
  }

  /** Idempotent per request id: one statement for the whole batch. */
  async recordRequestCosts(costs: RequestCost[]): Promise<void> {
    if (costs.length === 0) return;
    await this.db.query(
      `INSERT INTO parity.request_costs (request_id, tenant_id, prompt_type, requested_model, served_model, paid_pico, baseline_pico, at)
       SELECT request_id, tenant_id, prompt_type, requested_model, served_model, paid_pico, baseline_pico, to_timestamp(at_ms / 1000.0)
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::numeric[], $8::float8[])
           AS t(request_id, tenant_id, prompt_type, requested_model, served_model, paid_pico, baseline_pico, at_ms)
       ON CONFLICT (request_id) DO NOTHING`,
      [
        costs.map((c) => c.requestId),
        costs.map((c) => c.tenantId),
        costs.map((c) => c.promptType),
        costs.map((c) => c.requestedModel),
        costs.map((c) => c.servedModel),
        costs.map((c) => c.paidPico.toString()),
        costs.map((c) => c.baselinePico.toString()),
        costs.map((c) => c.atMs),
      ],
    );
  }

  /** Per prompt type of a tenant: traffic, what it cost, what the baseline would have cost, and what the proof cost. */
  async promptTypeSummaries(tenantId: string): Promise<PromptTypeSummary[]> {
    const rows: Array<Record<string, string | null>> = await this.db.query(
      `WITH types AS (
         SELECT prompt_type FROM parity.prompt_types WHERE tenant_id = $1
         UNION SELECT prompt_type FROM parity.qualifications WHERE tenant_id = $1
         UNION SELECT DISTINCT prompt_type FROM parity.request_costs WHERE tenant_id = $1
       ), costs AS (
         SELECT prompt_type, count(*) AS requests, count(*) FILTER (WHERE served_model <> requested_model) AS served_by_candidate,
                sum(paid_pico) AS paid, sum(baseline_pico) AS baseline,
                sum(paid_pico) FILTER (WHERE served_model = requested_model) AS paid_on_baseline,
                count(*) FILTER (WHERE served_model = requested_model) AS requests_on_baseline,
                sum(paid_pico) FILTER (WHERE served_model <> requested_model) AS paid_on_candidate
           FROM parity.request_costs WHERE tenant_id = $1 GROUP BY prompt_type
       ), evals AS (
         SELECT prompt_type, sum(eval_cost_pico) AS eval_spend FROM parity.verdicts WHERE tenant_id = $1 GROUP BY prompt_type
       )
       SELECT t.prompt_type, p.skeleton, p.sample_request::text AS sample_request,
              coalesce(c.requests, 0)::text AS requests, coalesce(c.served_by_candidate, 0)::text AS served_by_candidate,
              coalesce(c.paid, 0)::text AS paid, coalesce(c.baseline, 0)::text AS baseline,
              coalesce(c.paid_on_baseline, 0)::text AS paid_on_baseline, coalesce(c.requests_on_baseline, 0)::text AS requests_on_baseline,
              coalesce(c.paid_on_candidate, 0)::text AS paid_on_candidate, coalesce(e.eval_spend, 0)::text AS eval_spend
         FROM types t
         LEFT JOIN parity.prompt_types p ON p.tenant_id = $1 AND p.prompt_type = t.prompt_type
         LEFT JOIN costs c ON c.prompt_type = t.prompt_type
         LEFT JOIN evals e ON e.prompt_type = t.prompt_type
        ORDER BY coalesce(c.requests, 0) DESC, t.prompt_type`,
      [tenantId],
    );
    return rows.map((r) => ({
      promptType: String(r.prompt_type),
      skeleton: r.skeleton ?? '',
      sampleRequest: r.sample_request ? (JSON.parse(r.sample_request) as unknown) : null,
      requests: Number(r.requests),
      servedByCandidate: Number(r.served_by_candidate),
      requestsOnBaseline: Number(r.requests_on_baseline),
      paidPico: BigInt(r.paid!),
      baselinePico: BigInt(r.baseline!),
      paidOnBaselinePico: BigInt(r.paid_on_baseline!),
      paidOnCandidatePico: BigInt(r.paid_on_candidate!),
      evalSpendPico: BigInt(r.eval_spend!),
    }));
  }
}

export interface PromptTypeSummary {
  promptType: string;
  skeleton: string;
  sampleRequest: unknown;
  requests: number;
  servedByCandidate: number;
  requestsOnBaseline: number;
  paidPico: bigint;
  /** What the baseline would have cost for the same requests. */
  baselinePico: bigint;
  paidOnBaselinePico: bigint;
  paidOnCandidatePico: bigint;
  evalSpendPico: bigint;
}

type DecisionRow = Record<string, string | number | Date>;

function decisionOf(r: DecisionRow): StoredDecision {
  const servingModel = String(r.serving_model);
  const routeStatus = String(r.route_status) as StoredDecision['routeStatus'];
  return {
    eventId: String(r.event_id),
    tenantId: String(r.tenant_id),
    promptType: String(r.prompt_type),
    baseline: String(r.baseline_model),
    candidate: String(r.candidate_model),
    servingModel,
    status: String(r.status) as StoredDecision['status'],
    activeCandidate: null,
    routeStatus,
    comparisons: Number(r.comparisons),
    lowerBound: Number(r.lower_bound),
    reason: String(r.reason),
    atMs: (r.at as Date).getTime(),
  };
}
