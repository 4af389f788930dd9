import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { compileRegistry, type CompiledRegistry } from './compiled-registry';
import { registrySchema } from './registry-schema';
import { issueLines } from '../pipeline';

/** A registry file that cannot be used; `message` names each entry and field at fault. */
export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** Reads, validates and compiles a registry file. Throws RegistryError. */
export function loadRegistryFile(path: string): CompiledRegistry {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RegistryError(`cannot read registry ${path}: ${(err as Error).message}`);
  }
  return parseRegistry(text, path);
}

const MAX_LISTED_ISSUES = 20;

/** Validates and compiles registry YAML text; `source` is used in messages (the first 20 problems, then a count). */
export function parseRegistry(text: string, source: string): CompiledRegistry {
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    throw new RegistryError(`registry ${source} is not valid YAML: ${(err as Error).message}`);
  }
  const result = registrySchema.safeParse(doc);
  if (!result.success) {
    // A generated registry can be wrong in every entry alike: the first problems say what
    // to fix, a thousand more lines only bury them.
    const issues = result.error.issues;
    const lines = issueLines(issues.slice(0, MAX_LISTED_ISSUES), { where: (i) => `  ${describePath(doc, i.path)}` });
    if (issues.length > MAX_LISTED_ISSUES) lines.push(`  ... and ${issues.length - MAX_LISTED_ISSUES} more problems`);
    throw new RegistryError(`invalid registry ${source}:\n${lines.join('\n')}`);
  }
  return compileRegistry(result.data);
}

/** `tenants[2] "search": budget.amount` from a zod path, naming the entry by its id. */
function describePath(doc: unknown, path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  const [section, index, ...rest] = path;
  if (typeof index !== 'number') return path.map(String).join('.');
  const entry = (doc as Record<string, unknown[]> | null)?.[String(section)]?.[index] as { id?: unknown } | undefined;
  const name = typeof entry?.id === 'string' ? ` "${entry.id}"` : '';
  const field = rest.length > 0 ? `: ${rest.map(String).join('.')}` : '';
  return `${String(section)}[${index}]${name}${field}`;
}
