/**
 * A JSON object attribute (MLflow's `mlflow.chat.tokenUsage`, Genkit's `genkit:output`),
 * parsed when it is small enough, or the object under `key` cut out of a larger one.
 * Undefined when it is absent or not JSON.
 */
export function jsonObject(text: string | undefined, key?: string): Record<string, unknown> | undefined {
  if (text === undefined || text === '') return undefined;
  let source = text;
  if (text.length > 262_144) {
    if (key === undefined) return undefined;
    // The last occurrence: usage follows the (large) message in Genkit output.
    const at = text.lastIndexOf(`"${key}"`);
    const open = at < 0 ? -1 : text.indexOf('{', at);
    const close = open < 0 ? -1 : text.indexOf('}', open);
    if (close < 0) return undefined;
    source = text.slice(open, close + 1);
    key = undefined;
  }
  try {
    const doc: unknown = JSON.parse(source);
    const inner = key === undefined ? doc : (doc as Record<string, unknown> | null)?.[key];
    return typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
