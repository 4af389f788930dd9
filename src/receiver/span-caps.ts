import type { Attributes, SpanRecord } from '../pipeline';
import { TRUNCATED_ATTRIBUTE, type ReaderLimits } from './decode-result';

/**
 * Applies the caps to one span in place: its name, attributes (count, keys, values),
 * events (count, names, attributes) and links (count, attributes). Returns how many
 * things it cut; when any, the span gets `spanledger.truncated_attributes` with that count.
 */
export function capSpan(span: SpanRecord, limits: ReaderLimits): number {
  let cut = 0;
  if (span.name.length > limits.maxNameBytes) {
    span.name = span.name.slice(0, limits.maxNameBytes);
    cut++;
  }
  cut += capMap(span.attributes, limits.maxAttributesPerSpan, limits.maxAttributeKeyBytes, limits.maxAttributeValueBytes);
  if (span.events.length > limits.maxEventsPerSpan) {
    cut += span.events.length - limits.maxEventsPerSpan;
    span.events.length = limits.maxEventsPerSpan;
  }
  for (const ev of span.events) {
    if (ev.name.length > limits.maxNameBytes) {
      ev.name = ev.name.slice(0, limits.maxNameBytes);
      cut++;
    }
    cut += capMap(ev.attributes, limits.maxAttributesPerEvent, limits.maxAttributeKeyBytes, limits.maxAttributeValueBytes);
  }
  if (span.links.length > limits.maxLinksPerSpan) {
    cut += span.links.length - limits.maxLinksPerSpan;
    span.links.length = limits.maxLinksPerSpan;
  }
  for (const link of span.links) cut += capMap(link.attributes, limits.maxAttributesPerEvent, limits.maxAttributeKeyBytes, limits.maxAttributeValueBytes);
  if (cut > 0) span.attributes[TRUNCATED_ATTRIBUTE] = String(cut);
  return cut;
}

/**
 * Applies the resource caps in place (it is shared by every span of its ResourceSpans and
 * copied into each of their rows); returns how many attributes it cut, and when any marks
 * the resource with `spanledger.truncated_attributes`.
 */
export function capResource(resource: Attributes, limits: ReaderLimits): number {
  const cut = capMap(resource, limits.maxResourceAttributes, limits.maxAttributeKeyBytes, limits.maxResourceAttributeValueBytes);
  if (cut > 0) resource[TRUNCATED_ATTRIBUTE] = String(cut);
  return cut;
}

/** Caps one attribute map: entries past `maxCount` dropped, long keys and values cut. */
function capMap(attrs: Attributes, maxCount: number, maxKey: number, maxValue: number): number {
  let cut = 0;
  let n = 0;
  let longKeys: string[] | undefined;
  for (const k in attrs) {
    n++;
    if (n > maxCount) {
      delete attrs[k];
      cut++;
      continue;
    }
    const v = attrs[k]!;
    if (v.length > maxValue) {
      attrs[k] = v.slice(0, maxValue);
      cut++;
    }
    if (k.length > maxKey) (longKeys ??= []).push(k);
  }
  // Renamed after the walk: adding keys while iterating would visit them again.
  for (const k of longKeys ?? []) {
    const v = attrs[k]!;
    delete attrs[k];
    attrs[k.slice(0, maxKey)] = v;
    cut++;
  }
  return cut;
}
