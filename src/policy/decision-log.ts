import type { PolicyConfig } from './config';
import type { CallDecision } from './reservations';
import type { Decision, DecisionRow } from './types';

const MAX_RECENT = 100_000;

/** What the decision log is built from. */
export interface DecisionLogOptions {
  config: Pick<PolicyConfig, 'recordDecisions' | 'decisionSampleRate'>;
  save: (row: DecisionRow) => void;
  /** Told of every decision, for metrics. */
  onDecision?: (decision: Decision['decision'], reason: string) => void;
  /** For the `sampled` mode; a number in [0, 1). */
  random?: () => number;
}

/**
 * Every decision as it is made: counted, stored as `recordDecisions` says, and remembered
 * by tenant and request id for the ledger rows of the calls it let through, for a bounded
 * while (the last 50,000 to 100,000).
 */
export class DecisionLog {
  readonly #opts: DecisionLogOptions;
  readonly #random: () => number;
  // Two generations (`tenant NUL request id`) instead of evicting the oldest one by one: V8
  // maps leave a hole per deleted entry at the front, and finding the oldest then walks
  // every hole (that alone made a decision several times slower once the map was full).
  #recent = new Map<string, CallDecision>();
  #older = new Map<string, CallDecision>();

  constructor(opts: DecisionLogOptions) {
    this.#opts = opts;
    this.#random = opts.random ?? Math.random;
  }

  /**
   * Counts and stores a decision. Remembers one that let a call through with nothing
   * reserved (a reservation remembers its own decision while it is open).
   */
  record(d: Decision, requestId: string | undefined, provider: string, model: string, nowMs: number): Decision {
    this.#opts.onDecision?.(d.decision, d.reason ?? '');
    if (requestId && d.tenant && d.decision !== 'deny' && d.reservation === undefined) this.remember(d.tenant, requestId, d.decisionId, d.decision);
    const { recordDecisions: mode, decisionSampleRate } = this.#opts.config;
    if (mode === 'all' || (mode === 'warn_deny' && d.decision !== 'allow') || (mode === 'sampled' && (d.decision !== 'allow' || this.#random() < decisionSampleRate))) {
      this.#opts.save({
        decisionId: d.decisionId, createdAtMs: nowMs, tenant: d.tenant ?? '', requestId: requestId ?? '',
        provider, model, outcome: d.decision, reason: d.reason ?? '', reservedNano: d.reservation?.amountNano ?? 0n,
      });
    }
    return d;
  }

  /** Remembers the decision of a tenant's request id (also for a reservation settled before its span arrived). */
  remember(tenant: string, requestId: string, decisionId: string, outcome: string): void {
    if (this.#recent.size >= MAX_RECENT / 2) {
      this.#older = this.#recent;
      this.#recent = new Map();
    }
    this.#recent.set(`${tenant}\u0000${requestId}`, { decisionId, outcome });
  }

  /** The remembered decision of a tenant's request id, if still held. */
  find(tenant: string, requestId: string): CallDecision | undefined {
    const key = `${tenant}\u0000${requestId}`;
    return this.#recent.get(key) ?? this.#older.get(key);
  }
}
