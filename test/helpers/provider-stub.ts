import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { STUB_USAGE } from './openai-stub';

/**
 * The usage every stubbed Anthropic message reports, in Anthropic's own (exclusive) shape:
 * `input_tokens` leaves out the cache reads and writes.
 */
export const ANTHROPIC_USAGE = {
  input_tokens: 500,
  cache_read_input_tokens: 2000,
  cache_creation_input_tokens: 1000,
  cache_creation: { ephemeral_5m_input_tokens: 600, ephemeral_1h_input_tokens: 400 },
  output_tokens: 200,
};

/**
 * The usage of a stubbed Anthropic message whose prompt says `small cache`: fewer cache tokens
 * than uncached ones, so only an instrumentation's known habit (not the numbers) tells that its
 * input leaves the cache out.
 */
export const ANTHROPIC_SMALL_CACHE_USAGE = {
  input_tokens: 3000,
  cache_read_input_tokens: 500,
  cache_creation_input_tokens: 200,
  cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 0 },
  output_tokens: 100,
};

/** The usage every stubbed Bedrock Converse answer reports (Converse's shape). */
export const CONVERSE_USAGE = { inputTokens: 700, outputTokens: 150, totalTokens: 850 };

/** The usage every stubbed Vertex AI / Gemini generateContent answer reports. */
export const GEMINI_USAGE = { promptTokenCount: 1000, candidatesTokenCount: 200, thoughtsTokenCount: 50, cachedContentTokenCount: 400, totalTokenCount: 1250 };

/** Tokens the embeddings stub reports per input string. */
export const EMBEDDING_TOKENS_PER_INPUT = 8;

/** One request the stub answered. */
export interface StubRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

/** A running provider stub. */
export interface ProviderStub {
  /** `http://127.0.0.1:<port>`, no path. */
  origin: string;
  /** OpenAI-compatible base URL (`<origin>/v1`). */
  openaiBaseUrl: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** OpenAI's chat completion: a tool call when tools are offered and no tool result came back yet. */
function chatCompletion(body: Json, n: number): { message: Json; finish: string } {
  const tools = body.tools as { function: { name: string } }[] | undefined;
  const messages = (body.messages as { role: string }[] | undefined) ?? [];
  if (tools && tools.length > 0 && !messages.some((m) => m.role === 'tool')) {
    return {
      message: { role: 'assistant', content: null, tool_calls: [{ id: `call_${n}`, type: 'function', function: { name: tools[0]!.function.name, arguments: '{"city":"Paris"}' } }] },
      finish: 'tool_calls',
    };
  }
  return { message: { role: 'assistant', content: 'stubbed answer' }, finish: 'stop' };
}

function openAiChat(req: IncomingMessage, res: ServerResponse, body: Json, n: number): void {
  const model = (body.model as string | undefined) ?? 'gpt-4o-mini';
  const id = `chatcmpl-stub${n}`;
  const created = Math.floor(Date.now() / 1000);
  const { message, finish } = chatCompletion(body, n);
  if (body.stream !== true) {
    sendJson(res, 200, { id, object: 'chat.completion', created, model, choices: [{ index: 0, message, finish_reason: finish, logprobs: null }], usage: STUB_USAGE });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (choices: unknown[], extra: Json = {}) => res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`);
  chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  if (typeof message.content === 'string') {
    chunk([{ index: 0, delta: { content: 'stubbed ' }, finish_reason: null }]);
    chunk([{ index: 0, delta: { content: 'answer' }, finish_reason: null }]);
  } else {
    const calls = message.tool_calls as Json[];
    chunk([{ index: 0, delta: { tool_calls: calls.map((c, index) => ({ index, ...c })) }, finish_reason: null }]);
  }
  chunk([{ index: 0, delta: {}, finish_reason: finish }]);
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  if (streamOptions?.include_usage) chunk([], { usage: STUB_USAGE });
  res.end('data: [DONE]\n\n');
  void req;
}

function openAiEmbeddings(res: ServerResponse, body: Json): void {
  const inputs = Array.isArray(body.input) ? (body.input as unknown[]) : [body.input];
  const tokens = inputs.length * EMBEDDING_TOKENS_PER_INPUT;
  sendJson(res, 200, {
    object: 'list',
    model: body.model,
    data: inputs.map((_x, index) => ({ object: 'embedding', index, embedding: [0.1, 0.2, 0.3] })),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

/** Anthropic's Messages answer body (also what Bedrock's InvokeModel returns for Claude). */
export function anthropicMessage(model: string, n: number, usage: object = ANTHROPIC_USAGE): Json {
  return {
    id: `msg_stub${n}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: 'stubbed answer' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage,
  };
}

function bedrock(res: ServerResponse, path: string, n: number): void {
  const m = /^\/model\/([^/]+)\/(invoke|converse)$/.exec(path);
  if (!m) return sendJson(res, 404, { message: `no route ${path}` });
  const modelId = decodeURIComponent(m[1]!);
  if (m[2] === 'converse') {
    return sendJson(res, 200, {
      output: { message: { role: 'assistant', content: [{ text: 'stubbed answer' }] } },
      stopReason: 'end_turn',
      usage: CONVERSE_USAGE,
      metrics: { latencyMs: 10 },
    });
  }
  const body = anthropicMessage(modelId.replace(/^[a-z]+\.anthropic\./, 'anthropic.').replace(/^anthropic\./, '').replace(/-v\d+:\d+$/, ''), n);
  res.writeHead(200, {
    'content-type': 'application/json',
    'x-amzn-bedrock-input-token-count': String(ANTHROPIC_USAGE.input_tokens),
    'x-amzn-bedrock-output-token-count': String(ANTHROPIC_USAGE.output_tokens),
  });
  res.end(JSON.stringify(body));
}

function gemini(res: ServerResponse, path: string): void {
  const m = /models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(path);
  if (!m) return sendJson(res, 404, { error: { message: `no route ${path}` } });
  sendJson(res, 200, {
    candidates: [{ content: { role: 'model', parts: [{ text: 'stubbed answer' }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: GEMINI_USAGE,
    modelVersion: m[1],
  });
}

function route(req: IncomingMessage, res: ServerResponse, body: Json, n: number): void {
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method !== 'POST') return sendJson(res, 404, { error: { message: 'not found' } });
  if (path.endsWith('/chat/completions')) return openAiChat(req, res, body, n);
  if (path.endsWith('/embeddings')) return openAiEmbeddings(res, body);
  if (path.endsWith('/messages')) {
    const usage = JSON.stringify(body.messages ?? '').includes('small cache') ? ANTHROPIC_SMALL_CACHE_USAGE : ANTHROPIC_USAGE;
    return sendJson(res, 200, anthropicMessage((body.model as string | undefined) ?? 'claude', n, usage));
  }
  if (path.startsWith('/model/')) return bedrock(res, path, n);
  if (path.includes('/models/')) return gemini(res, path);
  sendJson(res, 404, { error: { message: `no route ${path}` } });
}

/**
 * A local stand-in for the LLM providers (the one remote part tests may fake), on loopback:
 * OpenAI chat completions (plain, streamed with `stream_options.include_usage`, tool calls
 * when tools are offered) and embeddings under `/v1`; Anthropic Messages (`/v1/messages`);
 * Bedrock Runtime InvokeModel and Converse (`/model/<id>/invoke|converse`); Vertex AI and
 * Gemini `...models/<model>:generateContent`. Every answer carries the usage constants above.
 * With `tls`, it speaks https with that certificate (for clients that only speak https).
 */
export async function startProviderStub(tls?: { cert: Buffer; key: Buffer }): Promise<ProviderStub> {
  const requests: StubRequest[] = [];
  const handler: RequestListener = (req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      let body: Json = {};
      try {
        body = raw === '' ? {} : (JSON.parse(raw) as Json);
      } catch {
        body = {};
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', body });
      route(req, res, body, requests.length);
    });
  };
  const server: Server = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, handler) : createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    openaiBaseUrl: `${origin}/v1`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
