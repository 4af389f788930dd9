import { hashToken } from '../../ownership';

/** One team's traffic in the demo: who sends it, what it calls, how much. */
export interface DemoTeam {
  tenant: string;
  team: string;
  app: string;
  feature: string;
  /** The sender token its SDK exports with (a demo value, printed in the demo registry). */
  token: string;
  service: string;
  /** User actions (root span names) it serves. */
  routes: readonly string[];
  provider: string;
  models: readonly string[];
  /** Traces per day at scale 1. */
  tracesPerDay: number;
  /** Mean input and output tokens of a call. */
  inputTokens: number;
  outputTokens: number;
  /** Share of input tokens read from the provider's prompt cache. */
  cachedShare: number;
  /** Share of output tokens spent reasoning. */
  reasoningShare: number;
  /** LLM calls per trace. */
  callsPerTrace: number;
  /** A gateway reports these calls too (the ledger keeps one). */
  viaGateway: boolean;
  /** A day budget: 'warn' is set to warn on the demo's last burst, 'deny' to be exceeded by it. */
  budget?: 'warn' | 'deny';
}

/** Tokens of the demo's senders; they are demo values, never secrets. */
export const DEMO_GATEWAY_TOKEN = 'demo-gateway-token';
export const DEMO_COLLECTOR_TOKEN = 'demo-collector-token';

/** The teams of the demo month. */
export const DEMO_TEAMS: readonly DemoTeam[] = [
  {
    tenant: 'search-summarize', team: 'search', app: 'search-api', feature: 'summarize', token: 'demo-search-token', service: 'search-api',
    routes: ['POST /api/search', 'POST /api/summarize'], provider: 'openai', models: ['gpt-4o-mini', 'gpt-4o'], tracesPerDay: 60,
    inputTokens: 2400, outputTokens: 350, cachedShare: 0.4, reasoningShare: 0, callsPerTrace: 2, viaGateway: true,
  },
  {
    tenant: 'support-chat', team: 'support', app: 'support-bot', feature: 'chat', token: 'demo-support-token', service: 'support-bot',
    routes: ['POST /chat/message', 'POST /chat/escalate'], provider: 'anthropic', models: ['claude-3-5-haiku-20241022', 'claude-sonnet-4-20250514'], tracesPerDay: 45,
    inputTokens: 3200, outputTokens: 500, cachedShare: 0.6, reasoningShare: 0, callsPerTrace: 3, viaGateway: false, budget: 'warn',
  },
  {
    tenant: 'ads-copy', team: 'ads', app: 'ads-writer', feature: 'copywriting', token: 'demo-ads-token', service: 'ads-writer',
    routes: ['POST /campaigns/draft'], provider: 'openai', models: ['gpt-4o'], tracesPerDay: 25,
    inputTokens: 1500, outputTokens: 900, cachedShare: 0, reasoningShare: 0, callsPerTrace: 2, viaGateway: false, budget: 'deny',
  },
  {
    tenant: 'research-agent', team: 'research', app: 'research-agent', feature: 'deep-research', token: 'demo-research-token', service: 'research-agent',
    routes: ['POST /research/run'], provider: 'openai', models: ['o4-mini'], tracesPerDay: 12,
    inputTokens: 6000, outputTokens: 2500, cachedShare: 0.2, reasoningShare: 0.7, callsPerTrace: 5, viaGateway: false,
  },
];

/** Service names the shared collector forwards that no registry rule owns: unallocated. */
export const UNOWNED_SERVICES = ['legacy-batch', 'notebook'] as const;

/** The notebook's self-hosted fine-tune behind an OpenAI-compatible server: no catalog prices it (the quality report's unpriced models). */
export const UNPRICED_MODEL = 'llama-3.1-8b-notebook-ft';

/**
 * The registry a service needs for the demo's traffic to be owned: tenants, the senders with
 * the hashes of the demo tokens, a gateway, a shared collector with no tenant (its calls stay
 * unallocated), cost centers, and day budgets sized from `burstCostNano` (the cost of each
 * team's last burst, which the demo sends "now"): 'warn' teams get twice the burst with a
 * 40% warning, 'deny' teams half of it; and a $1,000 month budget for the research team,
 * which stays ok.
 */
export function demoRegistryYaml(burstCostNano: (team: DemoTeam) => bigint): string {
  const usd = (nano: bigint) => {
    const s = nano.toString().padStart(10, '0');
    return `${s.slice(0, -9)}.${s.slice(-9)}`;
  };
  const lines = ['# The spanledger demo registry (`spanledger demo --print-registry`). Tokens are demo values.', 'tenants:'];
  for (const t of DEMO_TEAMS) {
    lines.push(`  - id: ${t.tenant}`, `    team: ${t.team}`, `    app: ${t.app}`, `    feature: ${t.feature}`, `    environment: prod`);
    if (t.budget !== undefined) {
      const burst = burstCostNano(t);
      const amount = t.budget === 'warn' ? burst * 2n : burst / 2n;
      lines.push(`    budget: { amount: "${usd(amount)}", currency: USD, period: day, warnAtPercent: 40 }`);
    }
  }
  lines.push('senders:');
  for (const t of DEMO_TEAMS) lines.push(`  - { id: ${t.service}, token: "${hashToken(t.token)}", tenant: ${t.tenant} }`);
  lines.push(`  - { id: demo-gateway, token: "${hashToken(DEMO_GATEWAY_TOKEN)}", gateway: true }`);
  lines.push(`  - { id: shared-collector, token: "${hashToken(DEMO_COLLECTOR_TOKEN)}" }`);
  lines.push('ownership:');
  lines.push('  search: { costCenter: CC-1001, businessUnit: Consumer }');
  lines.push('  support: { costCenter: CC-3003, businessUnit: Customer }');
  lines.push('  ads: { costCenter: CC-4004, businessUnit: Growth, transferMultiplier: "1.1" }');
  // A month budget for the whole research team, far above what the demo spends: it stays ok.
  lines.push('  research: { costCenter: CC-5005, businessUnit: Labs, budget: { amount: "1000", currency: USD, period: month, warnAtPercent: 80 } }');
  return `${lines.join('\n')}\n`;
}
