import { createHmac } from 'node:crypto';
import type { PolicyConfig } from './config';
import type { PolicyEvent } from './types';

/** Each event once (webhooks or not), and how each delivery ended, for logs and metrics. */
export interface DeliveryReport {
  /** Once per event, before any delivery, with the payload webhooks receive. */
  emitted(payload: Record<string, unknown>): void;
  delivered(url: string, eventId: string, attempts: number): void;
  failed(url: string, eventId: string, attempts: number, lastError: string): void;
}

/** The JSON a webhook receives; money as exact decimal strings. */
export function eventPayload(e: PolicyEvent): Record<string, unknown> {
  return {
    id: e.eventId,
    type: e.kind,
    created_at: new Date(e.createdAtMs).toISOString(),
    scope: e.scope,
    subject: e.subject,
    period_start: new Date(e.periodStartMs).toISOString(),
    period_end: new Date(e.periodEndMs).toISOString(),
    limit_nano_usd: e.limitNano.toString(),
    spent_nano_usd: e.spentNano.toString(),
    reserved_nano_usd: e.reservedNano.toString(),
    currency: e.currency,
    message: e.message,
  };
}

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`): what receivers verify. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Reports each event once, then sends it to every configured webhook in the background: POST JSON with
 * `x-spanledger-event-id`, `x-spanledger-timestamp` and `x-spanledger-signature`, retried
 * with exponential backoff (and jitter) on network errors and non-2xx answers.
 */
export function createWebhookSender(cfg: Pick<PolicyConfig, 'webhooks' | 'webhookRetryBaseMs' | 'webhookMaxAttempts'>, report: DeliveryReport): (e: PolicyEvent) => void {
  return (event) => {
    const payload = eventPayload(event);
    report.emitted(payload);
    if (cfg.webhooks.length === 0) return;
    const body = JSON.stringify(payload);
    for (const hook of cfg.webhooks) void send(hook.url, hook.secret, event.eventId, body);
  };

  async function send(url: string, secret: string, eventId: string, body: string): Promise<void> {
    let lastError = '';
    for (let attempt = 1; attempt <= cfg.webhookMaxAttempts; attempt++) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      try {
        const res = await fetch(url, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'x-spanledger-event-id': eventId,
            'x-spanledger-timestamp': timestamp,
            'x-spanledger-signature': signature(secret, timestamp, body),
          },
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (res.ok) {
          report.delivered(url, eventId, attempt);
          return;
        }
        lastError = `HTTP ${res.status}`;
      } catch (err) {
        lastError = (err as Error).message;
      }
      if (attempt < cfg.webhookMaxAttempts) {
        const delay = cfg.webhookRetryBaseMs * 2 ** (attempt - 1);
        await new Promise((r) => setTimeout(r, delay + Math.random() * delay * 0.2).unref());
      }
    }
    report.failed(url, eventId, cfg.webhookMaxAttempts, lastError);
  }
}
