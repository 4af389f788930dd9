// njs for nginx (Debian's libnginx-mod-http-js, njs 0.7 or later): asks spanledger's
// POST /v1/policy/decide before each call with the tenant token, the model and max_tokens
// from the body, then proxies the call (allow, warn) or answers the deny itself with
// spanledger's OpenAI-shaped error and retry-after.

function number(v) {
  return typeof v === 'number' && v >= 0 && Math.floor(v) === v ? v : undefined;
}

// About one token per four characters of prompt text.
function promptChars(v, depth) {
  if (typeof v === 'string') return v.length;
  if (depth > 8 || v === null || typeof v !== 'object') return 0;
  if (Array.isArray(v)) return v.reduce(function (n, x) { return n + promptChars(x, depth + 1); }, 0);
  return promptChars(v.content, depth + 1) + promptChars(v.text, depth + 1);
}

function openAiError(r, status, message, type) {
  r.headersOut['Content-Type'] = 'application/json';
  r.return(status, JSON.stringify({ error: { message: message, type: type, param: null, code: String(status) } }));
}

async function decide(r) {
  var body = {};
  try {
    body = JSON.parse(r.requestText || '{}');
  } catch (e) {
    openAiError(r, 400, 'the request body is not JSON', 'invalid_request_error');
    return;
  }
  var auth = r.headersIn['Authorization'] || '';
  var requestId = r.headersIn['X-Request-Id'] || r.variables.request_id;
  var ask = { request_id: requestId, reserve: true };
  if (/^bearer /i.test(auth)) ask.tenant_token = auth.slice(7).trim();
  if (typeof body.model === 'string') ask.model = body.model;
  var max = number(body.max_tokens);
  if (max === undefined) max = number(body.max_completion_tokens);
  if (max !== undefined) ask.max_tokens = max;
  var chars = promptChars(body.messages, 0) + promptChars(body.prompt, 0) + promptChars(body.input, 0);
  if (chars > 0) ask.estimated_input_tokens = Math.ceil(chars / 4);

  var reply;
  try {
    reply = await r.subrequest('/_spanledger_decide', { method: 'POST', body: JSON.stringify(ask) });
  } catch (e) {
    reply = { status: 502 };
  }
  if (reply.status !== 200) {
    // spanledger unreachable or refusing this gateway: fail closed (change here to fail open).
    openAiError(r, 503, 'the budget service could not be asked; try again', 'service_unavailable');
    return;
  }
  var d = JSON.parse(reply.responseText);
  if (d.decision === 'deny') {
    r.headersOut['Content-Type'] = 'application/json';
    r.headersOut['X-Spanledger-Decision-Id'] = d.decision_id;
    if (d.retry_after !== undefined) r.headersOut['Retry-After'] = String(d.retry_after);
    r.return(Number(d.error.code), JSON.stringify(d));
    return;
  }
  r.variables.sl_decision_id = d.decision_id;
  r.variables.sl_decision = d.decision;
  r.variables.sl_tenant = d.tenant || '';
  r.variables.sl_request_id = requestId;
  r.internalRedirect('@llm');
}

export default { decide };
