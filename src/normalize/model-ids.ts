import { aliasProvider } from './provider-aliases';

/** A model id as pricing reads it, and the provider its form implies ('' when it implies none). */
export interface NormalizedModel {
  model: string;
  provider: string;
}

// Bedrock cross-region inference profiles put a geography before the vendor id.
const BEDROCK_REGION = /^(us|eu|apac|ap|jp|au|ca|us-gov|global)\.(?=[a-z0-9-]+\.[a-z0-9])/;
const BEDROCK_VENDOR = /^(anthropic|meta|amazon|mistral|cohere|ai21|deepseek|writer|qwen|openai|stability|twelvelabs|luma|moonshot|minimax)\.[a-z0-9][\w.:-]*$/;
// arn:aws:bedrock:<region>:<account>:<foundation-model|inference-profile|...>/<id>
const BEDROCK_ARN = /^arn:aws[\w-]*:bedrock:[\w-]*:\d*:(foundation-model|inference-profile|provisioned-model|application-inference-profile|custom-model|imported-model)\/(.+)$/;
// projects/<p>/locations/<l>/publishers/<pub>/models/<id>, publishers/<pub>/models/<id>
const VERTEX_PATH = /^(?:projects\/[^/]+\/locations\/[^/]+\/)?publishers\/([^/]+)\/models\/([^/@:]+(?:@[\w.-]+)?)(?::\w+)?$/;
const VERTEX_ENDPOINT = /^projects\/[^/]+\/locations\/[^/]+\/endpoints\//;

const none = (model: string): NormalizedModel => ({ model, provider: '' });

/**
 * Normalizes a model id before pricing: `models/gemini-1.5-pro` (Gemini API),
 * `publishers/google/models/...` and full Vertex resource paths, `provider/model` gateway
 * ids (`openai/gpt-4o`, `bedrock/anthropic.claude...`), Bedrock regional profiles
 * (`us.anthropic.claude...`) and ARNs to the vendor id the catalog knows
 * (`anthropic.claude-3-5-sonnet-20240620-v1:0`). Ids it does not recognize, custom
 * Vertex endpoints and application inference profiles (opaque ids) are returned as they are.
 */
export function normalizeModelId(raw: string): NormalizedModel {
  // Calls repeat a few model ids: each is worked out once (the cache is bounded).
  let hit = memo.get(raw);
  if (hit === undefined) {
    hit = compute(raw);
    if (memo.size >= 10_000) memo.clear();
    memo.set(raw, hit);
  }
  return hit;
}

const memo = new Map<string, NormalizedModel>();

function compute(raw: string): NormalizedModel {
  let id = raw.trim();
  if (id === '') return none('');
  let provider = '';
  const arn = BEDROCK_ARN.exec(id);
  if (arn !== null) {
    if (arn[1] !== 'foundation-model' && arn[1] !== 'inference-profile') return { model: id, provider: 'aws.bedrock' };
    id = arn[2]!;
    provider = 'aws.bedrock';
  }
  if (id.startsWith('models/')) return { model: id.slice(7), provider: 'gcp.gemini' };
  if (VERTEX_ENDPOINT.test(id)) return { model: id, provider: 'gcp.vertex_ai' };
  const vertex = VERTEX_PATH.exec(id);
  if (vertex !== null) return { model: vertex[2]!, provider: 'gcp.vertex_ai' };
  // Gateway ids: strip leading provider segments (`openrouter/anthropic/claude-...` too).
  for (let slash = id.indexOf('/'); slash > 0; slash = id.indexOf('/')) {
    const head = id.slice(0, slash).toLowerCase();
    const named = aliasProvider(head) ?? (GATEWAYS.has(head) ? '' : undefined);
    if (named === undefined) break;
    if (named !== '') provider = named;
    id = id.slice(slash + 1);
    if (id.startsWith('models/')) id = id.slice(7);
  }
  const region = BEDROCK_REGION.exec(id);
  if (region !== null && BEDROCK_VENDOR.test(id.slice(region[0].length))) return { model: id.slice(region[0].length), provider: 'aws.bedrock' };
  if (BEDROCK_VENDOR.test(id) && /-v\d+(:\d+)?$|:\d+$/.test(id)) return { model: id, provider: provider || 'aws.bedrock' };
  return { model: id, provider };
}

/** Routers whose prefix names no provider of their own (the next segment does). */
const GATEWAYS = new Set(['openrouter', 'litellm_proxy', 'portkey', 'helicone']);
