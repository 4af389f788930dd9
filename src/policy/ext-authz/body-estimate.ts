/** What a request body says about the call it asks for. */
export interface BodyFacts {
  model?: string;
  /** `max_tokens`, else `max_completion_tokens`, else `max_output_tokens`. */
  maxTokens?: number;
  /** About one token per four characters of prompt text (or of the body, when it is not JSON). */
  estimatedInputTokens?: number;
}

const MAX_KEYS = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const;
// Where OpenAI chat and responses, Anthropic messages and legacy completions put prompt text.
const PROMPT_KEYS = ['messages', 'input', 'prompt', 'system', 'instructions'] as const;
const CHARS_PER_TOKEN = 4;
const MAX_DEPTH = 8;

/**
 * Reads the model, the output-token ceiling and a prompt-size estimate from an LLM request
 * body (OpenAI, Anthropic or Responses shape). A body that is not a JSON object (a
 * truncated one, say) still yields its size as the estimate, so a reservation never holds
 * less because the body was cut. Never throws.
 */
export function readBody(body: string): BodyFacts {
  if (body.length === 0) return {};
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { estimatedInputTokens: Math.ceil(body.length / CHARS_PER_TOKEN) };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { estimatedInputTokens: Math.ceil(body.length / CHARS_PER_TOKEN) };
  const o = json as Record<string, unknown>;
  const facts: BodyFacts = {};
  if (typeof o.model === 'string' && o.model !== '') facts.model = o.model;
  for (const k of MAX_KEYS) {
    const v = o[k];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      facts.maxTokens = v;
      break;
    }
  }
  let chars = 0;
  for (const k of PROMPT_KEYS) chars += textLength(o[k], 0);
  if (chars > 0) facts.estimatedInputTokens = Math.ceil(chars / CHARS_PER_TOKEN);
  return facts;
}

/** Characters of text in a prompt value: strings, and the `content` / `text` of parts and messages. */
function textLength(v: unknown, depth: number): number {
  if (typeof v === 'string') return v.length;
  if (depth >= MAX_DEPTH || v === null || typeof v !== 'object') return 0;
  if (Array.isArray(v)) {
    let n = 0;
    for (const item of v) n += textLength(item, depth + 1);
    return n;
  }
  const o = v as Record<string, unknown>;
  return textLength(o.content, depth + 1) + textLength(o.text, depth + 1);
}
