/**
 * A model-name glob as a case-insensitive RegExp: `*` any run of characters, `?` one,
 * everything else literal. Model names are not paths, so path-glob libraries (which treat
 * `/` specially) do not fit.
 */
export function modelGlob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}
