import { RATE_CLASSES, RATE_CLASS_NAMES, type RateClass } from './rate-classes';
import { costNano, effectiveRate, type TokenRates } from './token-rates';

/** A reported count: a JS integer or a bigint (beyond 2^53); null or undefined means "not reported". */
export type Count = number | bigint | null | undefined;

/**
 * Usage as the OTel rule reports it: input includes cache read and cache write tokens and
 * the audio, image and video tokens; output includes reasoning, audio, image, video and
 * citation tokens; cache writes include the 1-hour ones; cache reads include the audio and
 * image ones; document pages include the annotated ones. Counts of requests are not
 * reported: each call is one request.
 */
export interface Usage {
  inputTokens: Count;
  outputTokens: Count;
  cacheReadTokens: Count;
  cacheWriteTokens: Count;
  reasoningTokens: Count;
  cacheWrite1hTokens?: Count;
  audioInputTokens?: Count;
  audioCacheReadTokens?: Count;
  imageInputTokens?: Count;
  imageCacheReadTokens?: Count;
  videoInputTokens?: Count;
  audioOutputTokens?: Count;
  imageOutputTokens?: Count;
  videoOutputTokens?: Count;
  citationTokens?: Count;
  webSearchCount?: Count;
  fileSearchCount?: Count;
  textMessageCount?: Count;
  documentPageCount?: Count;
  annotatedDocumentPageCount?: Count;
  audioSeconds?: Count;
}

/**
 * A computed cost, nano-USD. `components` holds every billed class with usage (the exact
 * decomposition: their sum is `total`); the five grouped parts sum the token classes
 * (input: uncached text, audio, image, video input; cacheRead: every cache read; cacheWrite:
 * both TTLs; output: text, audio, image, video and citation output; reasoning) and `fees`
 * the per-request, tool, page, message and duration classes.
 */
export interface CostParts {
  input: bigint;
  cacheRead: bigint;
  cacheWrite: bigint;
  output: bigint;
  reasoning: bigint;
  fees: bigint;
  /** Component name (RATE_CLASSES[c].component) to its cost. */
  components: Record<string, bigint>;
  total: bigint;
}

const GROUP: Record<RateClass, Exclude<keyof CostParts, 'components' | 'total'>> = {
  input: 'input', inputAudio: 'input', inputImage: 'input', inputVideo: 'input',
  cacheRead: 'cacheRead', cacheReadAudio: 'cacheRead', cacheReadImage: 'cacheRead',
  cacheWrite: 'cacheWrite', cacheWrite1h: 'cacheWrite',
  output: 'output', outputAudio: 'output', outputImage: 'output', outputVideo: 'output', citation: 'output',
  reasoning: 'reasoning',
  request: 'fees', webSearch: 'fees', fileSearch: 'fees', textMessage: 'fees', documentPage: 'fees', annotatedDocumentPage: 'fees', audioSecond: 'fees',
};

function n(v: Count): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'bigint') return v > 0n ? v : 0n;
  return Number.isInteger(v) && v > 0 ? BigInt(v) : 0n;
}

const min = (...v: bigint[]): bigint => v.reduce((a, b) => (b < a ? b : a));

const present = (v: Count): boolean => v !== null && v !== undefined;

/** Usage was reported: tokens, or units billed by count or duration (a transcription, an OCR call). */
function reported(u: Usage): boolean {
  return (
    present(u.inputTokens) || present(u.outputTokens) || present(u.webSearchCount) || present(u.fileSearchCount) || present(u.textMessageCount) ||
    present(u.documentPageCount) || present(u.annotatedDocumentPageCount) || present(u.audioSeconds)
  );
}

/** Splits usage into disjoint units per class (each token counted once), clamping inconsistent reports. */
export function unitsByClass(u: Usage): Record<RateClass, bigint> {
  const input = n(u.inputTokens);
  const output = n(u.outputTokens);
  const cacheRead = min(n(u.cacheReadTokens), input);
  const audioIn = n(u.audioInputTokens);
  const imageIn = n(u.imageInputTokens);
  const cacheReadAudio = min(n(u.audioCacheReadTokens), cacheRead, audioIn);
  const cacheReadImage = min(n(u.imageCacheReadTokens), cacheRead - cacheReadAudio, imageIn);
  const cacheWrite = min(n(u.cacheWriteTokens), input - cacheRead);
  const cacheWrite1h = min(n(u.cacheWrite1hTokens), cacheWrite);
  let rest = input - cacheRead - cacheWrite;
  const take = (v: bigint) => {
    const t = min(v, rest);
    rest -= t;
    return t;
  };
  const inputAudio = take(audioIn - cacheReadAudio);
  const inputImage = take(imageIn - cacheReadImage);
  const inputVideo = take(n(u.videoInputTokens));
  const text = rest;
  rest = output;
  const reasoning = take(n(u.reasoningTokens));
  const outputAudio = take(n(u.audioOutputTokens));
  const outputImage = take(n(u.imageOutputTokens));
  const outputVideo = take(n(u.videoOutputTokens));
  const citation = take(n(u.citationTokens));
  // Annotated pages are pages too (the catalog bills them at their own rate, instead of the page rate).
  const annotated = n(u.annotatedDocumentPageCount);
  const pages = n(u.documentPageCount);
  return {
    input: text, cacheRead: cacheRead - cacheReadAudio - cacheReadImage, cacheWrite: cacheWrite - cacheWrite1h, cacheWrite1h,
    inputAudio, cacheReadAudio, inputImage, cacheReadImage, inputVideo,
    output: rest, reasoning, outputAudio, outputImage, outputVideo, citation,
    request: 1n, webSearch: n(u.webSearchCount), fileSearch: n(u.fileSearchCount), textMessage: n(u.textMessageCount),
    documentPage: pages > annotated ? pages - annotated : 0n, annotatedDocumentPage: annotated, audioSecond: n(u.audioSeconds),
  };
}

/**
 * Prices each class of usage once at its rate (a class without its own rate at its
 * parent's: cache classes at input, reasoning and other output classes at output, 1-hour
 * cache writes at the cache-write rate). Each component is rounded half-up to the nano-USD
 * and the total is their sum, so a call's cost decomposes exactly. A request fee is billed
 * once per call. Returns undefined when no usage was reported (neither tokens nor counted units).
 */
export function computeCost(usage: Usage, rates: TokenRates): CostParts | undefined {
  if (!reported(usage)) return undefined;
  const units = unitsByClass(usage);
  const totalInput = n(usage.inputTokens);
  const parts: CostParts = { input: 0n, cacheRead: 0n, cacheWrite: 0n, output: 0n, reasoning: 0n, fees: 0n, components: {}, total: 0n };
  for (const c of RATE_CLASS_NAMES) {
    const q = units[c];
    if (q <= 0n) continue;
    const rate = effectiveRate(rates, c);
    // Fees exist only where the entry prices them: a model without a request fee has none.
    if (GROUP[c] === 'fees' && rates[c] === undefined) continue;
    const cost = costNano(q, rate, totalInput, c);
    const name = RATE_CLASSES[c].component;
    parts.components[name] = cost;
    parts[GROUP[c]] += cost;
    parts.total += cost;
  }
  return parts;
}
