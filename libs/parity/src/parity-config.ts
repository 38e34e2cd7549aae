// Turns the `parity` section of the validated config into ParityPolicies (USD decimal strings
// become exact picodollars), once at start-up.
import type { ParityConfig, ParityPolicyFields } from '@assay/platform';
import { parseUsd } from '@assay/pricing';
import { assertJudgeTemplate } from './pairwise-judge';
import { validateParityPolicies, type ParityPolicies, type ParityPolicy } from './parity-policy';

export function parityPoliciesFromConfig(config: ParityConfig): ParityPolicies {
  const tenants: ParityPolicies['tenants'] = {};
  for (const [tenantId, { promptTypes, ...tenant }] of Object.entries(config.tenants)) {
    tenants[tenantId] = {
      ...policyOf(tenant),
      promptTypes: Object.fromEntries(Object.entries(promptTypes ?? {}).map(([type, fields]) => [type, policyOf(fields)])),
    };
  }
  const policies = { defaults: policyOf(config.defaults), tenants };
  // Layers are only checkable once merged; fail at start-up, never on a request.
  validateParityPolicies(policies);
  return policies;
}

function policyOf(fields: ParityPolicyFields): Partial<ParityPolicy> {
  const { evalBudgetUsdPerDay, ...rest } = fields;
  if (rest.judgePromptTemplate !== undefined) assertJudgeTemplate(rest.judgePromptTemplate);
  return evalBudgetUsdPerDay === undefined ? rest : { ...rest, evalBudgetPicoPerDay: parseUsd(evalBudgetUsdPerDay) };
}
