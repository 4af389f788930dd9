import { createServer, type Server } from 'node:http';

/** The usage every stubbed completion reports: OpenAI's shape, with cached and reasoning details. */
export const STUB_USAGE = {
  prompt_tokens: 1200,
  completion_tokens: 300,
  total_tokens: 1500,
  prompt_tokens_details: { cached_tokens: 800 },
  completion_tokens_details: { reasoning_tokens: 100 },
};

/**
 * A local OpenAI-compatible server (the one remote provider tests may fake): answers
 * `POST /v1/chat/completions` with a fixed reply and STUB_USAGE, echoing the model.
 */
export async function startOpenAiStub(): Promise<{ baseUrl: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      state.requests++;
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      const { model } = JSON.parse(body || '{}') as { model?: string };
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: `chatcmpl-stub${state.requests}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: model ?? 'gpt-4o-mini',
          choices: [{ index: 0, message: { role: 'assistant', content: 'stubbed answer' }, finish_reason: 'stop', logprobs: null }],
          usage: STUB_USAGE,
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
