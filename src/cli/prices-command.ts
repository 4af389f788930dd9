import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { createCatalog, createPriceBook, effectiveRate, loadOverrides, RATE_CLASS_NAMES, RATE_CLASSES, shippedCorrections, type Rate } from '../pricing';
import { apiBase, cliFetch, describeApiFailure } from './api-request';
import { parseCommandArgs } from './command-args';

/** The command's help text. */
export const PRICES_USAGE = `usage: spanledger prices show MODEL [--provider P] [--tier T] [--at YYYY-MM-DD] [--prices FILE] [--format json]
       spanledger prices check [--format json]          (provider, model, tier) in the ledger without a price (exit 1 if any)
       spanledger prices reprice --from YYYY-MM-DD --to YYYY-MM-DD [--reason TEXT]
check and reprice talk to the running service (--host, --api-port) with --admin-token.`;

/** `spanledger prices ...`; resolves with the exit code. */
export async function pricesCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'show') return show(rest, out, err);
  if (sub === 'check') return check(rest, out, err);
  if (sub === 'reprice') return repriceCmd(rest, out, err);
  err.write(`${PRICES_USAGE}\n`);
  return 2;
}

async function show(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { flags, positionals, config } = parseCommandArgs(argv, {
    provider: { type: 'string' },
    tier: { type: 'string' },
    at: { type: 'string' },
    format: { type: 'string' },
  });
  const model = positionals[0];
  if (model === undefined) {
    err.write(`${PRICES_USAGE}\n`);
    return 2;
  }
  const atMs = typeof flags.at === 'string' ? Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(flags.at) ? `${flags.at}T00:00:00Z` : flags.at) : Date.now();
  if (Number.isNaN(atMs)) {
    err.write(`spanledger prices show: --at must be a date (YYYY-MM-DD) or ISO timestamp\n`);
    return 2;
  }
  const book = createPriceBook(createCatalog(), config.pricing.prices ? loadOverrides(config.pricing.prices) : []);
  const provider = typeof flags.provider === 'string' ? flags.provider : '';
  const tier = typeof flags.tier === 'string' ? flags.tier : '';
  const entry = book.lookup({ provider, models: [model], serviceTier: tier, atMs });
  const at = new Date(atMs).toISOString();
  const versions = `catalog @pydantic/genai-prices ${book.catalogVersion}, corrections ${book.correctionsVersion || 'none'}, service tiers ${book.serviceTiersVersion || 'none'}, ${book.overrideCount} overrides`;
  if (entry === undefined) {
    err.write(`no price for ${provider ? `${provider}/` : ''}${model} at ${at} (${versions})\n`);
    return 1;
  }
  // Every class with a rate of its own or through its parent; fees only where priced.
  const rates = Object.fromEntries(
    RATE_CLASS_NAMES.flatMap((c) => {
      const own = entry.rates[c];
      const r = own ?? (RATE_CLASSES[c].per === 1_000_000 ? effectiveRate(entry.rates, c) : undefined);
      return r === undefined ? [] : [[c, `${describe(r)}${own === undefined ? ' (parent rate)' : ''} per ${unit(c)}`]];
    }),
  );
  const applied = /\+correction:([^+]+)/g;
  const corrections = [...entry.version.matchAll(applied)].map((m) => {
    const c = shippedCorrections().entries.find((e) => e.id === m[1]);
    return { id: m[1], source: c?.entry.source ?? '', checked: c?.entry.checked ?? '', note: c?.entry.note ?? '' };
  });
  if (flags.format === 'json') {
    out.write(`${JSON.stringify({ model, provider, tier, at, source: entry.source, priceVersion: entry.version, unknownTier: entry.unknownTier ?? null, catalogVersion: book.catalogVersion, correctionsVersion: book.correctionsVersion, serviceTiersVersion: book.serviceTiersVersion, corrections, usd: rates }, null, 2)}\n`);
    return 0;
  }
  out.write(`${provider ? `${provider}/` : ''}${model}${tier ? ` (${tier} tier)` : ''} at ${at}\n`);
  out.write(`  source:   ${entry.source}\n  version:  ${entry.version}\n  ${versions}\n`);
  if (entry.unknownTier !== undefined) out.write(`  tier "${entry.unknownTier}" has no known price: calls on it are unpriced_unknown_tier (standard rates shown)\n`);
  for (const c of corrections) out.write(`  correction ${c.id}: ${c.note} (${c.source}, checked ${c.checked})\n`);
  out.write('  USD:\n');
  for (const [k, v] of Object.entries(rates)) out.write(`    ${k.padEnd(22)} ${v}\n`);
  return 0;
}

function unit(c: keyof typeof RATE_CLASSES): string {
  const per = RATE_CLASSES[c].per;
  return per === 1_000_000 ? '1M tokens' : per === 3_600 ? 'hour' : '1K';
}

/** Pico-USD per block back to USD per block, with tiers. */
function describe(rate: Rate | undefined): string | undefined {
  if (rate === undefined) return undefined;
  const usd = (atto: bigint) => {
    const s = atto.toString().padStart(13, '0');
    return `${s.slice(0, -12)}.${s.slice(-12)}`.replace(/\.?0+$/, '');
  };
  const tiers = rate.tiers.map((t) => `, ${usd(t.rate)} above ${t.aboveInputTokens} input tokens`).join('');
  return `${usd(rate.base)}${tiers}`;
}

async function check(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { flags, config } = parseCommandArgs(argv, { format: { type: 'string' } });
  const client = createClient({ url: apiBase(config), pathname: '/clickhouse', password: config.adminToken ?? '', log: { level: ClickHouseLogLevel.OFF } });
  try {
    const rs = await client.query({
      query: `SELECT provider, request_model, response_model, service_tier, pricing_status AS reason, count() AS calls,
          toString(min(timestamp)) AS first_seen, toString(max(timestamp)) AS last_seen
        FROM unpriced_calls WHERE no_price
        GROUP BY provider, request_model, response_model, service_tier, pricing_status ORDER BY calls DESC`,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ provider: string; request_model: string; response_model: string; service_tier: string; reason: string; calls: number | string; first_seen: string; last_seen: string }>();
    if (flags.format === 'json') out.write(`${JSON.stringify(rows, null, 2)}\n`);
    else if (rows.length === 0) out.write('every call in the ledger has a price\n');
    else {
      out.write(`${rows.length} model(s) without a price:\n`);
      for (const r of rows) {
        const what = `${r.provider}/${r.response_model || r.request_model}${r.reason === 'unpriced_unknown_tier' ? ` tier ${r.service_tier}` : ''}`;
        out.write(`  ${what.padEnd(48)} ${String(r.calls).padStart(8)} calls  ${r.first_seen} .. ${r.last_seen}\n`);
      }
      out.write('Add them to the prices file (--prices), then `spanledger prices reprice` the period.\n');
    }
    return rows.length === 0 ? 0 : 1;
  } catch (e) {
    err.write(`spanledger prices check: ${(e as Error).message} (tried ${apiBase(config)}/clickhouse)\n`);
    return 2;
  } finally {
    await client.close();
  }
}

async function repriceCmd(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { flags, config } = parseCommandArgs(argv, { from: { type: 'string' }, to: { type: 'string' }, reason: { type: 'string' } });
  if (typeof flags.from !== 'string' || typeof flags.to !== 'string') {
    err.write(`${PRICES_USAGE}\n`);
    return 2;
  }
  const url = `${apiBase(config)}/v1/admin/prices/reprice`;
  const res = await cliFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(config.adminToken ? { authorization: `Bearer ${config.adminToken}` } : {}) },
    body: JSON.stringify({ from: flags.from, to: flags.to, ...(typeof flags.reason === 'string' ? { reason: flags.reason } : {}) }),
  });
  if (!res.ok) {
    err.write(await describeApiFailure('prices reprice', url, res));
    return 1;
  }
  const body = (await res.json()) as Record<string, unknown>;
  out.write(`${JSON.stringify(body, null, 2)}\n`);
  return 0;
}
