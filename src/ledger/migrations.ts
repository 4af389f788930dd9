/** One schema step. Statements are run in order; each must be safe to run again. */
export interface Migration {
  version: number;
  name: string;
  statements(db: string): string[];
}

// Attributes are stored as JSON text and read as maps through ALIAS columns: parsing a
// Map(String, String) from JSON rows made inserts about twice as slow (bench/), while the
// alias keeps `attributes['gen_ai.request.model']` working in every query.
const ATTRIBUTE_MAP = (column: string) =>
  `CAST(JSONExtractKeysAndValues(${column}, 'String'), 'Map(String, String)')`;

// Database names are validated identifiers (see config.ts); ClickHouse cannot bind
// identifiers inside DDL, so they are written in.
/** Every schema step, oldest first. Never edit a released step; add a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'llm_calls and spans',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.llm_calls (
        timestamp DateTime64(9, 'UTC') COMMENT 'span start: when the call was made',
        end_timestamp DateTime64(9, 'UTC'),
        trace_id String,
        span_id String,
        parent_span_id String,
        session_id String,
        user_id String,
        request_id String,
        response_id String,
        span_name String,
        convention LowCardinality(String) COMMENT 'span convention the call was read with',
        service_name LowCardinality(String),
        service_namespace LowCardinality(String),
        service_version LowCardinality(String),
        deployment_environment LowCardinality(String),
        provider LowCardinality(String),
        operation LowCardinality(String),
        request_model LowCardinality(String),
        response_model LowCardinality(String),
        input_tokens Nullable(UInt64) COMMENT 'includes cache read and cache write tokens',
        output_tokens Nullable(UInt64) COMMENT 'includes reasoning tokens',
        cache_read_tokens Nullable(UInt64),
        cache_write_tokens Nullable(UInt64),
        reasoning_tokens Nullable(UInt64),
        status_code LowCardinality(String) COMMENT 'unset, ok or error',
        status_message String,
        error_type LowCardinality(String),
        http_status_code Nullable(UInt16),
        latency_ms Float64,
        tenant LowCardinality(String) DEFAULT '',
        team LowCardinality(String) DEFAULT '',
        app LowCardinality(String) DEFAULT '',
        feature LowCardinality(String) DEFAULT '',
        environment LowCardinality(String) DEFAULT '',
        cost_center LowCardinality(String) DEFAULT '',
        ownership_source LowCardinality(String) DEFAULT '',
        unallocated_reason LowCardinality(String) DEFAULT '',
        cost_nano_usd Nullable(Int64) COMMENT 'billed cost in 1e-9 USD; NULL when not priced',
        input_cost_nano_usd Nullable(Int64),
        cache_read_cost_nano_usd Nullable(Int64),
        cache_write_cost_nano_usd Nullable(Int64),
        output_cost_nano_usd Nullable(Int64),
        reasoning_cost_nano_usd Nullable(Int64),
        provider_reported_cost_nano_usd Nullable(Int64),
        price_source LowCardinality(String) DEFAULT '',
        price_version LowCardinality(String) DEFAULT '',
        pricing_status LowCardinality(String) DEFAULT 'pending',
        attributes_json String COMMENT 'span attributes as a JSON object of strings',
        resource_json String COMMENT 'resource attributes as a JSON object of strings',
        attributes Map(String, String) ALIAS ${ATTRIBUTE_MAP('attributes_json')},
        resource_attributes Map(String, String) ALIAS ${ATTRIBUTE_MAP('resource_json')},
        ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
        INDEX idx_trace trace_id TYPE bloom_filter GRANULARITY 4,
        INDEX idx_session session_id TYPE bloom_filter GRANULARITY 4
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(timestamp)
      ORDER BY (toDate(timestamp), trace_id, span_id)
      COMMENT 'one row per LLM call; read with FINAL so a span delivered twice counts once'`,
      `CREATE TABLE IF NOT EXISTS ${db}.spans (
        timestamp DateTime64(9, 'UTC'),
        end_timestamp DateTime64(9, 'UTC'),
        trace_id String,
        span_id String,
        parent_span_id String,
        trace_state String,
        name String,
        kind LowCardinality(String),
        status_code LowCardinality(String),
        status_message String,
        duration_ms Float64,
        service_name LowCardinality(String),
        scope_name LowCardinality(String),
        scope_version LowCardinality(String),
        is_llm_call UInt8,
        attributes_json String COMMENT 'span attributes as a JSON object of strings',
        resource_json String COMMENT 'resource attributes as a JSON object of strings',
        attributes Map(String, String) ALIAS ${ATTRIBUTE_MAP('attributes_json')},
        resource_attributes Map(String, String) ALIAS ${ATTRIBUTE_MAP('resource_json')},
        events String COMMENT 'JSON array of {time_unix_nano, name, attributes}',
        links String COMMENT 'JSON array of {trace_id, span_id, trace_state, attributes}',
        ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
        INDEX idx_trace trace_id TYPE bloom_filter GRANULARITY 4
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMMDD(timestamp)
      ORDER BY (toDate(timestamp), trace_id, span_id)
      TTL toDateTime(timestamp) + INTERVAL 30 DAY
      COMMENT 'every received span, for drill-down; TTL set by spansTtlDays'`,
    ],
  },
  {
    version: 2,
    name: 'ownership evidence',
    statements: (db) => [
      `ALTER TABLE ${db}.llm_calls
        ADD COLUMN IF NOT EXISTS business_unit LowCardinality(String) DEFAULT '' AFTER cost_center,
        ADD COLUMN IF NOT EXISTS sender_id LowCardinality(String) DEFAULT '' COMMENT 'authenticated sender' AFTER unallocated_reason,
        ADD COLUMN IF NOT EXISTS claimed_tenant LowCardinality(String) DEFAULT '' COMMENT 'tenant the span declared itself' AFTER sender_id,
        ADD COLUMN IF NOT EXISTS claimed_team LowCardinality(String) DEFAULT '' COMMENT 'team the span declared itself' AFTER claimed_tenant,
        ADD COLUMN IF NOT EXISTS claimed_feature LowCardinality(String) DEFAULT '' AFTER claimed_team,
        ADD COLUMN IF NOT EXISTS ownership_conflict UInt8 DEFAULT 0 COMMENT '1 when a claim contradicts the resolved owner' AFTER claimed_feature`,
    ],
  },
  {
    version: 3,
    name: 'pricing evidence and cost adjustments',
    statements: (db) => [
      `ALTER TABLE ${db}.llm_calls
        ADD COLUMN IF NOT EXISTS service_tier LowCardinality(String) DEFAULT '' AFTER operation,
        ADD COLUMN IF NOT EXISTS computed_cost_nano_usd Nullable(Int64) COMMENT 'our price book cost, billed or not' AFTER cost_nano_usd,
        ADD COLUMN IF NOT EXISTS currency LowCardinality(String) DEFAULT 'USD' AFTER provider_reported_cost_nano_usd`,
      `CREATE TABLE IF NOT EXISTS ${db}.cost_adjustments (
        run_id String COMMENT 'one reprice run',
        created_at DateTime64(3, 'UTC') DEFAULT now64(3),
        timestamp DateTime64(9, 'UTC') COMMENT 'the adjusted call''s start',
        trace_id String,
        span_id String,
        tenant LowCardinality(String),
        team LowCardinality(String),
        app LowCardinality(String),
        feature LowCardinality(String),
        provider LowCardinality(String),
        request_model LowCardinality(String),
        original_cost_nano_usd Nullable(Int64),
        repriced_cost_nano_usd Nullable(Int64),
        delta_nano_usd Int64 COMMENT 'repriced minus original; add to the call''s billed cost',
        original_price_version LowCardinality(String),
        repriced_price_version LowCardinality(String),
        reason String
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(timestamp)
      ORDER BY (run_id, trace_id, span_id)
      COMMENT 'auditable re-rating: original llm_calls rows are never rewritten'`,
    ],
  },
  {
    version: 4,
    name: 'policy: reservation snapshots, events, decisions',
    statements: (db) => [
      `ALTER TABLE ${db}.llm_calls
        ADD COLUMN IF NOT EXISTS policy_decision_id String DEFAULT '' COMMENT 'the policy decision that allowed this call, matched by request id',
        ADD COLUMN IF NOT EXISTS policy_outcome LowCardinality(String) DEFAULT '' COMMENT 'allow, warn or deny'`,
      `CREATE TABLE IF NOT EXISTS ${db}.policy_reservations (
        replica_id LowCardinality(String) COMMENT 'the spanledger replica holding the reservations',
        tenant LowCardinality(String),
        team LowCardinality(String),
        open_count UInt32,
        reserved_nano_usd Int64 COMMENT 'sum of the open reservations',
        expires_at DateTime64(3, 'UTC') COMMENT 'when the last of them expires',
        updated_at DateTime64(3, 'UTC'),
        version UInt64 COMMENT 'latest snapshot wins'
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY (replica_id, tenant)
      COMMENT 'open reservations per replica and tenant, snapshotted every policy refresh'`,
      `CREATE TABLE IF NOT EXISTS ${db}.policy_events (
        event_id String,
        created_at DateTime64(3, 'UTC'),
        kind LowCardinality(String) COMMENT 'budget_warning or budget_exceeded',
        scope LowCardinality(String) COMMENT 'tenant or team',
        subject LowCardinality(String) COMMENT 'tenant id or team name',
        period_start DateTime('UTC'),
        period_end DateTime('UTC'),
        limit_nano_usd Int64,
        spent_nano_usd Int64,
        reserved_nano_usd Int64,
        currency LowCardinality(String),
        message String
      )
      ENGINE = ReplacingMergeTree
      ORDER BY (scope, subject, period_start, kind)`,
      `CREATE TABLE IF NOT EXISTS ${db}.policy_decisions (
        decision_id String,
        created_at DateTime64(3, 'UTC'),
        tenant LowCardinality(String),
        request_id String,
        provider LowCardinality(String),
        model LowCardinality(String),
        outcome LowCardinality(String),
        reason LowCardinality(String),
        reserved_nano_usd Int64
      )
      ENGINE = MergeTree
      PARTITION BY toYYYYMM(created_at)
      ORDER BY (tenant, created_at)
      TTL toDateTime(created_at) + INTERVAL 90 DAY`,
    ],
  },
  {
    version: 5,
    name: 'unmapped LLM-looking spans',
    statements: (db) => [
      `ALTER TABLE ${db}.spans
        ADD COLUMN IF NOT EXISTS unmapped_llm UInt8 DEFAULT 0 COMMENT '1: no span convention claimed it, yet it names a model the price catalog knows' AFTER is_llm_call`,
    ],
  },
  {
    version: 6,
    name: 'workflow evidence: sender kind, retries, failures',
    statements: (db) => [
      `ALTER TABLE ${db}.llm_calls
        ADD COLUMN IF NOT EXISTS sender_kind LowCardinality(String) DEFAULT '' COMMENT 'gateway, service or anonymous' AFTER sender_id,
        ADD COLUMN IF NOT EXISTS retry_attempt UInt16 DEFAULT 0 COMMENT 'retry number the sender reported' AFTER http_status_code,
        ADD COLUMN IF NOT EXISTS is_failed UInt8 DEFAULT 0 COMMENT 'error status, error.type or HTTP >= 400' AFTER retry_attempt`,
    ],
  },
  {
    version: 7,
    name: 'invoice lines for reconciliation',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.invoice_lines (
        file_sha256 String COMMENT 'the imported file; re-importing it replaces its lines',
        line_no UInt32,
        source LowCardinality(String) COMMENT 'openai_costs_json, anthropic_cost_csv or generic_csv',
        day Date,
        provider LowCardinality(String),
        model LowCardinality(String),
        cost_nano_usd Int64,
        currency LowCardinality(String),
        imported_at DateTime64(3, 'UTC') DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree
      ORDER BY (file_sha256, line_no)`,
    ],
  },
  {
    version: 8,
    name: 'call marks: duplicates and retries, resolved incrementally',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.call_marks (
        timestamp DateTime64(9, 'UTC') COMMENT 'the call''s start, to bound reads by period',
        trace_id String,
        span_id String,
        duplicate_of String COMMENT 'the billing record this call duplicates, or empty',
        is_retry UInt8,
        version UInt64 COMMENT 'latest resolution wins'
      )
      ENGINE = ReplacingMergeTree(version)
      PARTITION BY toYYYYMM(timestamp)
      ORDER BY (trace_id, span_id)
      COMMENT 'only calls that are (or were) duplicates or retries; rewritten when their trace changes'`,
      // The resolver asks for what was ingested since its watermark every few seconds.
      `ALTER TABLE ${db}.llm_calls ADD INDEX IF NOT EXISTS idx_ingested ingested_at TYPE minmax GRANULARITY 1`,
      `CREATE TABLE IF NOT EXISTS ${db}.resolver_state (
        name String,
        watermark DateTime64(3, 'UTC') COMMENT 'calls ingested up to here are resolved',
        version UInt64
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY name`,
    ],
  },
  {
    version: 9,
    name: 'daily rollups kept by the resolver, for month-long reports',
    statements: (db) => [
      // One row per day and grouping; a rebuilt day is written again under a newer build, and
      // FINAL keeps the newest. A grouping that vanished from a rebuild gets a zero row.
      `CREATE TABLE IF NOT EXISTS ${db}.rollup_daily_costs (
        day Date,
        build UInt64 COMMENT 'newest rebuild of the day wins',
        tenant LowCardinality(String),
        team LowCardinality(String),
        app LowCardinality(String),
        feature LowCardinality(String),
        environment LowCardinality(String),
        provider LowCardinality(String),
        model LowCardinality(String),
        llm_calls UInt64 COMMENT 'duplicates excluded, as in every count below unless named',
        duplicates UInt64,
        retries UInt64,
        failed_calls UInt64,
        input_tokens UInt64,
        output_tokens UInt64,
        cache_read_tokens UInt64,
        cache_write_tokens UInt64,
        reasoning_tokens UInt64,
        cost_nano_usd Int64 COMMENT 'billed: duplicates count zero',
        failed_cost_nano_usd Int64,
        retry_cost_nano_usd Int64,
        unpriced_calls UInt64,
        unallocated_calls UInt64,
        unallocated_cost_nano_usd Int64,
        with_session_calls UInt64,
        ownership_conflicts UInt64 COMMENT 'duplicates included',
        first_call_at DateTime64(9, 'UTC'),
        last_call_end DateTime64(9, 'UTC')
      )
      ENGINE = ReplacingMergeTree(build)
      PARTITION BY toYYYYMM(day)
      ORDER BY (day, tenant, team, app, feature, environment, provider, model)
      COMMENT 'daily_costs per day, rebuilt for the days the mark resolver saw change; read with FINAL'`,
      `CREATE TABLE IF NOT EXISTS ${db}.rollup_daily_users (
        day Date,
        build UInt64,
        user_id String,
        llm_calls UInt64,
        tokens UInt64 COMMENT 'input plus output',
        cost_nano_usd Int64
      )
      ENGINE = ReplacingMergeTree(build)
      PARTITION BY toYYYYMM(day)
      ORDER BY (day, user_id)
      COMMENT 'billed cost per user and day; read with FINAL'`,
      `CREATE TABLE IF NOT EXISTS ${db}.rollup_daily_routes (
        day Date,
        build UInt64,
        route String COMMENT 'the trace''s root span name, or (no root span)',
        service LowCardinality(String),
        traces AggregateFunction(uniqExact, String) COMMENT 'uniqExactMerge counts a trace once across days',
        cost_nano_usd Int64
      )
      ENGINE = ReplacingMergeTree(build)
      PARTITION BY toYYYYMM(day)
      ORDER BY (day, route, service)
      COMMENT 'billed cost per root route and day; read with FINAL'`,
      // A root span arriving after its calls changes the route the calls' cost belongs to.
      `ALTER TABLE ${db}.spans ADD INDEX IF NOT EXISTS idx_ingested ingested_at TYPE minmax GRANULARITY 1`,
    ],
  },
  {
    version: 10,
    name: 'the writer and refresh epoch of each call, for exact budget refreshes',
    statements: (db) => [
      // A budget refresh reads the ledger while calls are still being stored; these say which
      // calls its process had counted in memory before the read began, so none counts twice.
      `ALTER TABLE ${db}.llm_calls
        ADD COLUMN IF NOT EXISTS writer_id LowCardinality(String) DEFAULT '' COMMENT 'the spanledger process that stored the call (replica and a per-start nonce)',
        ADD COLUMN IF NOT EXISTS writer_epoch UInt64 DEFAULT 0 COMMENT 'that process''s budget-refresh epoch when the call arrived'`,
    ],
  },
  {
    version: 11,
    name: 'policy event kinds described as they are',
    statements: (db) => [
      `ALTER TABLE ${db}.policy_events
        COMMENT COLUMN kind 'budget_warning (spend plus reservations reach the warn threshold), budget_exhausted (first deny for budget) or budget_exceeded (settled spend reaches the limit); each once per scope and period'`,
    ],
  },
  {
    version: 12,
    name: 'normalization evidence: raw provider and model ids, cache writes by TTL, token rebuilds, dropped content',
    statements: (db) => [
      `ALTER TABLE ${db}.llm_calls
        ADD COLUMN IF NOT EXISTS raw_provider String DEFAULT '' COMMENT 'the provider as the span named it, before normalization to the OTel well-known value',
        ADD COLUMN IF NOT EXISTS raw_request_model String DEFAULT '' COMMENT 'the request model id as sent (request_model is normalized for pricing)',
        ADD COLUMN IF NOT EXISTS raw_response_model String DEFAULT '' COMMENT 'the response model id as sent',
        ADD COLUMN IF NOT EXISTS cache_write_5m_tokens Nullable(UInt64) COMMENT 'part of cache_write_tokens written with a 5-minute TTL (Anthropic), NULL when not reported',
        ADD COLUMN IF NOT EXISTS cache_write_1h_tokens Nullable(UInt64) COMMENT 'part of cache_write_tokens written with a 1-hour TTL (Anthropic), NULL when not reported',
        ADD COLUMN IF NOT EXISTS token_rebuild LowCardinality(String) DEFAULT '' COMMENT 'totals rebuilt by the OTel rule from an exclusive report: input, output or input,output',
        ADD COLUMN IF NOT EXISTS content_attributes_dropped UInt32 DEFAULT 0 COMMENT 'prompt and answer attributes left out of this row'`,
    ],
  },
  {
    version: 13,
    name: 'per-call cost components, list cost and the finer usage they were computed from',
    statements: (db) => [
      // A call's computed cost decomposes exactly into these (their sum is
      // computed_cost_nano_usd): 1-hour cache writes, audio, request and tool fees included.
      `ALTER TABLE ${db}.llm_calls
        ADD COLUMN IF NOT EXISTS cost_components Map(LowCardinality(String), Int64) COMMENT 'computed cost by billed class (input, cache_write_1h, reasoning, web_search, request_fee, ...), nano-USD; sums to computed_cost_nano_usd',
        ADD COLUMN IF NOT EXISTS list_cost_nano_usd Nullable(Int64) COMMENT 'the call at list price (catalog, corrections, tier) before overrides: FOCUS ListCost',
        ADD COLUMN IF NOT EXISTS usage_details Map(LowCardinality(String), UInt64) COMMENT 'finer usage as reported (cache_write_1h_tokens, audio_input_tokens, web_search_count, ...), parts of the token columns'`,
    ],
  },
  {
    version: 14,
    name: 'rollups of list cost and calls without usage; adjustment indexes',
    statements: (db) => [
      // llm_calls.list_cost_nano_usd comes with version 13.
      `ALTER TABLE ${db}.rollup_daily_costs
        ADD COLUMN IF NOT EXISTS missing_usage_calls UInt64 DEFAULT 0 COMMENT 'calls not priced because they report no usage' AFTER unpriced_calls,
        ADD COLUMN IF NOT EXISTS failed_missing_usage_calls UInt64 DEFAULT 0 COMMENT 'of those, failed calls' AFTER missing_usage_calls,
        ADD COLUMN IF NOT EXISTS no_price_calls UInt64 DEFAULT 0 COMMENT 'calls whose model (or tier) has no price' AFTER failed_missing_usage_calls,
        ADD COLUMN IF NOT EXISTS list_cost_nano_usd Int64 DEFAULT 0 COMMENT 'list cost before negotiated overrides (duplicates excluded)' AFTER cost_nano_usd`,
      // Every billed cost now joins the adjustments: a trace's drill-down looks them up by
      // trace, the resolver asks for those created since its last pass.
      `ALTER TABLE ${db}.cost_adjustments
        ADD INDEX IF NOT EXISTS idx_trace trace_id TYPE bloom_filter GRANULARITY 4,
        ADD INDEX IF NOT EXISTS idx_created created_at TYPE minmax GRANULARITY 1`,
    ],
  },
  {
    version: 15,
    name: 'codecs on time and string columns; the model key as a column',
    statements: (db) => [
      // Only the codec changes: parts written from now on use it, older ones on their next
      // merge; no mutation rewrites the table.
      ...['llm_calls', 'spans'].map((table) => `ALTER TABLE ${db}.${table}
        ${codecs(table === 'llm_calls' ? LLM_CALLS_STRINGS : SPANS_STRINGS)}`),
      // One definition of the model a call is grouped and matched by, read by every view.
      `ALTER TABLE ${db}.llm_calls
        ADD COLUMN IF NOT EXISTS model_key String ALIAS if(response_model != '', response_model, request_model) COMMENT 'the response model, else the request model: what reports group by and retries match on'`,
    ],
  },
  {
    version: 16,
    name: 'rollups of prices in use and of sessions, for the prices, reconciliation, chargeback and sessions reads',
    statements: (db) => [
      // Rebuilt with the other daily rollups (newest build wins, zero rows for vanished
      // groupings); the grouping keys are what those reads group or filter by.
      `CREATE TABLE IF NOT EXISTS ${db}.rollup_daily_prices (
        day Date,
        build UInt64 COMMENT 'newest rebuild of the day wins',
        provider LowCardinality(String),
        model LowCardinality(String) COMMENT 'the model key: the response model, else the request model',
        price_version LowCardinality(String),
        pricing_status LowCardinality(String),
        unallocated UInt8 COMMENT '1: the calls have no tenant',
        unallocated_reason LowCardinality(String),
        llm_calls UInt64 COMMENT 'duplicates excluded',
        duplicates UInt64,
        failed_calls UInt64 COMMENT 'duplicates excluded',
        cost_nano_usd Int64 COMMENT 'billed: duplicates count zero'
      )
      ENGINE = ReplacingMergeTree(build)
      PARTITION BY toYYYYMM(day)
      ORDER BY (day, provider, model, price_version, pricing_status, unallocated, unallocated_reason)
      COMMENT 'calls and billed cost per day, provider, model, price version, pricing status and unallocated reason; read with FINAL'`,
      `CREATE TABLE IF NOT EXISTS ${db}.rollup_daily_sessions (
        day Date,
        build UInt64 COMMENT 'newest rebuild of the day wins',
        session_id String,
        llm_calls UInt64 COMMENT 'duplicates excluded, as in every count below unless named',
        duplicates UInt64,
        retries UInt64,
        failed_calls UInt64,
        input_tokens UInt64,
        output_tokens UInt64,
        cache_read_tokens UInt64,
        cache_write_tokens UInt64,
        reasoning_tokens UInt64,
        cost_nano_usd Int64 COMMENT 'billed: duplicates count zero',
        failed_cost_nano_usd Int64,
        retry_cost_nano_usd Int64,
        unpriced_calls UInt64,
        unallocated_calls UInt64,
        unallocated_cost_nano_usd Int64,
        traces AggregateFunction(uniqExact, String) COMMENT 'uniqExactMerge counts a trace once across days',
        first_team AggregateFunction(argMin, String, DateTime64(9, 'UTC')) COMMENT 'argMinMerge: the team of the session''s first call',
        first_feature AggregateFunction(argMin, String, DateTime64(9, 'UTC')) COMMENT 'argMinMerge: the feature of the session''s first call'
      )
      ENGINE = ReplacingMergeTree(build)
      PARTITION BY toYYYYMM(day)
      ORDER BY (day, session_id)
      COMMENT 'session_costs per day (calls with a session id), rebuilt for the days the mark resolver saw change; read with FINAL'`,
    ],
  },
];

// Times are near-sorted within a part: deltas compress to a few bits. Ids and JSON: ZSTD.
const TIME_COLUMNS = ['timestamp', 'end_timestamp', 'ingested_at'];
const LLM_CALLS_STRINGS = ['trace_id', 'span_id', 'parent_span_id', 'session_id', 'user_id', 'request_id', 'response_id', 'span_name', 'status_message', 'attributes_json', 'resource_json'];
const SPANS_STRINGS = ['trace_id', 'span_id', 'parent_span_id', 'trace_state', 'name', 'status_message', 'attributes_json', 'resource_json', 'events', 'links'];

function codecs(strings: string[]): string {
  return [...TIME_COLUMNS.map((c) => `MODIFY COLUMN ${c} CODEC(Delta, ZSTD(1))`), ...strings.map((c) => `MODIFY COLUMN ${c} CODEC(ZSTD(1))`)].join(',\n        ');
}
