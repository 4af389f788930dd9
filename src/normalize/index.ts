/** Normalization: one mapper per span convention, tried by priority. */
import { genAiMapper } from './genai-mapper';
import type { SpanMapper } from './mapper';

export { createNormalizer, type Normalizer } from './registry';
export type { SpanMapper } from './mapper';
export { genAiMapper } from './genai-mapper';
export { providerFromSystem } from './provider-names';

/** The mappers the service uses, in no particular order (the registry sorts them). */
export function defaultMappers(): SpanMapper[] {
  return [genAiMapper];
}
