import { modelGlob } from '../pipeline';

/** Whether a tenant may call `provider`/`model`. */
export type ModelCheck = (provider: string, model: string) => boolean;

/**
 * Compiles allowed-model patterns: `openai/gpt-4o*` (provider-qualified) or `gpt-4o*`
 * (any provider), `*` and `?` as globs, `@group` expanding to a named list. No list means
 * every model is allowed; an empty list allows none.
 */
export function compileAllowlist(patterns: readonly string[] | undefined, groups: Readonly<Record<string, readonly string[]>>): ModelCheck {
  if (patterns === undefined) return () => true;
  const expanded: string[] = [];
  const expand = (p: string, depth: number) => {
    if (p.startsWith('@') && depth < 4) for (const q of groups[p.slice(1)] ?? []) expand(q, depth + 1);
    else expanded.push(p);
  };
  for (const p of patterns) expand(p, 0);
  const rules = expanded.map((p) => {
    const slash = p.indexOf('/');
    return slash < 0 ? { provider: undefined, model: modelGlob(p) } : { provider: modelGlob(p.slice(0, slash)), model: modelGlob(p.slice(slash + 1)) };
  });
  const test = (provider: string, model: string) => rules.some((r) => (r.provider === undefined || r.provider.test(provider)) && r.model.test(model));
  // A gateway asks about the same few models over and over: remember the answers by provider
  // then model (no key to build per call), bounded since the names come from requests.
  const seen = new Map<string, Map<string, boolean>>();
  let remembered = 0;
  return (provider, model) => {
    let byModel = seen.get(provider);
    let ok = byModel?.get(model);
    if (ok === undefined) {
      ok = test(provider, model);
      if (remembered >= 1024) {
        seen.clear();
        remembered = 0;
        byModel = undefined;
      }
      if (byModel === undefined) {
        byModel = new Map();
        seen.set(provider, byModel);
      }
      byModel.set(model, ok);
      remembered++;
    }
    return ok;
  };
}
