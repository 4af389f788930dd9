import type { PricedCall, RefusedSpans, WriteCalls } from '../pipeline';
import type { PolicyEngine } from './policy-engine';

/**
 * The ledger write with the policy around it, so no caller can do half of the protocol:
 * the calls are annotated (decision, writer stamp) before the write, and observed once after
 * it, also when it failed, since a budget refresh waits for annotated calls to settle. Only
 * stored calls count as spend: when storage refused some spans for good, their calls are not
 * counted; when the write failed, none are.
 */
export function guardWrites(engine: Pick<PolicyEngine, 'annotate' | 'observe'>, write: WriteCalls): WriteCalls {
  return async (batch) => {
    const calls = batch.calls;
    if (calls.length === 0) return write(batch);
    engine.annotate(calls);
    let stored: readonly PricedCall[] = [];
    try {
      const refused = await write(batch);
      stored = storedCalls(calls, refused);
      return refused;
    } finally {
      engine.observe(stored.length > 0 ? stored : calls, stored.length > 0);
    }
  };
}

function storedCalls(calls: readonly PricedCall[], refused: RefusedSpans | undefined): readonly PricedCall[] {
  const bySpan = refused?.spans;
  return bySpan === undefined ? calls : calls.filter((c) => !bySpan.has(c.span));
}
