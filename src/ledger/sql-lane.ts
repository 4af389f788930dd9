import { createLane, type Lane } from '../pipeline';
import { SqlRefusal } from './sql-refusal';

/** The `/clickhouse` endpoint's lane: refusals are in ClickHouse's error shape, 503 with Retry-After. */
export type QueryLane = Lane;

/** Creates a lane of `slots` slots, at most `maxQueued` waiting, each at most `queueTimeoutMs`. */
export function createQueryLane(opts: { slots: number; maxQueued: number; queueTimeoutMs: number }): QueryLane {
  return createLane({
    ...opts,
    busy: (why) => new SqlRefusal(503, 202, 'TOO_MANY_SIMULTANEOUS_QUERIES', `${why.replace('the queue', 'the query queue')}: ${opts.slots} queries run at once on /clickhouse; try again shortly`, 1),
  });
}
