import { parseArgs } from 'node:util';
import { SETTING_SOURCES, loadConfig, type SpanledgerConfig } from '../config';

/** A command's own flags and the configuration from the shared ones. */
export interface CommandArgs {
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
  config: SpanledgerConfig;
}

/**
 * Parses a subcommand's arguments: its own `options` plus every configuration flag
 * (`--config`, `--api-port`, `--admin-token`, `--prices`, ...), which go through the config
 * loader so environment variables and the config file apply as for `serve`.
 */
export function parseCommandArgs(argv: readonly string[], options: Record<string, { type: 'string' | 'boolean' }>): CommandArgs {
  const configFlags = new Map<string, boolean>([['config', false], ...SETTING_SOURCES.map((s) => [s.flag, s.boolean === true] as [string, boolean])]);
  const all: Record<string, { type: 'string' | 'boolean' }> = { ...options };
  for (const [flag, isBool] of configFlags) all[flag] = { type: isBool ? 'boolean' : 'string' };
  const parsed = parseArgs({ args: [...argv], options: all, strict: true, allowPositionals: true });
  const forConfig: string[] = [];
  const own: Record<string, string | boolean | undefined> = {};
  for (const [k, v] of Object.entries(parsed.values)) {
    if (configFlags.has(k)) {
      if (v === true) forConfig.push(`--${k}`);
      else if (typeof v === 'string') forConfig.push(`--${k}`, v);
    } else own[k] = v as string | boolean | undefined;
  }
  return { flags: own, positionals: parsed.positionals, config: loadConfig({ argv: forConfig }) };
}
