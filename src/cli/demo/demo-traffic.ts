import { DEMO_COLLECTOR_TOKEN, DEMO_GATEWAY_TOKEN, DEMO_TEAMS, UNOWNED_SERVICES, UNPRICED_MODEL, type DemoTeam } from './demo-plan';

const DAY_MS = 86_400_000;

/** One OTLP/JSON export to send with a sender's token. */
export interface DemoExport {
  token: string;
  body: { resourceSpans: unknown[] };
  spans: number;
  calls: number;
}

/** What to generate: how many days up to `nowMs`, at what scale of each team's daily traffic. */
export interface DemoOptions {
  days: number;
  /** Multiplies every team's traces per day (1 = the plan's volume). */
  scale: number;
  nowMs: number;
  seed: number;
  /** Spans per export, at most. */
  batchSpans?: number;
}

/** Token counts of one call. */
export interface CallTokens {
  model: string;
  input: number;
  output: number;
  cached: number;
  reasoning: number;
}

type Attr = { key: string; value: { stringValue: string } | { intValue: string } };
type OtlpSpan = {
  traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number;
  startTimeUnixNano: string; endTimeUnixNano: string; attributes: Attr[]; status?: { code: number; message?: string };
};

/** A small seeded PRNG (mulberry32), so a demo month is the same every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const attr = (key: string, v: string | number): Attr => (typeof v === 'number' ? { key, value: { intValue: String(v) } } : { key, value: { stringValue: v } });
const nanos = (ms: number) => `${Math.round(ms)}000000`;

/** The fixed calls of a budget team's last burst, sent "now": the budgets are sized from them. */
export function burstCalls(team: DemoTeam): CallTokens[] {
  return [0, 1, 2, 3].map((i) => ({
    model: team.models[0]!, input: team.inputTokens * 4, output: team.outputTokens * 4,
    cached: Math.round(team.inputTokens * 4 * team.cachedShare), reasoning: Math.round(team.outputTokens * 4 * team.reasoningShare) + i * 0,
  }));
}

/** Roughly how many exports `demoExports` yields, for a progress bar. */
export function estimateExports(o: DemoOptions): number {
  const traces = DEMO_TEAMS.reduce((n, t) => n + t.tracesPerDay, 0) * o.scale * o.days * 1.1 + 15 * o.scale * o.days;
  const spansPerTrace = 5;
  return Math.max(1, Math.ceil((traces * spansPerTrace) / (o.batchSpans ?? 400)));
}

/**
 * The demo month as OTLP/JSON exports, oldest first: each team's traces (a user action,
 * a retrieval step, LLM calls with cached and reasoning tokens, sessions and users), a
 * gateway reporting the search team's calls again, failed calls and their retries, a retry
 * storm in one research trace, unowned services through a shared collector, and last each
 * budget team's burst at `nowMs`. Budget teams send nothing else on the current UTC day,
 * so the day budgets land exactly on warn and deny.
 */
export function* demoExports(o: DemoOptions): Generator<DemoExport> {
  const rnd = prng(o.seed);
  const hex = (bytes: number) => {
    let s = '';
    for (let i = 0; i < bytes; i++) s += Math.floor(rnd() * 256).toString(16).padStart(2, '0');
    return s;
  };
  const batchSpans = o.batchSpans ?? 400;
  const pending = new Map<string, Map<string, OtlpSpan[]>>();
  const counts = new Map<string, { spans: number; calls: number }>();
  const add = (token: string, service: string, span: OtlpSpan, isCall: boolean) => {
    let byService = pending.get(token);
    if (byService === undefined) pending.set(token, (byService = new Map()));
    let list = byService.get(service);
    if (list === undefined) byService.set(service, (list = []));
    list.push(span);
    const c = counts.get(token) ?? { spans: 0, calls: 0 };
    c.spans++;
    if (isCall) c.calls++;
    counts.set(token, c);
  };
  const drain = function* (force: boolean): Generator<DemoExport> {
    for (const [token, byService] of pending) {
      const c = counts.get(token)!;
      if (!force && c.spans < batchSpans) continue;
      const resourceSpans = [...byService].map(([service, spans]) => ({
        resource: { attributes: [attr('service.name', service), attr('deployment.environment.name', 'prod')] },
        scopeSpans: [{ scope: { name: 'spanledger-demo' }, spans }],
      }));
      yield { token, body: { resourceSpans }, spans: c.spans, calls: c.calls };
      pending.delete(token);
      counts.delete(token);
    }
  };

  const todayStart = Math.floor(o.nowMs / DAY_MS) * DAY_MS;
  const stormDay = Math.max(0, o.days - 6);
  const llmSpan = (team: { token: string; service: string; provider: string }, traceId: string, parent: string, startMs: number, t: CallTokens, extra: { session?: string; user?: string; failed?: boolean; retry?: number; tenant?: string }, durMs: number) => {
    const spanId = hex(8);
    const failed = extra.failed === true;
    const attributes = [
      attr('gen_ai.operation.name', 'chat'), attr('gen_ai.provider.name', team.provider), attr('gen_ai.request.model', t.model),
      attr('gen_ai.usage.input_tokens', t.input), attr('gen_ai.usage.output_tokens', failed ? 0 : t.output),
    ];
    if (!failed) attributes.push(attr('gen_ai.response.model', t.model), attr('gen_ai.response.id', `resp_${traceId.slice(0, 8)}${spanId}`));
    if (t.cached > 0) attributes.push(attr('gen_ai.usage.cache_read.input_tokens', t.cached));
    if (t.reasoning > 0 && !failed) attributes.push(attr('gen_ai.usage.reasoning.output_tokens', t.reasoning));
    if (extra.session) attributes.push(attr('session.id', extra.session));
    if (extra.user) attributes.push(attr('user.id', extra.user));
    if (extra.retry) attributes.push(attr('http.request.resend_count', extra.retry));
    if (failed) attributes.push(attr('error.type', 'rate_limit_exceeded'), attr('http.response.status_code', 429));
    if (extra.tenant) attributes.push(attr('spanledger.tenant.id', extra.tenant));
    const span: OtlpSpan = {
      traceId, spanId, parentSpanId: parent, name: `chat ${t.model}`, kind: 3,
      startTimeUnixNano: nanos(startMs), endTimeUnixNano: nanos(startMs + durMs), attributes,
      ...(failed ? { status: { code: 2, message: '429 Too Many Requests' } } : {}),
    };
    return span;
  };
  const tokensOf = (team: DemoTeam, model: string): CallTokens => {
    const jitter = () => 0.5 + rnd();
    const input = Math.max(50, Math.round(team.inputTokens * jitter()));
    const output = Math.max(10, Math.round(team.outputTokens * jitter()));
    return { model, input, output, cached: Math.round(input * team.cachedShare * rnd() * 1.6), reasoning: Math.round(output * team.reasoningShare) };
  };

  for (let d = 0; d < o.days; d++) {
    const dayStart = todayStart - (o.days - 1 - d) * DAY_MS;
    const isToday = dayStart === todayStart;
    const dayEnd = isToday ? o.nowMs - 10 * 60_000 : dayStart + DAY_MS;
    if (dayEnd <= dayStart) continue;
    const weekend = [0, 6].includes(new Date(dayStart).getUTCDay());
    // Spend grows through the month, a little more each week.
    const growth = 0.8 + (0.4 * d) / Math.max(1, o.days - 1);
    for (const team of DEMO_TEAMS) {
      if (isToday && team.budget !== undefined) continue;
      const traces = Math.max(1, Math.round(team.tracesPerDay * o.scale * growth * (weekend ? 0.4 : 1)));
      let session = '';
      for (let i = 0; i < traces; i++) {
        if (session === '' || rnd() < 0.4) session = `sess-${team.team}-${new Date(dayStart).toISOString().slice(0, 10)}-${i}`;
        const user = `user-${team.team}-${Math.floor(rnd() * 40)}`;
        const startMs = dayStart + rnd() * (dayEnd - dayStart - 120_000);
        const traceId = hex(16);
        const rootId = hex(8);
        const route = team.routes[Math.floor(rnd() * team.routes.length)]!;
        let cursor = startMs + 20;
        const retrieveId = hex(8);
        add(team.token, team.service, { traceId, spanId: retrieveId, parentSpanId: rootId, name: 'retrieve context', kind: 1, startTimeUnixNano: nanos(cursor), endTimeUnixNano: nanos(cursor + 40), attributes: [attr('db.system.name', 'postgresql')] }, false);
        cursor += 50;
        const storm = team.team === 'research' && d === stormDay && i === 0;
        const calls = storm ? 1 : team.callsPerTrace;
        for (let k = 0; k < calls; k++) {
          const model = team.models[rnd() < 0.8 ? 0 : team.models.length - 1]!;
          const t = tokensOf(team, model);
          const dur = 400 + rnd() * 2500;
          // A retry storm: the provider refuses the same call thirty times in a row.
          const failures = storm ? 30 : rnd() < 0.04 ? 1 : 0;
          for (let f = 0; f < failures; f++) {
            add(team.token, team.service, llmSpan(team, traceId, rootId, cursor, t, { session, user, failed: true, retry: f }, 120), true);
            cursor += 300;
          }
          const call = llmSpan(team, traceId, rootId, cursor, t, { session, user, retry: failures }, dur);
          add(team.token, team.service, call, true);
          if (team.viaGateway) {
            // The gateway in front of the provider reports the same call under the SDK's span.
            const gw = llmSpan({ token: DEMO_GATEWAY_TOKEN, service: 'ai-gateway', provider: team.provider }, traceId, call.spanId, cursor + 5, t, { tenant: team.tenant }, dur - 10);
            const rid = call.attributes.find((a) => a.key === 'gen_ai.response.id');
            if (rid) gw.attributes = gw.attributes.map((a) => (a.key === 'gen_ai.response.id' ? rid : a));
            gw.kind = 2;
            add(DEMO_GATEWAY_TOKEN, 'ai-gateway', gw, true);
          }
          cursor += dur + 30;
        }
        add(team.token, team.service, { traceId, spanId: rootId, name: route, kind: 2, startTimeUnixNano: nanos(startMs), endTimeUnixNano: nanos(cursor + 20), attributes: [attr('http.route', route.split(' ')[1]!), attr('http.request.method', 'POST')] }, false);
        yield* drain(false);
      }
    }
    // Services nobody registered, forwarded by a shared collector: unallocated.
    const unowned = Math.max(1, Math.round(15 * o.scale * (weekend ? 0.5 : 1)));
    for (let i = 0; i < unowned; i++) {
      const service = UNOWNED_SERVICES[i % UNOWNED_SERVICES.length]!;
      const startMs = dayStart + rnd() * (dayEnd - dayStart - 60_000);
      const traceId = hex(16);
      const rootId = hex(8);
      const t = tokensOf(DEMO_TEAMS[0]!, service === 'notebook' ? UNPRICED_MODEL : 'gpt-4o-mini');
      // The batch job's own HTTP client names the model in an attribute no convention reads: an unmapped LLM-looking span.
      const rootAttrs = service === 'legacy-batch' ? [attr('batch.llm.model', 'gpt-4o-mini')] : [];
      add(DEMO_COLLECTOR_TOKEN, service, { traceId, spanId: rootId, name: service === 'notebook' ? 'cell run' : 'nightly batch', kind: 1, startTimeUnixNano: nanos(startMs), endTimeUnixNano: nanos(startMs + 3000), attributes: rootAttrs }, false);
      add(DEMO_COLLECTOR_TOKEN, service, llmSpan({ token: DEMO_COLLECTOR_TOKEN, service, provider: 'openai' }, traceId, rootId, startMs + 10, t, {}, 1500), true);
      yield* drain(false);
    }
  }
  // Each budget team's burst, now: it is all they spend today.
  for (const team of DEMO_TEAMS) {
    if (team.budget === undefined) continue;
    const traceId = hex(16);
    const rootId = hex(8);
    let cursor = o.nowMs - 120_000;
    const session = `sess-${team.team}-burst`;
    for (const t of burstCalls(team)) {
      add(team.token, team.service, llmSpan(team, traceId, rootId, cursor, t, { session, user: `user-${team.team}-0` }, 800), true);
      cursor += 900;
    }
    add(team.token, team.service, { traceId, spanId: rootId, name: team.routes[0]!, kind: 2, startTimeUnixNano: nanos(o.nowMs - 120_000 - 10), endTimeUnixNano: nanos(cursor), attributes: [] }, false);
  }
  yield* drain(true);
}
