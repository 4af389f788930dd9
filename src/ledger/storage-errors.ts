import { PermanentError, RetryableError } from '../pipeline';

/**
 * ClickHouse error codes that mean "this data, in this shape, is refused": retrying the same
 * rows cannot succeed. Everything else (network, memory, disk, timeouts, too many parts
 * while merges catch up, a table missing or read-only during maintenance) is retryable,
 * as is any error without a code: only what is known to be permanent is refused for good.
 */
const PERMANENT_CODES = new Map<number, string>([
  [6, 'CANNOT_PARSE_TEXT'],
  [7, 'INCORRECT_NUMBER_OF_COLUMNS'],
  [25, 'CANNOT_PARSE_ESCAPE_SEQUENCE'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [43, 'ILLEGAL_TYPE_OF_ARGUMENT'],
  [53, 'TYPE_MISMATCH'],
  [62, 'SYNTAX_ERROR'],
  [69, 'ARGUMENT_OUT_OF_BOUND'],
  [70, 'CANNOT_CONVERT_TYPE'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [117, 'INCORRECT_DATA'],
  [130, 'CANNOT_READ_ARRAY_FROM_TEXT'],
  [131, 'TOO_LARGE_STRING_SIZE'],
  [190, 'SIZES_OF_ARRAYS_DONT_MATCH'],
  [321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  [349, 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN'],
  [407, 'DECIMAL_OVERFLOW'],
  [469, 'VIOLATED_CONSTRAINT'],
]);

/** TOO_MANY_PARTS is both "merges are behind" (retryable) and "one insert spans too many partitions" (its shape: permanent). */
const TOO_MANY_PARTS = 252;
const SHAPE_MESSAGE = /too many partitions for (a )?single insert/i;
const MAX_MESSAGE_CHARS = 500;

/**
 * The one place storage failures are classified by cause: a PermanentError
 * (`invalid_argument`, naming the engine's error) when the engine refused the data itself,
 * else a RetryableError. Errors already classified pass through unchanged.
 */
export function classifyStorageError(err: unknown): PermanentError | RetryableError {
  if (err instanceof PermanentError || err instanceof RetryableError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = engineCode(err, message);
  const name = code === undefined ? undefined : PERMANENT_CODES.get(code);
  const brief = message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}...` : message;
  if (name !== undefined || (code === TOO_MANY_PARTS && SHAPE_MESSAGE.test(message))) {
    return new PermanentError('invalid_argument', `storage refused the data (${name ?? 'TOO_MANY_PARTS'}, code ${code}): ${brief}`);
  }
  return new RetryableError(`storage write failed: ${brief}`, 1000, { cause: err });
}

/** The ClickHouse error code: `code` on the client's ClickHouseError, else `Code: N.` in the message, else from the cause. */
function engineCode(err: unknown, message: string): number | undefined {
  const own = (err as { code?: unknown } | null)?.code;
  if (typeof own === 'string' && /^\d+$/.test(own)) return Number(own);
  if (typeof own === 'number') return own;
  const m = /\bCode: (\d+)\./.exec(message);
  if (m !== null) return Number(m[1]);
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== err ? engineCode(cause, cause instanceof Error ? cause.message : '') : undefined;
}
