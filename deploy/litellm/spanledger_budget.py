"""spanledger budgets for the LiteLLM proxy, as a LiteLLM custom callback (stdlib only).

Before each call, ``async_pre_call_hook`` asks spanledger's ``POST /v1/policy/decide`` with
the caller's virtual key hash (LiteLLM keeps the SHA-256 of the key, as spanledger's
registry does for tenant tokens), the model, ``max_tokens`` and a prompt-size estimate, and
the LiteLLM call id as the request id. A deny raises LiteLLM's ``BudgetExceededError``
(budget, rate limit) or an ``HTTPException`` with spanledger's status and OpenAI-shaped
error; an allow or warn puts the decision in the call's metadata. After the call, success
or failure, the reservation is released by request id (the call's cost arrives as its span).

proxy config.yaml:

    litellm_settings:
      callbacks: ["spanledger_budget.proxy_handler_instance", "otel"]

environment: SPANLEDGER_URL (http://127.0.0.1:8080), SPANLEDGER_GATEWAY_TOKEN (a registry
sender with gateway: true), SPANLEDGER_TIMEOUT_S (1.0), SPANLEDGER_FAIL_OPEN (0: a call is
refused with 503 when spanledger cannot be asked; 1: it goes through unchecked).
"""

import asyncio
import json
import os
import urllib.error
import urllib.request

try:  # The proxy has LiteLLM; the module's own test runs without it.
    from litellm.integrations.custom_logger import CustomLogger as _Base
except ImportError:  # pragma: no cover - depends on the machine
    _Base = object

try:
    from litellm import BudgetExceededError
except ImportError:

    class BudgetExceededError(Exception):
        """Stand-in with LiteLLM's signature when LiteLLM is not installed."""

        def __init__(self, current_cost, max_budget, message=None):
            self.current_cost = current_cost
            self.max_budget = max_budget
            super().__init__(message or "Budget has been exceeded! Current cost: %s, Max budget: %s" % (current_cost, max_budget))

try:
    from fastapi import HTTPException
except ImportError:

    class HTTPException(Exception):
        """Stand-in with FastAPI's signature when FastAPI is not installed."""

        def __init__(self, status_code, detail=None, headers=None):
            self.status_code = status_code
            self.detail = detail
            self.headers = headers
            super().__init__("%s: %s" % (status_code, detail))


class SpanledgerRefused(HTTPException):
    """A deny other than a budget: spanledger's status (403, 401, 400) and its decision."""

    def __init__(self, status_code, decision):
        self.decision = decision
        retry = decision.get("retry_after")
        super().__init__(status_code=status_code, detail={"error": decision.get("error")}, headers={"retry-after": str(retry)} if retry is not None else None)


def _prompt_chars(v, depth=0):
    if isinstance(v, str):
        return len(v)
    if depth > 8 or v is None:
        return 0
    if isinstance(v, list):
        return sum(_prompt_chars(x, depth + 1) for x in v)
    if isinstance(v, dict):
        return _prompt_chars(v.get("content"), depth + 1) + _prompt_chars(v.get("text"), depth + 1)
    return 0


def _key_hash(user_api_key_dict):
    """The caller's virtual key hash as LiteLLM keeps it (``api_key``, or ``token``)."""
    for name in ("api_key", "token"):
        v = getattr(user_api_key_dict, name, None)
        if v is None and isinstance(user_api_key_dict, dict):
            v = user_api_key_dict.get(name)
        if isinstance(v, str) and v:
            return v
    return None


class SpanledgerBudget(_Base):
    """Asks spanledger before each LiteLLM proxy call; see the module's doc."""

    def __init__(self, url=None, gateway_token=None, timeout_s=None, fail_open=None):
        if _Base is not object:
            super().__init__()
        self.url = (url or os.environ.get("SPANLEDGER_URL", "http://127.0.0.1:8080")).rstrip("/")
        self.gateway_token = gateway_token or os.environ.get("SPANLEDGER_GATEWAY_TOKEN", "")
        self.timeout_s = float(timeout_s if timeout_s is not None else os.environ.get("SPANLEDGER_TIMEOUT_S", "1.0"))
        self.fail_open = bool(fail_open) if fail_open is not None else os.environ.get("SPANLEDGER_FAIL_OPEN", "0") in ("1", "true")

    def _post(self, path, body):
        req = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode("utf-8"),
            headers={"content-type": "application/json", "authorization": "Bearer " + self.gateway_token},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as res:
                return res.status, json.loads(res.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def ask(self, user_api_key_dict, data):
        """The decide request for one call, as spanledger's JSON API takes it."""
        ask = {"reserve": True}
        key_hash = _key_hash(user_api_key_dict)
        if key_hash:
            ask["tenant_token_sha256"] = key_hash
        if isinstance(data.get("model"), str):
            ask["model"] = data["model"]
        for name in ("max_tokens", "max_completion_tokens", "max_output_tokens"):
            v = data.get(name)
            if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
                ask["max_tokens"] = v
                break
        chars = sum(_prompt_chars(data.get(k)) for k in ("messages", "prompt", "input", "system"))
        if chars > 0:
            ask["estimated_input_tokens"] = -(-chars // 4)
        call_id = data.get("litellm_call_id")
        if isinstance(call_id, str) and call_id:
            ask["request_id"] = call_id[:256]
        return ask

    async def async_pre_call_hook(self, user_api_key_dict, cache, data, call_type):
        ask = self.ask(user_api_key_dict, data)
        try:
            status, d = await asyncio.to_thread(self._post, "/v1/policy/decide", ask)
        except (OSError, ValueError) as e:
            if self.fail_open:
                return data
            raise HTTPException(status_code=503, detail={"error": {"message": "spanledger could not be asked: %s" % e, "type": "service_unavailable", "param": None, "code": "503"}})
        if status != 200:
            if self.fail_open:
                return data
            raise HTTPException(status_code=503, detail={"error": {"message": "spanledger refused the gateway (%s)" % status, "type": "service_unavailable", "param": None, "code": "503"}})
        if d.get("decision") == "deny":
            code = int((d.get("error") or {}).get("code", "403"))
            if d.get("reason") == "budget_exceeded":
                b = d.get("budget") or {}
                raise BudgetExceededError(current_cost=float(b.get("spent", 0)), max_budget=float(b.get("limit", 0)), message=(d.get("error") or {}).get("message"))
            raise SpanledgerRefused(code, d)
        metadata = data.setdefault("metadata", {})
        metadata["spanledger_decision_id"] = d.get("decision_id")
        metadata["spanledger_decision"] = d.get("decision")
        return data

    def _settle(self, data, user_api_key_dict):
        call_id = (data or {}).get("litellm_call_id")
        key_hash = _key_hash(user_api_key_dict)
        if not call_id or not key_hash:
            return
        try:
            self._post("/v1/policy/settle", {"request_id": call_id, "tenant_token_sha256": key_hash})
        except (OSError, ValueError):
            pass  # the reservation expires on its own

    async def async_post_call_success_hook(self, data, user_api_key_dict, response):
        await asyncio.to_thread(self._settle, data, user_api_key_dict)

    async def async_post_call_failure_hook(self, request_data, original_exception, user_api_key_dict, *args, **kwargs):
        await asyncio.to_thread(self._settle, request_data, user_api_key_dict)


proxy_handler_instance = SpanledgerBudget()
