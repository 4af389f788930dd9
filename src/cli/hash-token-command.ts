import { hashToken } from '../ownership';

/** The command's help text. */
export const HASH_TOKEN_USAGE = `usage: printf %s "$TOKEN" | spanledger hash-token
Reads a sender or tenant token on standard input (so it stays out of shell history and ps)
and prints its registry form, sha256:<hex>.`;

/** `spanledger hash-token`: reads a token on standard input, prints its registry form. */
export async function hashTokenCommand(stdin: NodeJS.ReadableStream, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  // The token comes on standard input so it stays out of shell history and `ps`.
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  const token = Buffer.concat(chunks).toString('utf8').trim();
  if (token === '') {
    err.write('spanledger hash-token: give the token on standard input\n');
    return 2;
  }
  out.write(`${hashToken(token)}\n`);
  return 0;
}
