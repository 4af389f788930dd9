import { HTTP_CODE, render } from '../routes';
import type { Decision } from '../types';

/** What ext_authz answers for one decision, transport aside. */
export interface Verdict {
  allowed: boolean;
  /** 200 on allow; the deny's HTTP status (429 budget and rate limit, 403 model, 401 tenant, 400 metadata). */
  status: number;
  /** Added to the request sent upstream on allow, so the gateway's spans and logs carry them. */
  upstreamHeaders: [string, string][];
  /** Sent to the client on deny with `body`. */
  denyHeaders: [string, string][];
  /** On deny: the decision as the JSON API renders it, with its OpenAI-shaped `error`. */
  body: string;
  decision: Decision;
}

/** Header names spanledger adds; lower case, as HTTP/2 requires. */
export const HEADER = {
  decisionId: 'x-spanledger-decision-id',
  decision: 'x-spanledger-decision',
  tenant: 'x-spanledger-tenant',
  requestId: 'x-spanledger-request-id',
  reason: 'x-spanledger-reason',
} as const;

/** Maps a decision to its ext_authz answer: the same body and `retry-after` as `POST /v1/policy/decide`. */
export function verdictOf(d: Decision, requestId: string | undefined): Verdict {
  if (d.decision !== 'deny') {
    const up: [string, string][] = [[HEADER.decisionId, d.decisionId], [HEADER.decision, d.decision]];
    if (d.tenant) up.push([HEADER.tenant, d.tenant]);
    if (requestId) up.push([HEADER.requestId, requestId]);
    return { allowed: true, status: 200, upstreamHeaders: up, denyHeaders: [], body: '', decision: d };
  }
  const headers: [string, string][] = [['content-type', 'application/json'], [HEADER.decisionId, d.decisionId]];
  if (d.reason) headers.push([HEADER.reason, d.reason]);
  if (d.retryAfterS !== undefined) headers.push(['retry-after', String(d.retryAfterS)]);
  const status = d.reason ? Number(HTTP_CODE[d.reason]) : 403;
  return { allowed: false, status, upstreamHeaders: [], denyHeaders: headers, body: JSON.stringify(render(d)), decision: d };
}
