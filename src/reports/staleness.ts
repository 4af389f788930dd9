import { ApiError } from '../pipeline';

/** The longest delay a reader may accept, in seconds. */
export const MAX_STALENESS_S = 3600;

/** The response header naming when the resolver pass a report read from started (ISO 8601, UTC). */
export const RESOLVED_AT_HEADER = 'x-spanledger-resolved-at';

/**
 * Brings duplicate and retry marks and the rollups up to date, or accepts the last pass if it
 * started at most `maxStalenessMs` ago (0: always a pass); resolves with when that pass started.
 */
export type Resolve = (maxStalenessMs: number) => Promise<{ startedAt: string }>;

/**
 * `?max_staleness_s=` in milliseconds: absent is 0 (the report runs a resolver pass first, so
 * every call committed before the request is in it); a whole number of seconds up to
 * `MAX_STALENESS_S`, else a 400 naming the parameter.
 */
export function parseMaxStaleness(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,5}$/.test(value) || Number(value) > MAX_STALENESS_S) {
    throw new ApiError.invalidRequest(`max_staleness_s must be a whole number of seconds from 0 to ${MAX_STALENESS_S}, got '${value.slice(0, 40)}'`);
  }
  return Number(value) * 1000;
}
