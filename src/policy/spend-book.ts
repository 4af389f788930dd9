import type { WriterStamp } from '../pipeline';
import { createPeriodCalculator, type PeriodBounds, type PeriodCalculator } from './periods';
import type { SpendRow } from './policy-store';
import type { BudgetSpec } from './ports';
import { tenantScopeKey, teamScopeKey } from './scope-keys';
import { WriterEpochs } from './writer-epochs';

const DAY_MS = 86_400_000;

/**
 * One budget scope's billed spend in one period, in three parts that together are exact:
 * what the last refresh read from the ledger, what was stored before the running refresh's
 * epoch boundary (that read will include it), and what was stored since (no read has it).
 * Only the `SpendBook` that made it changes it.
 */
export class PeriodSpend implements PeriodBounds {
  /** `<scope key>|<period start ms>`: the scope and period, as stored events name them. */
  readonly key: string;
  readonly startMs: number;
  readonly endMs: number;
  #base = 0n;
  #before = 0n;
  #local = 0n;

  constructor(key: string, bounds: PeriodBounds) {
    this.key = key;
    this.startMs = bounds.startMs;
    this.endMs = bounds.endMs;
  }

  /** Spend in the period, exact nano-USD. */
  get spentNano(): bigint {
    return this.#base + this.#before + this.#local;
  }

  /** True when `atMs` falls in the period. */
  holds(atMs: number): boolean {
    return atMs >= this.startMs && atMs < this.endMs;
  }

  /** Counts a stored call: `early` when it arrived before the running refresh's boundary. */
  add(nano: bigint, early: boolean): void {
    if (early) this.#before += nano;
    else this.#local += nano;
  }

  /** A new epoch opened: what was counted so far is in the coming read. */
  openEpoch(): void {
    this.#before += this.#local;
    this.#local = 0n;
  }

  /** The read came back with `baseNano`, which holds everything counted before the boundary. */
  settle(baseNano: bigint): void {
    this.#base = baseNano;
    this.#before = 0n;
  }
}

/**
 * Spend per budget scope and period, kept exact against the ledger through the writer
 * epochs (see `WriterEpochs`): counted in memory as calls are stored, replaced by the
 * ledger's figure at each refresh without counting a call twice or losing one.
 */
export class SpendBook {
  readonly #periods: PeriodCalculator;
  readonly #epochs: WriterEpochs;
  /** `<scope key>|<period start>` -> spend */
  readonly #spend = new Map<string, PeriodSpend>();
  /** Each scope's latest period, for the common case (the same period as the last look) without date arithmetic. */
  readonly #current = new Map<string, PeriodSpend>();

  constructor(replicaId: string, periods: PeriodCalculator = createPeriodCalculator()) {
    this.#periods = periods;
    this.#epochs = new WriterEpochs(replicaId);
  }

  /** The stamping side of the epoch protocol, for the calls this process stores. */
  get epochs(): WriterEpochs {
    return this.#epochs;
  }

  /** The spend of scope `key` in the period of `budget` holding `nowMs`; a new period starts at zero until a refresh reads it. */
  periodOf(key: string, budget: BudgetSpec, nowMs: number): PeriodSpend {
    const c = this.#current.get(key);
    if (c !== undefined && nowMs >= c.startMs && nowMs < c.endMs) return c;
    const bounds = this.#periods.bounds(budget.period, budget.timeZone, nowMs);
    const periodKey = `${key}|${bounds.startMs}`;
    let s = this.#spend.get(periodKey);
    if (s === undefined) {
      s = new PeriodSpend(periodKey, bounds);
      this.#spend.set(periodKey, s);
    }
    this.#current.set(key, s);
    return s;
  }

  /**
   * Counts one stored call of `billedNano` that started at `atMs` against scope `key`, in
   * the period current at `nowMs`; returns that period, or undefined when the call started
   * outside it (it belongs to a period that is over, or not yet begun).
   */
  count(key: string, budget: BudgetSpec, atMs: number, billedNano: bigint, writer: WriterStamp | undefined, nowMs: number): PeriodSpend | undefined {
    const s = this.periodOf(key, budget, nowMs);
    if (!s.holds(atMs)) return undefined;
    s.add(billedNano, this.#epochs.isEarlier(writer));
    return s;
  }

  /** Forgets periods that ended more than a day before `nowMs`. */
  prune(nowMs: number): void {
    for (const [k, s] of this.#spend) if (s.endMs < nowMs - DAY_MS) this.#spend.delete(k);
  }

  /**
   * Replaces the spend of each `budgets` scope (key and budget) by the ledger's, read with
   * `read` once per distinct period: opens a new epoch, waits until the writes of the older
   * ones ended, then reads without this process's calls from the new epoch on.
   */
  async reload(
    budgets: Iterable<readonly [string, BudgetSpec]>,
    nowMs: number,
    read: (startMs: number, endMs: number, exclude: { writerId: string; fromEpoch: number }) => Promise<SpendRow[]>,
  ): Promise<void> {
    const groups = new Map<string, { startMs: number; endMs: number; scopes: Map<string, PeriodSpend> }>();
    for (const [key, budget] of budgets) {
      const s = this.periodOf(key, budget, nowMs);
      const g = `${s.startMs}|${s.endMs}`;
      let group = groups.get(g);
      if (group === undefined) groups.set(g, (group = { startMs: s.startMs, endMs: s.endMs, scopes: new Map() }));
      group.scopes.set(key, s);
    }
    // What is counted in memory so far belongs to this read.
    const boundary = this.#epochs.advance();
    for (const s of this.#spend.values()) s.openEpoch();
    await this.#epochs.drained(boundary);
    for (const { startMs, endMs, scopes } of groups.values()) {
      const rows = await read(startMs, endMs, { writerId: this.#epochs.writerId, fromEpoch: boundary });
      const totals = new Map<string, bigint>();
      for (const r of rows) {
        const nano = BigInt(r.nano);
        const tk = tenantScopeKey(r.tenant);
        const mk = teamScopeKey(r.team);
        totals.set(tk, (totals.get(tk) ?? 0n) + nano);
        totals.set(mk, (totals.get(mk) ?? 0n) + nano);
      }
      for (const [key, s] of scopes) s.settle(totals.get(key) ?? 0n);
    }
  }
}
