import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PricedCall } from '../src/pipeline';
import { createPolicyStore } from '../src/ledger';
import { type PolicyEngine, type PolicyStore } from '../src/policy';
import { pricedCall, startAcmeService, storeThrough, testEngine } from './helpers/policy-engine';
import type { TestService } from './helpers/test-service';

// The engine counts a stored call in memory at once and learns the ledger's total from a
// background read. A call stored while that read runs must be counted once: these cases
// put a write exactly inside the read, or keep one in flight across its start.
describe('budget refreshes while calls are being stored', () => {
  let svc: TestService;
  let engine: PolicyEngine;
  let beforeRead: (() => Promise<void>) | undefined;

  before(async () => {
    svc = await startAcmeService({ policy: { refreshMs: 3_600_000 } });
    const real = createPolicyStore(svc.service.storage.client, svc.cfg.ledger.database);
    // The real store; the test only chooses what happens just before a spend read.
    const store: PolicyStore = {
      ...real,
      spend: async (...args) => {
        const hook = beforeRead;
        beforeRead = undefined;
        await hook?.();
        return real.spend(...args);
      },
    };
    engine = testEngine(svc, { store });
    await engine.start();
  });
  after(async () => {
    engine.stop();
    await svc.stop();
  });

  const spent = () => engine.decide({ tenantId: 'acme', provider: 'openai', model: 'gpt-4o-mini', reserve: false }).budgets[0]!.spentNano;
  const store = (call: PricedCall) => storeThrough(svc, engine, [call]);

  test('a call written and counted while the read runs is counted once', async () => {
    const start = spent();
    const call = pricedCall(1_234_567n);
    let written = false;
    beforeRead = async () => {
      engine.annotate([call]);
      await svc.service.writer.write([call.span], [call]);
      written = true;
    };
    await engine.refresh();
    assert.ok(written, 'the write ran inside the read');
    // Counted in memory only after the read had already seen the row.
    engine.observe([call]);
    assert.equal(spent(), start + 1_234_567n);
    await engine.refresh();
    assert.equal(spent(), start + 1_234_567n);
  });

  test('a call still being stored when a refresh begins is waited for and counted once', async () => {
    const start = spent();
    const call = pricedCall(2_000_003n);
    engine.annotate([call]);
    await svc.service.writer.write([call.span], [call]);
    // The row is in the ledger, but the engine has not counted it yet.
    let refreshed = false;
    const refresh = engine.refresh().then(() => (refreshed = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(refreshed, false, 'the refresh waits for the call in flight');
    engine.observe([call]);
    await refresh;
    assert.equal(spent(), start + 2_000_003n);
  });

  test('a call whose write failed does not hold the refresh and is not counted', async () => {
    const start = spent();
    const call = pricedCall(5_000_000n);
    engine.annotate([call]);
    const refresh = engine.refresh();
    engine.observe([call], false);
    await refresh;
    assert.equal(spent(), start);
  });

  test('calls stored before, during and after refreshes add up to the ledger', async () => {
    const start = spent();
    let total = 0n;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 30; i++) {
      const billed = BigInt(1_000 + i);
      total += billed;
      writes.push(store(pricedCall(billed)));
      if (i % 7 === 0) writes.push(engine.refresh());
    }
    await Promise.all(writes);
    assert.equal(spent(), start + total);
    await engine.refresh();
    assert.equal(spent(), start + total);
    const [row] = await svc.rows<{ nano: string }>(`SELECT toString(sum(cost_nano_usd)) AS nano FROM ${svc.cfg.ledger.database}.llm_calls FINAL WHERE tenant = 'acme'`);
    assert.equal(BigInt(row!.nano), spent());
  });
});
