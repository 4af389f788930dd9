import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { PermanentError } from './errors';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/**
 * Undoes `Content-Encoding` (gzip, deflate or none) with the size limit applied to the
 * decompressed bytes, so a small gzip bomb is refused before it fills memory.
 */
export async function decompressBody(body: Buffer, encoding: string | undefined, maxBytes: number): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') {
    if (body.length > maxBytes) throw tooLarge(maxBytes);
    return body;
  }
  const fn = enc === 'gzip' || enc === 'x-gzip' ? gunzipAsync : enc === 'deflate' ? inflateAsync : undefined;
  if (fn === undefined) {
    throw new PermanentError('unsupported_media_type', `unsupported Content-Encoding '${enc}': use gzip, deflate or none`);
  }
  try {
    return await fn(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw tooLarge(maxBytes);
    throw new PermanentError('invalid_argument', `body is not valid ${enc}: ${(err as Error).message}`);
  }
}

function tooLarge(maxBytes: number): PermanentError {
  return new PermanentError('payload_too_large', `request body exceeds ${maxBytes} bytes after decompression`);
}
