import type { SpanRecord } from '../pipeline';
import { PermanentError } from '../pipeline';
import type { TimeWindowSettings } from './time-window';

/** How much work one export may cause, beyond the per-span caps. */
export interface ExportBounds extends TimeWindowSettings {
  maxSpansPerExport: number;
  maxExportRowBytes: number;
}

/**
 * Refuses an export whose rows would be too many or too large (PermanentError
 * 'payload_too_large': 413 / RESOURCE_EXHAUSTED). A span's own data is in the body once,
 * but its resource is copied into each of its rows, so a large resource shared by many
 * spans multiplies; the estimate is the body plus, per span, its resource's keys and
 * values. Resources are shared objects, so each is measured once.
 */
export function checkExpansion(spans: readonly SpanRecord[], bodyBytes: number, bounds: ExportBounds): void {
  if (spans.length > bounds.maxSpansPerExport) {
    throw new PermanentError('payload_too_large', `export carries ${spans.length} spans, more than receiver.maxSpansPerExport (${bounds.maxSpansPerExport}); send smaller batches`);
  }
  const sizes = new Map<object, number>();
  let total = bodyBytes;
  for (const span of spans) {
    let size = sizes.get(span.resource);
    if (size === undefined) {
      size = 0;
      for (const k in span.resource) size += k.length + span.resource[k]!.length;
      sizes.set(span.resource, size);
    }
    total += size;
  }
  if (total > bounds.maxExportRowBytes) {
    const largest = Math.max(...sizes.values());
    throw new PermanentError(
      'payload_too_large',
      `export would expand into about ${total} bytes of rows, more than receiver.maxExportRowBytes (${bounds.maxExportRowBytes}): ` +
        `${spans.length} spans, each row copying its resource (largest ${largest} bytes); send fewer spans per export or smaller resource attributes`,
    );
  }
}
