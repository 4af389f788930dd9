CREATE DATABASE IF NOT EXISTS spanledger ON CLUSTER ledger;

CREATE TABLE IF NOT EXISTS spanledger.schema_migrations_local ON CLUSTER ledger (
      version UInt32, name String, applied_at DateTime DEFAULT now()
    )
    ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
    ORDER BY version;

CREATE TABLE IF NOT EXISTS spanledger.schema_migrations ON CLUSTER ledger AS spanledger.schema_migrations_local
      ENGINE = Distributed(ledger, spanledger, schema_migrations_local, cityHash64(version));

CREATE TABLE IF NOT EXISTS spanledger.llm_calls_local ON CLUSTER ledger (
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
        attributes Map(String, String) ALIAS CAST(JSONExtractKeysAndValues(attributes_json, 'String'), 'Map(String, String)'),
        resource_attributes Map(String, String) ALIAS CAST(JSONExtractKeysAndValues(resource_json, 'String'), 'Map(String, String)'),
        ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
        INDEX idx_trace trace_id TYPE bloom_filter GRANULARITY 4,
        INDEX idx_session session_id TYPE bloom_filter GRANULARITY 4
      )
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      PARTITION BY toYYYYMM(timestamp)
      ORDER BY (toDate(timestamp), trace_id, span_id)
      COMMENT 'one row per LLM call; read with FINAL so a span delivered twice counts once';

CREATE TABLE IF NOT EXISTS spanledger.llm_calls ON CLUSTER ledger AS spanledger.llm_calls_local
      ENGINE = Distributed(ledger, spanledger, llm_calls_local, cityHash64(trace_id));

CREATE TABLE IF NOT EXISTS spanledger.spans_local ON CLUSTER ledger (
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
        attributes Map(String, String) ALIAS CAST(JSONExtractKeysAndValues(attributes_json, 'String'), 'Map(String, String)'),
        resource_attributes Map(String, String) ALIAS CAST(JSONExtractKeysAndValues(resource_json, 'String'), 'Map(String, String)'),
        events String COMMENT 'JSON array of {time_unix_nano, name, attributes}',
        links String COMMENT 'JSON array of {trace_id, span_id, trace_state, attributes}',
        ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
        INDEX idx_trace trace_id TYPE bloom_filter GRANULARITY 4
      )
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      PARTITION BY toYYYYMMDD(timestamp)
      ORDER BY (toDate(timestamp), trace_id, span_id)
      TTL toDateTime(timestamp) + INTERVAL 30 DAY
      COMMENT 'every received span, for drill-down; TTL set by spansTtlDays';

CREATE TABLE IF NOT EXISTS spanledger.spans ON CLUSTER ledger AS spanledger.spans_local
      ENGINE = Distributed(ledger, spanledger, spans_local, cityHash64(trace_id));

ALTER TABLE spanledger.llm_calls_local ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS business_unit LowCardinality(String) DEFAULT '' AFTER cost_center,
        ADD COLUMN IF NOT EXISTS sender_id LowCardinality(String) DEFAULT '' COMMENT 'authenticated sender' AFTER unallocated_reason,
        ADD COLUMN IF NOT EXISTS claimed_tenant LowCardinality(String) DEFAULT '' COMMENT 'tenant the span declared itself' AFTER sender_id,
        ADD COLUMN IF NOT EXISTS claimed_team LowCardinality(String) DEFAULT '' COMMENT 'team the span declared itself' AFTER claimed_tenant,
        ADD COLUMN IF NOT EXISTS claimed_feature LowCardinality(String) DEFAULT '' AFTER claimed_team,
        ADD COLUMN IF NOT EXISTS ownership_conflict UInt8 DEFAULT 0 COMMENT '1 when a claim contradicts the resolved owner' AFTER claimed_feature;

ALTER TABLE spanledger.llm_calls ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS business_unit LowCardinality(String) DEFAULT '' AFTER cost_center,
        ADD COLUMN IF NOT EXISTS sender_id LowCardinality(String) DEFAULT '' COMMENT 'authenticated sender' AFTER unallocated_reason,
        ADD COLUMN IF NOT EXISTS claimed_tenant LowCardinality(String) DEFAULT '' COMMENT 'tenant the span declared itself' AFTER sender_id,
        ADD COLUMN IF NOT EXISTS claimed_team LowCardinality(String) DEFAULT '' COMMENT 'team the span declared itself' AFTER claimed_tenant,
        ADD COLUMN IF NOT EXISTS claimed_feature LowCardinality(String) DEFAULT '' AFTER claimed_team,
        ADD COLUMN IF NOT EXISTS ownership_conflict UInt8 DEFAULT 0 COMMENT '1 when a claim contradicts the resolved owner' AFTER claimed_feature;

ALTER TABLE spanledger.llm_calls_local ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS service_tier LowCardinality(String) DEFAULT '' AFTER operation,
        ADD COLUMN IF NOT EXISTS computed_cost_nano_usd Nullable(Int64) COMMENT 'our price book cost, billed or not' AFTER cost_nano_usd,
        ADD COLUMN IF NOT EXISTS currency LowCardinality(String) DEFAULT 'USD' AFTER provider_reported_cost_nano_usd;

ALTER TABLE spanledger.llm_calls ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS service_tier LowCardinality(String) DEFAULT '' AFTER operation,
        ADD COLUMN IF NOT EXISTS computed_cost_nano_usd Nullable(Int64) COMMENT 'our price book cost, billed or not' AFTER cost_nano_usd,
        ADD COLUMN IF NOT EXISTS currency LowCardinality(String) DEFAULT 'USD' AFTER provider_reported_cost_nano_usd;

CREATE TABLE IF NOT EXISTS spanledger.cost_adjustments_local ON CLUSTER ledger (
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
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      PARTITION BY toYYYYMM(timestamp)
      ORDER BY (run_id, trace_id, span_id)
      COMMENT 'auditable re-rating: original llm_calls rows are never rewritten';

CREATE TABLE IF NOT EXISTS spanledger.cost_adjustments ON CLUSTER ledger AS spanledger.cost_adjustments_local
      ENGINE = Distributed(ledger, spanledger, cost_adjustments_local, cityHash64(trace_id));

ALTER TABLE spanledger.llm_calls_local ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS policy_decision_id String DEFAULT '' COMMENT 'the policy decision that allowed this call, matched by request id',
        ADD COLUMN IF NOT EXISTS policy_outcome LowCardinality(String) DEFAULT '' COMMENT 'allow, warn or deny';

ALTER TABLE spanledger.llm_calls ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS policy_decision_id String DEFAULT '' COMMENT 'the policy decision that allowed this call, matched by request id',
        ADD COLUMN IF NOT EXISTS policy_outcome LowCardinality(String) DEFAULT '' COMMENT 'allow, warn or deny';

CREATE TABLE IF NOT EXISTS spanledger.policy_reservations_local ON CLUSTER ledger (
        replica_id LowCardinality(String) COMMENT 'the spanledger replica holding the reservations',
        tenant LowCardinality(String),
        team LowCardinality(String),
        open_count UInt32,
        reserved_nano_usd Int64 COMMENT 'sum of the open reservations',
        expires_at DateTime64(3, 'UTC') COMMENT 'when the last of them expires',
        updated_at DateTime64(3, 'UTC'),
        version UInt64 COMMENT 'latest snapshot wins'
      )
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
      ORDER BY (replica_id, tenant)
      COMMENT 'open reservations per replica and tenant, snapshotted every policy refresh';

CREATE TABLE IF NOT EXISTS spanledger.policy_reservations ON CLUSTER ledger AS spanledger.policy_reservations_local
      ENGINE = Distributed(ledger, spanledger, policy_reservations_local, cityHash64(replica_id, tenant));

CREATE TABLE IF NOT EXISTS spanledger.policy_events_local ON CLUSTER ledger (
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
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      ORDER BY (scope, subject, period_start, kind);

CREATE TABLE IF NOT EXISTS spanledger.policy_events ON CLUSTER ledger AS spanledger.policy_events_local
      ENGINE = Distributed(ledger, spanledger, policy_events_local, cityHash64(scope, subject, period_start, kind));

CREATE TABLE IF NOT EXISTS spanledger.policy_decisions_local ON CLUSTER ledger (
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
      ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      PARTITION BY toYYYYMM(created_at)
      ORDER BY (tenant, created_at)
      TTL toDateTime(created_at) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS spanledger.policy_decisions ON CLUSTER ledger AS spanledger.policy_decisions_local
      ENGINE = Distributed(ledger, spanledger, policy_decisions_local, cityHash64(tenant, created_at));

ALTER TABLE spanledger.spans_local ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS unmapped_llm UInt8 DEFAULT 0 COMMENT '1: no span convention claimed it, yet it names a model the price catalog knows' AFTER is_llm_call;

ALTER TABLE spanledger.spans ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS unmapped_llm UInt8 DEFAULT 0 COMMENT '1: no span convention claimed it, yet it names a model the price catalog knows' AFTER is_llm_call;

ALTER TABLE spanledger.llm_calls_local ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS sender_kind LowCardinality(String) DEFAULT '' COMMENT 'gateway, service or anonymous' AFTER sender_id,
        ADD COLUMN IF NOT EXISTS retry_attempt UInt16 DEFAULT 0 COMMENT 'retry number the sender reported' AFTER http_status_code,
        ADD COLUMN IF NOT EXISTS is_failed UInt8 DEFAULT 0 COMMENT 'error status, error.type or HTTP >= 400' AFTER retry_attempt;

ALTER TABLE spanledger.llm_calls ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS sender_kind LowCardinality(String) DEFAULT '' COMMENT 'gateway, service or anonymous' AFTER sender_id,
        ADD COLUMN IF NOT EXISTS retry_attempt UInt16 DEFAULT 0 COMMENT 'retry number the sender reported' AFTER http_status_code,
        ADD COLUMN IF NOT EXISTS is_failed UInt8 DEFAULT 0 COMMENT 'error status, error.type or HTTP >= 400' AFTER retry_attempt;

CREATE TABLE IF NOT EXISTS spanledger.invoice_lines_local ON CLUSTER ledger (
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
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
      ORDER BY (file_sha256, line_no);

CREATE TABLE IF NOT EXISTS spanledger.invoice_lines ON CLUSTER ledger AS spanledger.invoice_lines_local
      ENGINE = Distributed(ledger, spanledger, invoice_lines_local, cityHash64(file_sha256, line_no));

CREATE TABLE IF NOT EXISTS spanledger.call_marks_local ON CLUSTER ledger (
        timestamp DateTime64(9, 'UTC') COMMENT 'the call''s start, to bound reads by period',
        trace_id String,
        span_id String,
        duplicate_of String COMMENT 'the billing record this call duplicates, or empty',
        is_retry UInt8,
        version UInt64 COMMENT 'latest resolution wins'
      )
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
      PARTITION BY toYYYYMM(timestamp)
      ORDER BY (trace_id, span_id)
      COMMENT 'only calls that are (or were) duplicates or retries; rewritten when their trace changes';

CREATE TABLE IF NOT EXISTS spanledger.call_marks ON CLUSTER ledger AS spanledger.call_marks_local
      ENGINE = Distributed(ledger, spanledger, call_marks_local, cityHash64(trace_id));

ALTER TABLE spanledger.llm_calls_local ON CLUSTER ledger ADD INDEX IF NOT EXISTS idx_ingested ingested_at TYPE minmax GRANULARITY 1;

CREATE TABLE IF NOT EXISTS spanledger.resolver_state_local ON CLUSTER ledger (
        name String,
        watermark DateTime64(3, 'UTC') COMMENT 'calls ingested up to here are resolved',
        version UInt64
      )
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
      ORDER BY name;

CREATE TABLE IF NOT EXISTS spanledger.resolver_state ON CLUSTER ledger AS spanledger.resolver_state_local
      ENGINE = Distributed(ledger, spanledger, resolver_state_local, cityHash64(name));

CREATE TABLE IF NOT EXISTS spanledger.rollup_daily_costs_local ON CLUSTER ledger (
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
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', build)
      PARTITION BY toYYYYMM(day)
      ORDER BY (day, tenant, team, app, feature, environment, provider, model)
      COMMENT 'daily_costs per day, rebuilt for the days the mark resolver saw change; read with FINAL';

CREATE TABLE IF NOT EXISTS spanledger.rollup_daily_costs ON CLUSTER ledger AS spanledger.rollup_daily_costs_local
      ENGINE = Distributed(ledger, spanledger, rollup_daily_costs_local, cityHash64(day, tenant, team, app, feature, environment, provider, model));

CREATE TABLE IF NOT EXISTS spanledger.rollup_daily_users_local ON CLUSTER ledger (
        day Date,
        build UInt64,
        user_id String,
        llm_calls UInt64,
        tokens UInt64 COMMENT 'input plus output',
        cost_nano_usd Int64
      )
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', build)
      PARTITION BY toYYYYMM(day)
      ORDER BY (day, user_id)
      COMMENT 'billed cost per user and day; read with FINAL';

CREATE TABLE IF NOT EXISTS spanledger.rollup_daily_users ON CLUSTER ledger AS spanledger.rollup_daily_users_local
      ENGINE = Distributed(ledger, spanledger, rollup_daily_users_local, cityHash64(day, user_id));

CREATE TABLE IF NOT EXISTS spanledger.rollup_daily_routes_local ON CLUSTER ledger (
        day Date,
        build UInt64,
        route String COMMENT 'the trace''s root span name, or (no root span)',
        service LowCardinality(String),
        traces AggregateFunction(uniqExact, String) COMMENT 'uniqExactMerge counts a trace once across days',
        cost_nano_usd Int64
      )
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', build)
      PARTITION BY toYYYYMM(day)
      ORDER BY (day, route, service)
      COMMENT 'billed cost per root route and day; read with FINAL';

CREATE TABLE IF NOT EXISTS spanledger.rollup_daily_routes ON CLUSTER ledger AS spanledger.rollup_daily_routes_local
      ENGINE = Distributed(ledger, spanledger, rollup_daily_routes_local, cityHash64(day, route, service));

ALTER TABLE spanledger.spans_local ON CLUSTER ledger ADD INDEX IF NOT EXISTS idx_ingested ingested_at TYPE minmax GRANULARITY 1;

ALTER TABLE spanledger.llm_calls_local ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS writer_id LowCardinality(String) DEFAULT '' COMMENT 'the spanledger process that stored the call (replica and a per-start nonce)',
        ADD COLUMN IF NOT EXISTS writer_epoch UInt64 DEFAULT 0 COMMENT 'that process''s budget-refresh epoch when the call arrived';

ALTER TABLE spanledger.llm_calls ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS writer_id LowCardinality(String) DEFAULT '' COMMENT 'the spanledger process that stored the call (replica and a per-start nonce)',
        ADD COLUMN IF NOT EXISTS writer_epoch UInt64 DEFAULT 0 COMMENT 'that process''s budget-refresh epoch when the call arrived';

ALTER TABLE spanledger.policy_events_local ON CLUSTER ledger
        COMMENT COLUMN kind 'budget_warning (spend plus reservations reach the warn threshold), budget_exhausted (first deny for budget) or budget_exceeded (settled spend reaches the limit); each once per scope and period';

ALTER TABLE spanledger.policy_events ON CLUSTER ledger
        COMMENT COLUMN kind 'budget_warning (spend plus reservations reach the warn threshold), budget_exhausted (first deny for budget) or budget_exceeded (settled spend reaches the limit); each once per scope and period';

ALTER TABLE spanledger.llm_calls_local ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS raw_provider String DEFAULT '' COMMENT 'the provider as the span named it, before normalization to the OTel well-known value',
        ADD COLUMN IF NOT EXISTS raw_request_model String DEFAULT '' COMMENT 'the request model id as sent (request_model is normalized for pricing)',
        ADD COLUMN IF NOT EXISTS raw_response_model String DEFAULT '' COMMENT 'the response model id as sent',
        ADD COLUMN IF NOT EXISTS cache_write_5m_tokens Nullable(UInt64) COMMENT 'part of cache_write_tokens written with a 5-minute TTL (Anthropic), NULL when not reported',
        ADD COLUMN IF NOT EXISTS cache_write_1h_tokens Nullable(UInt64) COMMENT 'part of cache_write_tokens written with a 1-hour TTL (Anthropic), NULL when not reported',
        ADD COLUMN IF NOT EXISTS token_rebuild LowCardinality(String) DEFAULT '' COMMENT 'totals rebuilt by the OTel rule from an exclusive report: input, output or input,output',
        ADD COLUMN IF NOT EXISTS content_attributes_dropped UInt32 DEFAULT 0 COMMENT 'prompt and answer attributes left out of this row';

ALTER TABLE spanledger.llm_calls ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS raw_provider String DEFAULT '' COMMENT 'the provider as the span named it, before normalization to the OTel well-known value',
        ADD COLUMN IF NOT EXISTS raw_request_model String DEFAULT '' COMMENT 'the request model id as sent (request_model is normalized for pricing)',
        ADD COLUMN IF NOT EXISTS raw_response_model String DEFAULT '' COMMENT 'the response model id as sent',
        ADD COLUMN IF NOT EXISTS cache_write_5m_tokens Nullable(UInt64) COMMENT 'part of cache_write_tokens written with a 5-minute TTL (Anthropic), NULL when not reported',
        ADD COLUMN IF NOT EXISTS cache_write_1h_tokens Nullable(UInt64) COMMENT 'part of cache_write_tokens written with a 1-hour TTL (Anthropic), NULL when not reported',
        ADD COLUMN IF NOT EXISTS token_rebuild LowCardinality(String) DEFAULT '' COMMENT 'totals rebuilt by the OTel rule from an exclusive report: input, output or input,output',
        ADD COLUMN IF NOT EXISTS content_attributes_dropped UInt32 DEFAULT 0 COMMENT 'prompt and answer attributes left out of this row';

ALTER TABLE spanledger.llm_calls_local ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS cost_components Map(LowCardinality(String), Int64) COMMENT 'computed cost by billed class (input, cache_write_1h, reasoning, web_search, request_fee, ...), nano-USD; sums to computed_cost_nano_usd',
        ADD COLUMN IF NOT EXISTS list_cost_nano_usd Nullable(Int64) COMMENT 'the call at list price (catalog, corrections, tier) before overrides: FOCUS ListCost',
        ADD COLUMN IF NOT EXISTS usage_details Map(LowCardinality(String), UInt64) COMMENT 'finer usage as reported (cache_write_1h_tokens, audio_input_tokens, web_search_count, ...), parts of the token columns';

ALTER TABLE spanledger.llm_calls ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS cost_components Map(LowCardinality(String), Int64) COMMENT 'computed cost by billed class (input, cache_write_1h, reasoning, web_search, request_fee, ...), nano-USD; sums to computed_cost_nano_usd',
        ADD COLUMN IF NOT EXISTS list_cost_nano_usd Nullable(Int64) COMMENT 'the call at list price (catalog, corrections, tier) before overrides: FOCUS ListCost',
        ADD COLUMN IF NOT EXISTS usage_details Map(LowCardinality(String), UInt64) COMMENT 'finer usage as reported (cache_write_1h_tokens, audio_input_tokens, web_search_count, ...), parts of the token columns';

ALTER TABLE spanledger.rollup_daily_costs_local ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS missing_usage_calls UInt64 DEFAULT 0 COMMENT 'calls not priced because they report no usage' AFTER unpriced_calls,
        ADD COLUMN IF NOT EXISTS failed_missing_usage_calls UInt64 DEFAULT 0 COMMENT 'of those, failed calls' AFTER missing_usage_calls,
        ADD COLUMN IF NOT EXISTS no_price_calls UInt64 DEFAULT 0 COMMENT 'calls whose model (or tier) has no price' AFTER failed_missing_usage_calls,
        ADD COLUMN IF NOT EXISTS list_cost_nano_usd Int64 DEFAULT 0 COMMENT 'list cost before negotiated overrides (duplicates excluded)' AFTER cost_nano_usd;

ALTER TABLE spanledger.rollup_daily_costs ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS missing_usage_calls UInt64 DEFAULT 0 COMMENT 'calls not priced because they report no usage' AFTER unpriced_calls,
        ADD COLUMN IF NOT EXISTS failed_missing_usage_calls UInt64 DEFAULT 0 COMMENT 'of those, failed calls' AFTER missing_usage_calls,
        ADD COLUMN IF NOT EXISTS no_price_calls UInt64 DEFAULT 0 COMMENT 'calls whose model (or tier) has no price' AFTER failed_missing_usage_calls,
        ADD COLUMN IF NOT EXISTS list_cost_nano_usd Int64 DEFAULT 0 COMMENT 'list cost before negotiated overrides (duplicates excluded)' AFTER cost_nano_usd;

ALTER TABLE spanledger.cost_adjustments_local ON CLUSTER ledger
        ADD INDEX IF NOT EXISTS idx_trace trace_id TYPE bloom_filter GRANULARITY 4,
        ADD INDEX IF NOT EXISTS idx_created created_at TYPE minmax GRANULARITY 1;

ALTER TABLE spanledger.llm_calls_local ON CLUSTER ledger
        MODIFY COLUMN timestamp CODEC(Delta, ZSTD(1)),
        MODIFY COLUMN end_timestamp CODEC(Delta, ZSTD(1)),
        MODIFY COLUMN ingested_at CODEC(Delta, ZSTD(1)),
        MODIFY COLUMN trace_id CODEC(ZSTD(1)),
        MODIFY COLUMN span_id CODEC(ZSTD(1)),
        MODIFY COLUMN parent_span_id CODEC(ZSTD(1)),
        MODIFY COLUMN session_id CODEC(ZSTD(1)),
        MODIFY COLUMN user_id CODEC(ZSTD(1)),
        MODIFY COLUMN request_id CODEC(ZSTD(1)),
        MODIFY COLUMN response_id CODEC(ZSTD(1)),
        MODIFY COLUMN span_name CODEC(ZSTD(1)),
        MODIFY COLUMN status_message CODEC(ZSTD(1)),
        MODIFY COLUMN attributes_json CODEC(ZSTD(1)),
        MODIFY COLUMN resource_json CODEC(ZSTD(1));

ALTER TABLE spanledger.spans_local ON CLUSTER ledger
        MODIFY COLUMN timestamp CODEC(Delta, ZSTD(1)),
        MODIFY COLUMN end_timestamp CODEC(Delta, ZSTD(1)),
        MODIFY COLUMN ingested_at CODEC(Delta, ZSTD(1)),
        MODIFY COLUMN trace_id CODEC(ZSTD(1)),
        MODIFY COLUMN span_id CODEC(ZSTD(1)),
        MODIFY COLUMN parent_span_id CODEC(ZSTD(1)),
        MODIFY COLUMN trace_state CODEC(ZSTD(1)),
        MODIFY COLUMN name CODEC(ZSTD(1)),
        MODIFY COLUMN status_message CODEC(ZSTD(1)),
        MODIFY COLUMN attributes_json CODEC(ZSTD(1)),
        MODIFY COLUMN resource_json CODEC(ZSTD(1)),
        MODIFY COLUMN events CODEC(ZSTD(1)),
        MODIFY COLUMN links CODEC(ZSTD(1));

ALTER TABLE spanledger.llm_calls_local ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS model_key String ALIAS if(response_model != '', response_model, request_model) COMMENT 'the response model, else the request model: what reports group by and retries match on';

ALTER TABLE spanledger.llm_calls ON CLUSTER ledger
        ADD COLUMN IF NOT EXISTS model_key String ALIAS if(response_model != '', response_model, request_model) COMMENT 'the response model, else the request model: what reports group by and retries match on';

CREATE TABLE IF NOT EXISTS spanledger.rollup_daily_prices_local ON CLUSTER ledger (
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
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', build)
      PARTITION BY toYYYYMM(day)
      ORDER BY (day, provider, model, price_version, pricing_status, unallocated, unallocated_reason)
      COMMENT 'calls and billed cost per day, provider, model, price version, pricing status and unallocated reason; read with FINAL';

CREATE TABLE IF NOT EXISTS spanledger.rollup_daily_prices ON CLUSTER ledger AS spanledger.rollup_daily_prices_local
      ENGINE = Distributed(ledger, spanledger, rollup_daily_prices_local, cityHash64(day, provider, model, price_version, pricing_status, unallocated, unallocated_reason));

CREATE TABLE IF NOT EXISTS spanledger.rollup_daily_sessions_local ON CLUSTER ledger (
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
      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', build)
      PARTITION BY toYYYYMM(day)
      ORDER BY (day, session_id)
      COMMENT 'session_costs per day (calls with a session id), rebuilt for the days the mark resolver saw change; read with FINAL';

CREATE TABLE IF NOT EXISTS spanledger.rollup_daily_sessions ON CLUSTER ledger AS spanledger.rollup_daily_sessions_local
      ENGINE = Distributed(ledger, spanledger, rollup_daily_sessions_local, cityHash64(day, session_id));

INSERT INTO spanledger.schema_migrations (version, name) VALUES (1, 'llm_calls and spans'), (2, 'ownership evidence'), (3, 'pricing evidence and cost adjustments'), (4, 'policy: reservation snapshots, events, decisions'), (5, 'unmapped LLM-looking spans'), (6, 'workflow evidence: sender kind, retries, failures'), (7, 'invoice lines for reconciliation'), (8, 'call marks: duplicates and retries, resolved incrementally'), (9, 'daily rollups kept by the resolver, for month-long reports'), (10, 'the writer and refresh epoch of each call, for exact budget refreshes'), (11, 'policy event kinds described as they are'), (12, 'normalization evidence: raw provider and model ids, cache writes by TTL, token rebuilds, dropped content'), (13, 'per-call cost components, list cost and the finer usage they were computed from'), (14, 'rollups of list cost and calls without usage; adjustment indexes'), (15, 'codecs on time and string columns; the model key as a column'), (16, 'rollups of prices in use and of sessions, for the prices, reconciliation, chargeback and sessions reads');

ALTER TABLE spanledger.spans_local ON CLUSTER ledger MODIFY TTL toDateTime(timestamp) + INTERVAL 30 DAY;

CREATE OR REPLACE VIEW spanledger.llm_calls_resolved ON CLUSTER ledger AS 
    SELECT c.*,
      m.duplicate_of AS duplicate_of, m.duplicate_of != '' AS is_duplicate, c.retry_attempt > 0 OR m.is_retry = 1 AS is_retry,
      a.adjustment_nano_usd AS adjustment_nano_usd,
      if(is_duplicate, 0, ifNull(cost_nano_usd, 0) + adjustment_nano_usd) AS billed_nano_usd,
      -- FOCUS ListCost: the list cost kept at ingestion, else the billed cost.
      ifNull(c.list_cost_nano_usd, billed_nano_usd) AS list_or_billed_nano_usd
    FROM (SELECT timestamp, end_timestamp, trace_id, span_id, parent_span_id, session_id, user_id, request_id, service_name, provider,
  operation, request_model, response_model, model_key, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
  status_code, error_type, http_status_code, is_failed, retry_attempt, latency_ms, tenant, team, app, feature, environment, cost_center,
  business_unit, ownership_source, unallocated_reason, sender_id, sender_kind, cost_nano_usd, computed_cost_nano_usd, list_cost_nano_usd,
  provider_reported_cost_nano_usd, pricing_status, price_version, ownership_conflict, writer_id, writer_epoch FROM spanledger.llm_calls FINAL WHERE timestamp >= {from:DateTime64(9)} AND timestamp < {to:DateTime64(9)}) AS c
    LEFT JOIN (
      SELECT trace_id AS m_trace_id, span_id AS m_span_id, duplicate_of, is_retry FROM spanledger.call_marks FINAL
      WHERE (duplicate_of != '' OR is_retry = 1) AND timestamp >= {from:DateTime64(9)} - INTERVAL 1 HOUR AND timestamp < {to:DateTime64(9)} + INTERVAL 1 HOUR
    ) AS m ON m.m_trace_id = c.trace_id AND m.m_span_id = c.span_id
    LEFT JOIN (SELECT trace_id AS adj_trace_id, span_id AS adj_span_id, sum(delta_nano_usd) AS adjustment_nano_usd
    FROM spanledger.cost_adjustments FINAL WHERE timestamp >= {from:DateTime64(9)} AND timestamp < {to:DateTime64(9)} GROUP BY adj_trace_id, adj_span_id) AS a ON a.adj_trace_id = c.trace_id AND a.adj_span_id = c.span_id;

CREATE OR REPLACE VIEW spanledger.touched_calls_resolved ON CLUSTER ledger AS 
    SELECT
      timestamp, end_timestamp, trace_id, span_id, parent_span_id, session_id, user_id, request_id, response_id, span_name,
      service_name, provider, operation, request_model, response_model, model_key, input_tokens, output_tokens,
      cache_read_tokens, cache_write_tokens, reasoning_tokens, status_code, error_type, http_status_code, is_failed,
      retry_attempt, latency_ms, tenant, team, app, feature, environment, cost_center, business_unit, ownership_source,
      unallocated_reason, sender_id, sender_kind, cost_nano_usd, computed_cost_nano_usd, list_cost_nano_usd, provider_reported_cost_nano_usd,
      pricing_status, price_version,
      if(p.1 != '' AND ((p.7 = 'gateway' AND sender_kind != 'gateway') OR ((p.7 = 'gateway') = (sender_kind = 'gateway') AND (p.14 > usage_detail OR (p.14 = usage_detail AND p.1 = parent_span_id)))), p.1, '') AS duplicate_of,
      duplicate_of != '' AS is_duplicate,
      retry_attempt > 0 OR arrayExists(x -> x.1 != span_id AND x.11 = logical_parent
        AND (x.3 = model_key OR (x.12 != '' AND x.12 = request_model) OR x.13 = model_family) AND x.8 = 1
        AND x.9 < toUnixTimestamp64Nano(timestamp) AND x.10 <= toUnixTimestamp64Nano(timestamp) + 1000000
        AND toUnixTimestamp64Nano(timestamp) - x.10 <= 60000000000, trace_calls) AS is_retry,
      adjustment_nano_usd,
      if(is_duplicate, 0, ifNull(cost_nano_usd, 0) + adjustment_nano_usd) AS billed_nano_usd
    FROM (
      SELECT *, arrayFirst(x -> x.1 != span_id AND (
      (response_id != '' AND x.6 = response_id)
      OR ((x.1 = parent_span_id OR x.2 = span_id) AND x.3 = model_key
          AND (x.4 = ifNull(input_tokens, 0) OR x.4 = 0 OR ifNull(input_tokens, 0) = 0)
          AND (x.5 = ifNull(output_tokens, 0) OR x.5 = 0 OR ifNull(output_tokens, 0) = 0))
    ), trace_calls) AS p
      FROM (
        SELECT *, groupArray(tuple(
    span_id, parent_span_id, model_key, ifNull(input_tokens, 0), ifNull(output_tokens, 0), response_id, sender_kind,
    is_failed, toUnixTimestamp64Nano(timestamp), toUnixTimestamp64Nano(end_timestamp), logical_parent, request_model, model_family,
    usage_detail
  )) OVER (PARTITION BY trace_id) AS trace_calls
        FROM (
          SELECT *, if(arrayExists(x -> x.1 = parent_span_id, pairs), arrayFirst(x -> x.1 = parent_span_id, pairs).2, parent_span_id) AS logical_parent
          FROM (
            SELECT *, model_key, replaceRegexpOne(lower(model_key), '(-\\d{4}-\\d{2}-\\d{2}|-\\d{8}|@.*)$', '') AS model_family, (cache_read_tokens IS NOT NULL) + (cache_write_tokens IS NOT NULL) + (reasoning_tokens IS NOT NULL) + length(usage_details) AS usage_detail,
              groupArray(tuple(span_id, parent_span_id)) OVER (PARTITION BY trace_id) AS pairs
            FROM spanledger.llm_calls FINAL
            WHERE trace_id IN (SELECT trace_id FROM spanledger.llm_calls WHERE ingested_at > {since:DateTime64(3)} AND ingested_at <= {upto:DateTime64(3)})
          )
        )
      )
    ) AS r
    LEFT JOIN (SELECT trace_id AS adj_trace_id, span_id AS adj_span_id, sum(delta_nano_usd) AS adjustment_nano_usd
    FROM spanledger.cost_adjustments FINAL WHERE 0 GROUP BY adj_trace_id, adj_span_id) AS a ON a.adj_trace_id = r.trace_id AND a.adj_span_id = r.span_id;

CREATE OR REPLACE VIEW spanledger.trace_calls_resolved ON CLUSTER ledger AS 
    SELECT
      timestamp, end_timestamp, trace_id, span_id, parent_span_id, session_id, user_id, request_id, response_id, span_name,
      service_name, provider, operation, request_model, response_model, model_key, input_tokens, output_tokens,
      cache_read_tokens, cache_write_tokens, reasoning_tokens, status_code, error_type, http_status_code, is_failed,
      retry_attempt, latency_ms, tenant, team, app, feature, environment, cost_center, business_unit, ownership_source,
      unallocated_reason, sender_id, sender_kind, cost_nano_usd, computed_cost_nano_usd, list_cost_nano_usd, provider_reported_cost_nano_usd,
      pricing_status, price_version,
      if(p.1 != '' AND ((p.7 = 'gateway' AND sender_kind != 'gateway') OR ((p.7 = 'gateway') = (sender_kind = 'gateway') AND (p.14 > usage_detail OR (p.14 = usage_detail AND p.1 = parent_span_id)))), p.1, '') AS duplicate_of,
      duplicate_of != '' AS is_duplicate,
      retry_attempt > 0 OR arrayExists(x -> x.1 != span_id AND x.11 = logical_parent
        AND (x.3 = model_key OR (x.12 != '' AND x.12 = request_model) OR x.13 = model_family) AND x.8 = 1
        AND x.9 < toUnixTimestamp64Nano(timestamp) AND x.10 <= toUnixTimestamp64Nano(timestamp) + 1000000
        AND toUnixTimestamp64Nano(timestamp) - x.10 <= 60000000000, trace_calls) AS is_retry,
      adjustment_nano_usd,
      if(is_duplicate, 0, ifNull(cost_nano_usd, 0) + adjustment_nano_usd) AS billed_nano_usd
    FROM (
      SELECT *, arrayFirst(x -> x.1 != span_id AND (
      (response_id != '' AND x.6 = response_id)
      OR ((x.1 = parent_span_id OR x.2 = span_id) AND x.3 = model_key
          AND (x.4 = ifNull(input_tokens, 0) OR x.4 = 0 OR ifNull(input_tokens, 0) = 0)
          AND (x.5 = ifNull(output_tokens, 0) OR x.5 = 0 OR ifNull(output_tokens, 0) = 0))
    ), trace_calls) AS p
      FROM (
        SELECT *, groupArray(tuple(
    span_id, parent_span_id, model_key, ifNull(input_tokens, 0), ifNull(output_tokens, 0), response_id, sender_kind,
    is_failed, toUnixTimestamp64Nano(timestamp), toUnixTimestamp64Nano(end_timestamp), logical_parent, request_model, model_family,
    usage_detail
  )) OVER (PARTITION BY trace_id) AS trace_calls
        FROM (
          SELECT *, if(arrayExists(x -> x.1 = parent_span_id, pairs), arrayFirst(x -> x.1 = parent_span_id, pairs).2, parent_span_id) AS logical_parent
          FROM (
            SELECT *, model_key, replaceRegexpOne(lower(model_key), '(-\\d{4}-\\d{2}-\\d{2}|-\\d{8}|@.*)$', '') AS model_family, (cache_read_tokens IS NOT NULL) + (cache_write_tokens IS NOT NULL) + (reasoning_tokens IS NOT NULL) + length(usage_details) AS usage_detail,
              groupArray(tuple(span_id, parent_span_id)) OVER (PARTITION BY trace_id) AS pairs
            FROM spanledger.llm_calls FINAL
            WHERE trace_id = {trace:String}
          )
        )
      )
    ) AS r
    LEFT JOIN (SELECT trace_id AS adj_trace_id, span_id AS adj_span_id, sum(delta_nano_usd) AS adjustment_nano_usd
    FROM spanledger.cost_adjustments FINAL WHERE trace_id = {trace:String} GROUP BY adj_trace_id, adj_span_id) AS a ON a.adj_trace_id = r.trace_id AND a.adj_span_id = r.span_id;

CREATE OR REPLACE VIEW spanledger.trace_costs ON CLUSTER ledger AS SELECT c.*, r.root_span_id, r.root_service, r.root_name, r.root_start, r.root_duration_ms, r.root_status
       FROM (
         SELECT trace_id, 
  countIf(NOT is_duplicate) AS llm_calls,
  countIf(is_duplicate) AS duplicates,
  countIf(is_retry AND NOT is_duplicate) AS retries,
  countIf(is_failed AND NOT is_duplicate) AS failed_calls,
  sumIf(ifNull(input_tokens, 0), NOT is_duplicate) AS input_tokens,
  sumIf(ifNull(output_tokens, 0), NOT is_duplicate) AS output_tokens,
  sumIf(ifNull(cache_read_tokens, 0), NOT is_duplicate) AS cache_read_tokens,
  sumIf(ifNull(cache_write_tokens, 0), NOT is_duplicate) AS cache_write_tokens,
  sumIf(ifNull(reasoning_tokens, 0), NOT is_duplicate) AS reasoning_tokens,
  sum(billed_nano_usd) AS cost_nano_usd,
  sumIf(billed_nano_usd, is_failed) AS failed_cost_nano_usd,
  sumIf(billed_nano_usd, is_retry) AS retry_cost_nano_usd,
  countIf(pricing_status LIKE 'unpriced%' AND NOT is_duplicate) AS unpriced_calls,
  countIf(pricing_status = 'unpriced_missing_usage' AND NOT is_duplicate) AS missing_usage_calls,
  countIf(pricing_status = 'unpriced_missing_usage' AND is_failed AND NOT is_duplicate) AS failed_missing_usage_calls,
  countIf((pricing_status LIKE 'unpriced%' AND pricing_status NOT IN ('unpriced_missing_usage', 'unpriced_cost_overflow')) AND NOT is_duplicate) AS no_price_calls,
  sumIf(list_or_billed_nano_usd, NOT is_duplicate) AS list_cost_nano_usd,
  countIf(tenant = '' AND NOT is_duplicate) AS unallocated_calls,
  sumIf(billed_nano_usd, tenant = '') AS unallocated_cost_nano_usd,
  countIf(session_id != '' AND NOT is_duplicate) AS with_session_calls,
  countIf(ownership_conflict = 1) AS ownership_conflicts,
  min(timestamp) AS first_call_at,
  max(end_timestamp) AS last_call_end,
           argMin(team, timestamp) AS trace_team, argMin(feature, timestamp) AS trace_feature, argMin(tenant, timestamp) AS trace_tenant,
           anyIf(session_id, session_id != '') AS trace_session_id
         FROM (
    SELECT c.*,
      m.duplicate_of AS duplicate_of, m.duplicate_of != '' AS is_duplicate, c.retry_attempt > 0 OR m.is_retry = 1 AS is_retry,
      a.adjustment_nano_usd AS adjustment_nano_usd,
      if(is_duplicate, 0, ifNull(cost_nano_usd, 0) + adjustment_nano_usd) AS billed_nano_usd,
      -- FOCUS ListCost: the list cost kept at ingestion, else the billed cost.
      ifNull(c.list_cost_nano_usd, billed_nano_usd) AS list_or_billed_nano_usd
    FROM (SELECT timestamp, end_timestamp, trace_id, span_id, parent_span_id, session_id, user_id, request_id, service_name, provider,
  operation, request_model, response_model, model_key, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
  status_code, error_type, http_status_code, is_failed, retry_attempt, latency_ms, tenant, team, app, feature, environment, cost_center,
  business_unit, ownership_source, unallocated_reason, sender_id, sender_kind, cost_nano_usd, computed_cost_nano_usd, list_cost_nano_usd,
  provider_reported_cost_nano_usd, pricing_status, price_version, ownership_conflict, writer_id, writer_epoch FROM spanledger.llm_calls FINAL WHERE timestamp >= {from:DateTime64(9)} AND timestamp < {to:DateTime64(9)}) AS c
    LEFT JOIN (
      SELECT trace_id AS m_trace_id, span_id AS m_span_id, duplicate_of, is_retry FROM spanledger.call_marks FINAL
      WHERE (duplicate_of != '' OR is_retry = 1) AND timestamp >= {from:DateTime64(9)} - INTERVAL 1 HOUR AND timestamp < {to:DateTime64(9)} + INTERVAL 1 HOUR
    ) AS m ON m.m_trace_id = c.trace_id AND m.m_span_id = c.span_id
    LEFT JOIN (SELECT trace_id AS adj_trace_id, span_id AS adj_span_id, sum(delta_nano_usd) AS adjustment_nano_usd
    FROM spanledger.cost_adjustments FINAL WHERE timestamp >= {from:DateTime64(9)} AND timestamp < {to:DateTime64(9)} GROUP BY adj_trace_id, adj_span_id) AS a ON a.adj_trace_id = c.trace_id AND a.adj_span_id = c.span_id)
         GROUP BY trace_id
       ) AS c
       LEFT JOIN (
         SELECT trace_id, argMin(span_id, timestamp) AS root_span_id, argMin(service_name, timestamp) AS root_service,
           argMin(name, timestamp) AS root_name, min(timestamp) AS root_start, argMin(duration_ms, timestamp) AS root_duration_ms,
           argMin(status_code, timestamp) AS root_status
         FROM spanledger.spans FINAL
         WHERE parent_span_id = '' AND timestamp >= {from:DateTime64(9)} - INTERVAL 1 HOUR AND timestamp < {to:DateTime64(9)} + INTERVAL 1 HOUR
         GROUP BY trace_id
       ) AS r USING (trace_id);

CREATE OR REPLACE VIEW spanledger.session_costs ON CLUSTER ledger AS SELECT session_id, 
  countIf(NOT is_duplicate) AS llm_calls,
  countIf(is_duplicate) AS duplicates,
  countIf(is_retry AND NOT is_duplicate) AS retries,
  countIf(is_failed AND NOT is_duplicate) AS failed_calls,
  sumIf(ifNull(input_tokens, 0), NOT is_duplicate) AS input_tokens,
  sumIf(ifNull(output_tokens, 0), NOT is_duplicate) AS output_tokens,
  sumIf(ifNull(cache_read_tokens, 0), NOT is_duplicate) AS cache_read_tokens,
  sumIf(ifNull(cache_write_tokens, 0), NOT is_duplicate) AS cache_write_tokens,
  sumIf(ifNull(reasoning_tokens, 0), NOT is_duplicate) AS reasoning_tokens,
  sum(billed_nano_usd) AS cost_nano_usd,
  sumIf(billed_nano_usd, is_failed) AS failed_cost_nano_usd,
  sumIf(billed_nano_usd, is_retry) AS retry_cost_nano_usd,
  countIf(pricing_status LIKE 'unpriced%' AND NOT is_duplicate) AS unpriced_calls,
  countIf(pricing_status = 'unpriced_missing_usage' AND NOT is_duplicate) AS missing_usage_calls,
  countIf(pricing_status = 'unpriced_missing_usage' AND is_failed AND NOT is_duplicate) AS failed_missing_usage_calls,
  countIf((pricing_status LIKE 'unpriced%' AND pricing_status NOT IN ('unpriced_missing_usage', 'unpriced_cost_overflow')) AND NOT is_duplicate) AS no_price_calls,
  sumIf(list_or_billed_nano_usd, NOT is_duplicate) AS list_cost_nano_usd,
  countIf(tenant = '' AND NOT is_duplicate) AS unallocated_calls,
  sumIf(billed_nano_usd, tenant = '') AS unallocated_cost_nano_usd,
  countIf(session_id != '' AND NOT is_duplicate) AS with_session_calls,
  countIf(ownership_conflict = 1) AS ownership_conflicts,
  min(timestamp) AS first_call_at,
  max(end_timestamp) AS last_call_end, uniqExact(trace_id) AS traces,
         argMin(team, timestamp) AS session_team, argMin(feature, timestamp) AS session_feature
       FROM (SELECT c.* REPLACE (if(c.session_id != '', c.session_id, t.trace_session) AS session_id, if(c.user_id != '', c.user_id, t.trace_user) AS user_id)
    FROM (
    SELECT c.*,
      m.duplicate_of AS duplicate_of, m.duplicate_of != '' AS is_duplicate, c.retry_attempt > 0 OR m.is_retry = 1 AS is_retry,
      a.adjustment_nano_usd AS adjustment_nano_usd,
      if(is_duplicate, 0, ifNull(cost_nano_usd, 0) + adjustment_nano_usd) AS billed_nano_usd,
      -- FOCUS ListCost: the list cost kept at ingestion, else the billed cost.
      ifNull(c.list_cost_nano_usd, billed_nano_usd) AS list_or_billed_nano_usd
    FROM (SELECT timestamp, end_timestamp, trace_id, span_id, parent_span_id, session_id, user_id, request_id, service_name, provider,
  operation, request_model, response_model, model_key, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
  status_code, error_type, http_status_code, is_failed, retry_attempt, latency_ms, tenant, team, app, feature, environment, cost_center,
  business_unit, ownership_source, unallocated_reason, sender_id, sender_kind, cost_nano_usd, computed_cost_nano_usd, list_cost_nano_usd,
  provider_reported_cost_nano_usd, pricing_status, price_version, ownership_conflict, writer_id, writer_epoch FROM spanledger.llm_calls FINAL WHERE timestamp >= {from:DateTime64(9)} AND timestamp < {to:DateTime64(9)}) AS c
    LEFT JOIN (
      SELECT trace_id AS m_trace_id, span_id AS m_span_id, duplicate_of, is_retry FROM spanledger.call_marks FINAL
      WHERE (duplicate_of != '' OR is_retry = 1) AND timestamp >= {from:DateTime64(9)} - INTERVAL 1 HOUR AND timestamp < {to:DateTime64(9)} + INTERVAL 1 HOUR
    ) AS m ON m.m_trace_id = c.trace_id AND m.m_span_id = c.span_id
    LEFT JOIN (SELECT trace_id AS adj_trace_id, span_id AS adj_span_id, sum(delta_nano_usd) AS adjustment_nano_usd
    FROM spanledger.cost_adjustments FINAL WHERE timestamp >= {from:DateTime64(9)} AND timestamp < {to:DateTime64(9)} GROUP BY adj_trace_id, adj_span_id) AS a ON a.adj_trace_id = c.trace_id AND a.adj_span_id = c.span_id) AS c
    LEFT JOIN (
      SELECT trace_id, anyIf(session_id, session_id != '') AS trace_session, anyIf(user_id, user_id != '') AS trace_user FROM spanledger.llm_calls
      WHERE (session_id != '' OR user_id != '') AND timestamp >= {from:DateTime64(9)} - INTERVAL 1 HOUR AND timestamp < {to:DateTime64(9)} + INTERVAL 1 HOUR
      GROUP BY trace_id
    ) AS t ON t.trace_id = c.trace_id)
       WHERE session_id != ''
       GROUP BY session_id;

CREATE OR REPLACE VIEW spanledger.daily_costs ON CLUSTER ledger AS SELECT toDate(timestamp) AS day, tenant, team, app, feature, environment, provider, model_key AS model, 
  countIf(NOT is_duplicate) AS llm_calls,
  countIf(is_duplicate) AS duplicates,
  countIf(is_retry AND NOT is_duplicate) AS retries,
  countIf(is_failed AND NOT is_duplicate) AS failed_calls,
  sumIf(ifNull(input_tokens, 0), NOT is_duplicate) AS input_tokens,
  sumIf(ifNull(output_tokens, 0), NOT is_duplicate) AS output_tokens,
  sumIf(ifNull(cache_read_tokens, 0), NOT is_duplicate) AS cache_read_tokens,
  sumIf(ifNull(cache_write_tokens, 0), NOT is_duplicate) AS cache_write_tokens,
  sumIf(ifNull(reasoning_tokens, 0), NOT is_duplicate) AS reasoning_tokens,
  sum(billed_nano_usd) AS cost_nano_usd,
  sumIf(billed_nano_usd, is_failed) AS failed_cost_nano_usd,
  sumIf(billed_nano_usd, is_retry) AS retry_cost_nano_usd,
  countIf(pricing_status LIKE 'unpriced%' AND NOT is_duplicate) AS unpriced_calls,
  countIf(pricing_status = 'unpriced_missing_usage' AND NOT is_duplicate) AS missing_usage_calls,
  countIf(pricing_status = 'unpriced_missing_usage' AND is_failed AND NOT is_duplicate) AS failed_missing_usage_calls,
  countIf((pricing_status LIKE 'unpriced%' AND pricing_status NOT IN ('unpriced_missing_usage', 'unpriced_cost_overflow')) AND NOT is_duplicate) AS no_price_calls,
  sumIf(list_or_billed_nano_usd, NOT is_duplicate) AS list_cost_nano_usd,
  countIf(tenant = '' AND NOT is_duplicate) AS unallocated_calls,
  sumIf(billed_nano_usd, tenant = '') AS unallocated_cost_nano_usd,
  countIf(session_id != '' AND NOT is_duplicate) AS with_session_calls,
  countIf(ownership_conflict = 1) AS ownership_conflicts,
  min(timestamp) AS first_call_at,
  max(end_timestamp) AS last_call_end
       FROM (
    SELECT c.*,
      m.duplicate_of AS duplicate_of, m.duplicate_of != '' AS is_duplicate, c.retry_attempt > 0 OR m.is_retry = 1 AS is_retry,
      a.adjustment_nano_usd AS adjustment_nano_usd,
      if(is_duplicate, 0, ifNull(cost_nano_usd, 0) + adjustment_nano_usd) AS billed_nano_usd,
      -- FOCUS ListCost: the list cost kept at ingestion, else the billed cost.
      ifNull(c.list_cost_nano_usd, billed_nano_usd) AS list_or_billed_nano_usd
    FROM (SELECT timestamp, end_timestamp, trace_id, span_id, parent_span_id, session_id, user_id, request_id, service_name, provider,
  operation, request_model, response_model, model_key, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
  status_code, error_type, http_status_code, is_failed, retry_attempt, latency_ms, tenant, team, app, feature, environment, cost_center,
  business_unit, ownership_source, unallocated_reason, sender_id, sender_kind, cost_nano_usd, computed_cost_nano_usd, list_cost_nano_usd,
  provider_reported_cost_nano_usd, pricing_status, price_version, ownership_conflict, writer_id, writer_epoch FROM spanledger.llm_calls FINAL WHERE timestamp >= {from:DateTime64(9)} AND timestamp < {to:DateTime64(9)}) AS c
    LEFT JOIN (
      SELECT trace_id AS m_trace_id, span_id AS m_span_id, duplicate_of, is_retry FROM spanledger.call_marks FINAL
      WHERE (duplicate_of != '' OR is_retry = 1) AND timestamp >= {from:DateTime64(9)} - INTERVAL 1 HOUR AND timestamp < {to:DateTime64(9)} + INTERVAL 1 HOUR
    ) AS m ON m.m_trace_id = c.trace_id AND m.m_span_id = c.span_id
    LEFT JOIN (SELECT trace_id AS adj_trace_id, span_id AS adj_span_id, sum(delta_nano_usd) AS adjustment_nano_usd
    FROM spanledger.cost_adjustments FINAL WHERE timestamp >= {from:DateTime64(9)} AND timestamp < {to:DateTime64(9)} GROUP BY adj_trace_id, adj_span_id) AS a ON a.adj_trace_id = c.trace_id AND a.adj_span_id = c.span_id)
       GROUP BY day, tenant, team, app, feature, environment, provider, model;

CREATE OR REPLACE VIEW spanledger.unpriced_calls ON CLUSTER ledger AS SELECT timestamp, provider, request_model, response_model, service_tier, pricing_status, is_failed, (pricing_status LIKE 'unpriced%' AND pricing_status NOT IN ('unpriced_missing_usage', 'unpriced_cost_overflow')) AS no_price
       FROM spanledger.llm_calls FINAL WHERE pricing_status LIKE 'unpriced%';
