import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { findProvider } from '@pydantic/genai-prices';
import { loadCorrections } from './corrections';
import { loadOverrides } from './price-book';
import { PricesError } from './prices-error';
import { CLASS_OF_PRICE_KEY } from './rate-classes';
import { loadServiceTiers } from './service-tiers';

const testdata = path.resolve(__dirname, '..', '..', '..', 'testdata', 'prices');

test('every price key of the installed catalog is a billed class (a catalog upgrade adding one fails here)', () => {
  const unknown = new Set<string>();
  for (const id of ['openai', 'anthropic', 'google', 'azure', 'aws', 'x-ai', 'mistral', 'deepseek', 'groq', 'cohere', 'perplexity', 'openrouter', 'together', 'fireworks', 'moonshotai']) {
    const provider = findProvider({ providerId: id });
    assert.ok(provider, id);
    for (const m of provider.models) {
      for (const p of Array.isArray(m.prices) ? m.prices.map((c) => c.prices) : [m.prices]) {
        for (const key of Object.keys(p)) if (!CLASS_OF_PRICE_KEY.has(key)) unknown.add(`${key} (${id}/${m.id})`);
      }
    }
  }
  assert.deepEqual([...unknown], []);
});

test('the shipped service-tier table is valid and dated', () => {
  const tiers = loadServiceTiers();
  assert.match(tiers.version, /^\d{4}-\d{2}-\d{2}$/);
});

test('an invalid corrections file names the entry and the field', () => {
  assert.throws(
    () => loadCorrections(path.join(testdata, 'corrections-invalid.yaml')),
    (err: unknown) => {
      assert.ok(err instanceof PricesError);
      assert.match(err.message, /corrections\.0\.source: /);
      assert.match(err.message, /corrections\.1\.windows\.0\.fromUtc: must be HH:MM \(UTC\)/);
      assert.match(err.message, /corrections\.2\.rates: Unrecognized key: "inputt"/);
      return true;
    },
  );
});

test('an invalid service-tier table names the entry and the field', () => {
  assert.throws(
    () => loadServiceTiers(path.join(testdata, 'service-tiers-invalid.yaml')),
    (err: unknown) => {
      assert.ok(err instanceof PricesError);
      assert.match(err.message, /tiers\.0: needs exactly one of multiplier or rates/);
      assert.match(err.message, /tiers\.1\.multiplier: must be a non-negative decimal/);
      return true;
    },
  );
});

test('a misspelt rate key in an overrides file is refused with the override and field named', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'spanledger-typo-')), 'prices.yaml');
  writeFileSync(file, 'overrides:\n  - id: typo\n    provider: openai\n    model: gpt-4o\n    rates: { input: "1", outptu: "2" }\n');
  assert.throws(() => loadOverrides(file), (err: unknown) => err instanceof PricesError && /overrides\[0\] "typo": rates: Unrecognized key: "outptu"/.test(err.message));
});
