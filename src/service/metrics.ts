import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DetachedParts, LedgerTelemetry } from '../ledger';
import type { NormalizeReport } from '../normalize';
import type { OwnedCall, StageTelemetry } from '../pipeline';
import type { PricingTelemetry } from '../pricing';
import type { ReceiverTelemetry } from '../receiver';

/** The service's self-telemetry: one registry per service instance (no globals). */
export interface ServiceMetrics {
  registry: Registry;
  receiver: ReceiverTelemetry;
  ledger: LedgerTelemetry;
  /** Items in and out of each ingest stage and the time it took, per export. */
  stages: StageTelemetry;
  /** LLM calls found by normalization. */
  llmCalls(n: number): void;
  /** Counts resolved calls by ownership source, unallocated reason and conflicts. */
  ownership(calls: readonly OwnedCall[]): void;
  pricing: PricingTelemetry;
  /** Publishes the price catalog version and the number of local overrides. */
  catalog(version: string, overrides: number): void;
  /** Counts policy decisions. */
  decision(decision: string, reason: string): void;
  /** Counts reservations released early because too many were open. */
  reservationEvicted(): void;
  /** Counts reservations closed because another replica stored their calls. */
  reservationsSettledElsewhere(n: number): void;
  /** Counts spans that look like LLM calls no convention could read. */
  unmapped(n: number): void;
  /** Counts what a normalize pass did: token totals rebuilt by the OTel rule, content attributes dropped. */
  normalized(report: NormalizeReport): void;
  /** Sets how the data-quality gauge reads its value at scrape time. */
  qualityGauge(read: () => Promise<number>): void;
  /** Sets how the spool-size gauge reads its value at scrape time. */
  spool(bytes: () => number): void;
  /** Sets how the dead-letter, low-disk and detached-part gauges read their values at scrape time. */
  durability(read: { deadLetters: () => number; diskLow: () => boolean; detachedParts: () => Promise<DetachedParts[]> }): void;
}

/** Creates the counters and histograms, named `spanledger_*`. */
export function createMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'spanledger_' });
  const received = new Counter({
    name: 'spanledger_spans_received_total',
    help: 'Spans decoded and accepted, by transport.',
    labelNames: ['transport'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'spanledger_spans_rejected_total',
    help: 'Spans refused (partial success), by transport and reason.',
    labelNames: ['transport', 'reason'],
    registers: [registry],
  });
  const truncated = new Counter({
    name: 'spanledger_spans_truncated_total',
    help: 'Spans kept with attributes truncated or dropped by the caps (flagged spanledger.truncated_attributes).',
    labelNames: ['transport'],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'spanledger_export_requests_total',
    help: 'OTLP export requests, by transport and outcome.',
    labelNames: ['transport', 'outcome'],
    registers: [registry],
  });
  const written = new Counter({
    name: 'spanledger_rows_written_total',
    help: 'Rows stored, by table.',
    labelNames: ['table'],
    registers: [registry],
  });
  const batches = new Counter({
    name: 'spanledger_batches_total',
    help: 'Insert batches, by table and outcome.',
    labelNames: ['table', 'outcome'],
    registers: [registry],
  });
  const writeLatency = new Histogram({
    name: 'spanledger_write_latency_seconds',
    help: 'Time to store one batch, by table.',
    labelNames: ['table'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const calls = new Counter({
    name: 'spanledger_llm_calls_total',
    help: 'LLM calls recognized by normalization.',
    registers: [registry],
  });
  const owned = new Counter({
    name: 'spanledger_llm_calls_owned_total',
    help: 'LLM calls by how their owner was decided (source) and, when unallocated, why (reason).',
    labelNames: ['source', 'reason'],
    registers: [registry],
  });
  const conflicts = new Counter({
    name: 'spanledger_ownership_conflicts_total',
    help: 'LLM calls whose self-declared team or tenant contradicts the resolved owner.',
    registers: [registry],
  });
  const priced = new Counter({
    name: 'spanledger_llm_calls_priced_total',
    help: 'LLM calls by pricing status (priced, unpriced_unknown_model, unpriced_missing_usage, unpriced_cost_overflow, provider_reported).',
    labelNames: ['status'],
    registers: [registry],
  });
  const catalogInfo = new Gauge({
    name: 'spanledger_price_catalog_info',
    help: 'The price catalog in use (value 1), with its version and the number of local overrides.',
    labelNames: ['catalog', 'version', 'overrides'],
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'spanledger_policy_decisions_total',
    help: 'Policy decisions by outcome (allow, warn, deny) and reason.',
    labelNames: ['decision', 'reason'],
    registers: [registry],
  });
  const evicted = new Counter({
    name: 'spanledger_policy_reservations_evicted_total',
    help: 'Reservations released before settlement or expiry because policy.maxOpenReservations were open (calls whose spans never match).',
    registers: [registry],
  });
  const settledElsewhere = new Counter({
    name: 'spanledger_policy_reservations_settled_elsewhere_total',
    help: 'Reservations closed at a refresh because their calls were stored by another replica (the span went elsewhere than the decision).',
    registers: [registry],
  });
  const unmappedSpans = new Counter({
    name: 'spanledger_unmapped_llm_spans_total',
    help: 'Spans no span convention claimed that name a model the price catalog knows (flagged unmapped_llm in spans).',
    registers: [registry],
  });
  const tokenRebuilds = new Counter({
    name: 'spanledger_token_rebuilds_total',
    help: 'LLM calls whose input (with cache read and write) or output (with reasoning) total was rebuilt by the OTel rule from an exclusive report, by class.',
    labelNames: ['class'],
    registers: [registry],
  });
  const contentDropped = new Counter({
    name: 'spanledger_content_attributes_dropped_total',
    help: 'Prompt and answer attributes removed at ingestion (normalize.content: drop, out of both tables; keep_in_spans, kept in the spans table only).',
    registers: [registry],
  });
  const stageItems = new Counter({
    name: 'spanledger_stage_items_total',
    help: 'Items into and out of each ingest stage (spans into normalize, calls after it), by stage and direction (in, out).',
    labelNames: ['stage', 'direction'],
    registers: [registry],
  });
  const stageSeconds = new Histogram({
    name: 'spanledger_stage_duration_seconds',
    help: 'Time one export spends in each ingest stage (normalize, ownership, pricing; JavaScript work, storage not included).',
    labelNames: ['stage'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [registry],
  });
  let readQuality: (() => Promise<number>) | undefined;
  let spoolBytes: (() => number) | undefined;
  new Gauge({
    name: 'spanledger_spool_bytes',
    help: 'Bytes of exports held in the spool, waiting for storage.',
    registers: [registry],
    collect() {
      if (spoolBytes) this.set(spoolBytes());
    },
  });
  const spooled = new Counter({ name: 'spanledger_spooled_rows_total', help: 'Rows written to the spool because storage refused them.', registers: [registry] });
  const replayed = new Counter({ name: 'spanledger_spool_replayed_exports_total', help: 'Spooled exports replayed into storage.', registers: [registry] });
  const replayFailures = new Counter({ name: 'spanledger_spool_replay_failures_total', help: 'Spool replays stopped because storage refused for a passing cause (retried a second later).', registers: [registry] });
  const deadLettered = new Counter({ name: 'spanledger_dead_lettered_exports_total', help: 'Acknowledged exports storage refused for good at replay, set aside in the dead-letter store.', registers: [registry] });
  let durability: Parameters<ServiceMetrics['durability']>[0] | undefined;
  new Gauge({
    name: 'spanledger_dead_letters',
    help: 'Exports held in the dead-letter store (listed and replayed at /v1/admin/dead-letters).',
    registers: [registry],
    collect() {
      if (durability) this.set(durability.deadLetters());
    },
  });
  new Gauge({
    name: 'spanledger_disk_low',
    help: '1 while the data or spool filesystem is below its free-space reserve (exports refused, not ready).',
    registers: [registry],
    collect() {
      if (durability) this.set(durability.diskLow() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'spanledger_detached_parts',
    help: 'Parts of ledger tables in system.detached_parts (broken or unexpected at start, or detached by hand), by table and reason.',
    labelNames: ['table', 'reason'],
    registers: [registry],
    async collect() {
      if (!durability) return;
      const parts = await durability.detachedParts().catch(() => undefined);
      if (parts === undefined) return;
      this.reset();
      for (const p of parts) this.set({ table: p.table, reason: p.reason }, p.parts);
    },
  });
  new Gauge({
    name: 'spanledger_quality_unallocated_spend_ratio',
    help: 'Share of this month\'s billed LLM spend that has no owner (0..1), computed at scrape time.',
    registers: [registry],
    async collect() {
      if (readQuality) this.set(await readQuality().catch(() => Number.NaN));
    },
  });
  return {
    registry,
    qualityGauge: (read) => {
      readQuality = read;
    },
    spool: (bytes) => {
      spoolBytes = bytes;
    },
    durability: (read) => {
      durability = read;
    },
    unmapped: (n) => unmappedSpans.inc(n),
    normalized: (r) => {
      if (r.inputRebuilt > 0) tokenRebuilds.inc({ class: 'input' }, r.inputRebuilt);
      if (r.outputRebuilt > 0) tokenRebuilds.inc({ class: 'output' }, r.outputRebuilt);
      if (r.contentDropped > 0) contentDropped.inc(r.contentDropped);
    },
    reservationEvicted: () => evicted.inc(),
    reservationsSettledElsewhere: (n) => settledElsewhere.inc(n),
    decision: (() => {
      // One child counter per label pair, found without building a key: decisions are a hot path.
      const children = new Map<string, Map<string, ReturnType<typeof decisions.labels>>>();
      return (decision: string, reason: string) => {
        let byReason = children.get(decision);
        if (byReason === undefined) {
          byReason = new Map();
          children.set(decision, byReason);
        }
        let child = byReason.get(reason);
        if (child === undefined) {
          child = decisions.labels(decision, reason);
          byReason.set(reason, child);
        }
        child.inc();
      };
    })(),
    pricing: { priced: (status, n) => priced.inc({ status }, n) },
    catalog: (version, overrides) => {
      catalogInfo.reset();
      catalogInfo.set({ catalog: '@pydantic/genai-prices', version, overrides: String(overrides) }, 1);
    },
    receiver: {
      truncated: (transport, n) => truncated.inc({ transport }, n),
      accepted: (transport, n) => received.inc({ transport }, n),
      rejected: (transport, n, reason) => rejected.inc({ transport, reason }, n),
      request: (transport, outcome) => requests.inc({ transport, outcome }),
    },
    ledger: {
      spooled: (rows) => spooled.inc(rows),
      replayed: (n) => replayed.inc(n),
      replayFailed: () => replayFailures.inc(),
      deadLettered: () => deadLettered.inc(),
      batch(table, rows, ms, ok) {
        batches.inc({ table, outcome: ok ? 'ok' : 'error' });
        writeLatency.observe({ table }, ms / 1000);
        if (ok) written.inc({ table }, rows);
      },
    },
    stages: (() => {
      // The label children of each stage, found once: this runs for every export.
      const children = new Map<string, { in: ReturnType<typeof stageItems.labels>; out: ReturnType<typeof stageItems.labels>; seconds: ReturnType<typeof stageSeconds.labels> }>();
      return {
        processed(stage: string, itemsIn: number, itemsOut: number, ms: number) {
          let c = children.get(stage);
          if (c === undefined) {
            c = { in: stageItems.labels(stage, 'in'), out: stageItems.labels(stage, 'out'), seconds: stageSeconds.labels(stage) };
            children.set(stage, c);
          }
          if (itemsIn > 0) c.in.inc(itemsIn);
          if (itemsOut > 0) c.out.inc(itemsOut);
          c.seconds.observe(ms / 1000);
        },
      };
    })(),
    llmCalls: (n) => calls.inc(n),
    ownership(list) {
      // Tally per export, then touch the counters once per label set.
      let conflicted = 0;
      const tally = new Map<string, number>();
      for (const c of list) {
        const o = c.owner;
        const key = `${o.source}\u0000${o.unallocatedReason}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
        if (o.conflict) conflicted++;
      }
      for (const [key, n] of tally) {
        const [source, reason] = key.split('\u0000');
        owned.inc({ source, reason }, n);
      }
      if (conflicted > 0) conflicts.inc(conflicted);
    },
  };
}
