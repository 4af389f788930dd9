import type { ConsumeSpans, ExportContext } from '../pipeline';
import type { DecodeResult } from './decode-result';
import type { ExportOutcome } from './export-response';
import { readJsonExportRequest } from './otlp-json-reader';
import { readProtoExportRequest } from './otlp-proto-reader';
import type { ReceiverTelemetry, Transport } from './telemetry';
import type { Admit } from './admission';
import { DEFAULT_READER_LIMITS, type ReaderLimits } from './decode-result';
import { checkExpansion, type ExportBounds } from './export-bounds';
import { timeWindowAt } from './time-window';

/**
 * Decides who sent an export from its `Authorization` value; throws a PermanentError
 * ('unauthenticated') to refuse it.
 */
export type Authenticate = (authorization: string | undefined) => ExportContext;

/** The one export path both transports call; they only pick the codec. */
export interface ExportCore {
  /** Checks credentials and admission (memory, sender rate); called before the body is decompressed or decoded. */
  authenticate: Authenticate;
  /** Decodes, hands the spans on, and resolves once `next` has durably taken them. */
  export(body: Buffer, codec: 'proto' | 'json', transport: Transport, context: ExportContext): Promise<ExportOutcome>;
}

/**
 * Builds the export core around the next consumer. With `bounds`, spans outside the time
 * window are refused one by one and an export that would expand into too many rows or
 * bytes is refused whole, before anything is handed on.
 */
export function createExportCore(next: ConsumeSpans, telemetry: ReceiverTelemetry, authenticate: Authenticate, admit?: Admit, limits: ReaderLimits = DEFAULT_READER_LIMITS, bounds?: ExportBounds): ExportCore {
  return {
    authenticate: (authorization) => {
      const context = authenticate(authorization);
      admit?.(context.sender?.id ?? 'anonymous');
      return context;
    },
    async export(body, codec, transport, context) {
      const requestLimits = bounds === undefined ? limits : { ...limits, window: timeWindowAt(Date.now(), bounds) };
      const decoded: DecodeResult = codec === 'proto' ? readProtoExportRequest(body, requestLimits) : readJsonExportRequest(body, requestLimits);
      if (bounds !== undefined) {
        try {
          checkExpansion(decoded.spans, body.length, bounds);
        } catch (err) {
          telemetry.rejected(transport, decoded.spans.length + decoded.rejectedSpans, 'too_large');
          throw err;
        }
      }
      if (decoded.truncatedSpans > 0) telemetry.truncated?.(transport, decoded.truncatedSpans);
      for (const reason in decoded.rejectedByReason) telemetry.rejected(transport, decoded.rejectedByReason[reason]!, reason);
      if (decoded.spans.length === 0) return { rejectedSpans: decoded.rejectedSpans, errorMessage: decoded.rejectMessage };
      const offered = decoded.spans.length;
      const refused = await next(decoded.spans, context);
      if (refused === undefined || refused.rejectedSpans === 0) {
        telemetry.accepted(transport, offered);
        return { rejectedSpans: decoded.rejectedSpans, errorMessage: decoded.rejectMessage };
      }
      // Spans the pipeline refused one by one (a token count it cannot read exactly, a row
      // storage refuses for good); the rest of the export was stored.
      for (const reason in refused.byReason) telemetry.rejected(transport, refused.byReason[reason]!, reason);
      telemetry.accepted(transport, offered - refused.rejectedSpans);
      const rejectedSpans = decoded.rejectedSpans + refused.rejectedSpans;
      const first = decoded.rejectMessage !== '' ? decoded.rejectMessage.replace(/^(1 span rejected: |\d+ spans rejected; first: )/, '') : refused.errorMessage;
      return { rejectedSpans, errorMessage: rejectedSpans === 1 ? `1 span rejected: ${first}` : `${rejectedSpans} spans rejected; first: ${first}` };
    },
  };
}
