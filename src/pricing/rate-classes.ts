/**
 * Every class of usage spanledger bills, one per price key of the catalog
 * (@pydantic/genai-prices). `per` is how many units the catalog's price is quoted for
 * (tokens per million, counts per thousand, seconds per hour). `fallback` is the class
 * whose rate applies when an entry has no rate of its own for this class (the catalog's
 * rule: usage of a class without a price is billed as part of its parent class).
 * `component` names the class in the ledger's `cost_components` map.
 */
export const RATE_CLASSES = {
  input: { priceKeys: ['input_mtok'], per: 1_000_000, fallback: undefined, component: 'input' },
  cacheRead: { priceKeys: ['cache_read_mtok'], per: 1_000_000, fallback: 'input', component: 'cache_read' },
  cacheWrite: { priceKeys: ['cache_write_mtok'], per: 1_000_000, fallback: 'input', component: 'cache_write' },
  cacheWrite1h: { priceKeys: ['cache_write_1h_mtok'], per: 1_000_000, fallback: 'cacheWrite', component: 'cache_write_1h' },
  inputAudio: { priceKeys: ['input_audio_mtok'], per: 1_000_000, fallback: 'input', component: 'input_audio' },
  cacheReadAudio: { priceKeys: ['cache_audio_read_mtok'], per: 1_000_000, fallback: 'cacheRead', component: 'cache_read_audio' },
  inputImage: { priceKeys: ['input_image_mtok'], per: 1_000_000, fallback: 'input', component: 'input_image' },
  cacheReadImage: { priceKeys: ['cache_image_read_mtok'], per: 1_000_000, fallback: 'cacheRead', component: 'cache_read_image' },
  inputVideo: { priceKeys: ['input_video_mtok'], per: 1_000_000, fallback: 'input', component: 'input_video' },
  output: { priceKeys: ['output_mtok'], per: 1_000_000, fallback: undefined, component: 'output' },
  reasoning: { priceKeys: ['output_reasoning_mtok'], per: 1_000_000, fallback: 'output', component: 'reasoning' },
  outputAudio: { priceKeys: ['output_audio_mtok'], per: 1_000_000, fallback: 'output', component: 'output_audio' },
  outputImage: { priceKeys: ['output_image_mtok'], per: 1_000_000, fallback: 'output', component: 'output_image' },
  outputVideo: { priceKeys: ['output_video_mtok'], per: 1_000_000, fallback: 'output', component: 'output_video' },
  citation: { priceKeys: ['output_citation_mtok'], per: 1_000_000, fallback: 'output', component: 'output_citation' },
  request: { priceKeys: ['requests_kcount'], per: 1_000, fallback: undefined, component: 'request_fee' },
  webSearch: { priceKeys: ['web_searches_kcount'], per: 1_000, fallback: undefined, component: 'web_search' },
  fileSearch: { priceKeys: ['storage_searches_kcount'], per: 1_000, fallback: undefined, component: 'file_search' },
  textMessage: { priceKeys: ['input_text_messages_kcount'], per: 1_000, fallback: undefined, component: 'text_message' },
  documentPage: { priceKeys: ['input_document_kpages'], per: 1_000, fallback: undefined, component: 'document_page' },
  annotatedDocumentPage: { priceKeys: ['input_annotated_document_kpages'], per: 1_000, fallback: undefined, component: 'annotated_document_page' },
  // Audio billed by duration: `audio_hours` (any direction: transcription, voice sessions)
  // and, for transcription models, its child `input_audio_hours` at the same price: one
  // duration billed once.
  audioSecond: { priceKeys: ['audio_hours', 'input_audio_hours'], per: 3_600, fallback: undefined, component: 'audio_seconds' },
} as const satisfies Record<string, { priceKeys: readonly string[]; per: number; fallback: string | undefined; component: string }>;

/** A billed class of usage. */
export type RateClass = keyof typeof RATE_CLASSES;

/** The rate classes in a fixed order (the order of `cost_components`). */
export const RATE_CLASS_NAMES = Object.keys(RATE_CLASSES) as RateClass[];

/** Catalog price key to the class that bills it. */
export const CLASS_OF_PRICE_KEY: ReadonlyMap<string, RateClass> = new Map(
  RATE_CLASS_NAMES.flatMap((c) => RATE_CLASSES[c].priceKeys.map((k) => [k, c] as const)),
);
