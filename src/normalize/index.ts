/** Normalization: one mapper per span convention, tried by priority. */
import { genAiMapper } from './genai-mapper';
import type { SpanMapper } from './mapper';
import { openInferenceMapper } from './openinference-mapper';
import { openLlmetryMapper } from './openllmetry-mapper';
import { vercelAiMapper } from './vercel-ai-mapper';
import { mlflowMapper } from './mlflow-mapper';
import { genkitMapper } from './genkit-mapper';
import { claudeCodeMapper } from './claude-code-mapper';

export { createNormalizer, type Normalizer } from './registry';
export { NOT_A_CALL, type SpanMapper } from './mapper';
export { genAiMapper } from './genai-mapper';
export { openInferenceMapper } from './openinference-mapper';
export { openLlmetryMapper } from './openllmetry-mapper';
export { vercelAiMapper } from './vercel-ai-mapper';
export { mlflowMapper } from './mlflow-mapper';
export { genkitMapper } from './genkit-mapper';
export { claudeCodeMapper } from './claude-code-mapper';
export { canonicalProvider } from './provider-aliases';
export { normalizeModelId } from './model-ids';
export { emptyReport, type NormalizeReport } from './registry';
export { normalizeConfigSchema, type NormalizeConfig } from './config';
export { isContentAttribute } from './content-attributes';
export { findUnmapped, modelCandidate, type KnowsModel } from './model-candidate';
export { createNormalizeStage, type NormalizeTelemetry } from './normalize-stage';

/** The mappers the service uses, in no particular order (the registry sorts them). */
export function defaultMappers(): SpanMapper[] {
  return [vercelAiMapper, claudeCodeMapper, openLlmetryMapper, genAiMapper, openInferenceMapper, mlflowMapper, genkitMapper];
}
