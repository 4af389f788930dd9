import { schemaScript } from '../ledger';
import { parseCommandArgs } from './command-args';

/** The command's help text. */
export const SCHEMA_USAGE = `usage: spanledger schema [--cluster NAME] [--config FILE]
prints every statement spanledger runs on an empty ledger database, for an operator who manages
the schema (ledger.schema: external); with --cluster (or ledger.cluster), in its cluster form.`;

/** `spanledger schema`: prints the ledger's DDL script; resolves with the exit code. */
export async function schemaCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { flags, positionals, config } = parseCommandArgs(argv, { cluster: { type: 'string' }, help: { type: 'boolean' } });
  if (flags.help === true || positionals.length > 0) {
    (flags.help === true ? out : err).write(`${SCHEMA_USAGE}\n`);
    return flags.help === true ? 0 : 2;
  }
  const cluster = typeof flags.cluster === 'string' ? flags.cluster : config.ledger.cluster;
  if (cluster !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(cluster)) {
    err.write('spanledger schema: --cluster must be a plain identifier (letters, digits, underscore)\n');
    return 2;
  }
  const l = config.ledger;
  const script = schemaScript(l.database, { cluster, spansTtlDays: l.spansTtlDays, duplicateWinner: l.duplicateWinner, retryWindowS: l.retryWindowS });
  out.write(`${script.map((s) => `${s};`).join('\n\n')}\n`);
  return 0;
}
