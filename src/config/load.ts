import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { configSchema, type SpanledgerConfig } from './schema';
import { maskUrlCredentials } from './mask-credentials';
import { SECRET_PATHS, SETTING_SOURCES } from './sources';
import { issueLines, issuePath } from '../pipeline';

/** A configuration problem; `message` lists every bad field with where its value came from. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Where the loader reads from; the defaults are the real process's. */
export interface LoadInputs {
  /** Command-line arguments after the subcommand. */
  argv: readonly string[];
  env?: NodeJS.ProcessEnv;
}

type Tree = Record<string, unknown>;

/**
 * Builds the configuration: defaults, then the YAML file (`--config` / SPANLEDGER_CONFIG),
 * then SPANLEDGER_* variables, then flags; validates once. Throws ConfigError naming each
 * bad field and its source. The only reader of `process.env`.
 */
export function loadConfig(inputs: LoadInputs): SpanledgerConfig {
  const env = inputs.env ?? process.env;
  const options: Record<string, { type: 'string' | 'boolean' }> = { config: { type: 'string' } };
  for (const s of SETTING_SOURCES) options[s.flag] = { type: s.boolean ? 'boolean' : 'string' };
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({ args: [...inputs.argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. Known flags: --config, ${SETTING_SOURCES.map((s) => `--${s.flag}`).join(', ')}`);
  }

  const tree: Tree = {};
  const origin = new Map<string, string>();
  const file = (flags.config as string | undefined) ?? env.SPANLEDGER_CONFIG;
  if (file !== undefined && file !== '') {
    const fromFile = readConfigFile(file);
    mergeInto(tree, fromFile, '', origin, `config file ${file}`);
  }
  for (const s of SETTING_SOURCES) {
    const v = env[s.env];
    if (v !== undefined && v !== '') setPath(tree, s.path, v, origin, `environment ${s.env}`);
  }
  for (const s of SETTING_SOURCES) {
    const v = flags[s.flag];
    if (v !== undefined) setPath(tree, s.path, v, origin, `flag --${s.flag}`);
  }

  const result = configSchema.safeParse(tree);
  if (!result.success) {
    // Where each value came from follows the message: `adminToken: too short (from flag --admin-token)`.
    const lines = result.error.issues.map((issue) => {
      const from = origin.get(issuePath(issue, '(top level)'));
      return `  ${issueLines([issue], { whole: '(top level)' })[0]}${from ? ` (from ${from})` : ''}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data) as SpanledgerConfig;
}

/** The configuration with secrets masked (named secrets and credentials inside URLs), for logs. */
export function redactConfig(cfg: SpanledgerConfig): Tree {
  const copy = JSON.parse(maskUrlCredentials(JSON.stringify(cfg))) as Tree;
  for (const hook of ((copy.policy as Tree | undefined)?.webhooks as Tree[] | undefined) ?? []) hook.secret = '***';
  for (const path of SECRET_PATHS) {
    const keys = path.split('.');
    let node: Tree | undefined = copy;
    for (const k of keys.slice(0, -1)) node = node?.[k] as Tree | undefined;
    const last = keys[keys.length - 1]!;
    if (node && node[last] !== undefined && node[last] !== '') node[last] = '***';
  }
  return copy;
}

function readConfigFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${file} must hold a mapping at the top level`);
  return doc as Tree;
}

function mergeInto(target: Tree, src: Tree, prefix: string, origin: Map<string, string>, from: string): void {
  for (const [k, v] of Object.entries(src)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const child = (target[k] ??= {}) as Tree;
      mergeInto(child, v as Tree, path, origin, from);
    } else {
      target[k] = v;
      origin.set(path, from);
    }
  }
}

function setPath(tree: Tree, path: string, value: unknown, origin: Map<string, string>, from: string): void {
  const keys = path.split('.');
  let node = tree;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Tree;
  node[keys[keys.length - 1]!] = value;
  origin.set(path, from);
}
