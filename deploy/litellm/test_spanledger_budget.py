"""Runs the LiteLLM hook against a running spanledger (started by test/gateways.test.ts).

It calls the hook's functions with the arguments LiteLLM's proxy passes: a UserAPIKeyAuth
(here an object with the same ``api_key`` attribute: the SHA-256 hex of the virtual key), the
cache, the request body as ``data`` (with the ``litellm_call_id`` the proxy adds) and the call
type. Environment: SPANLEDGER_URL, SPANLEDGER_GATEWAY_TOKEN.
"""

import asyncio
import hashlib
import json
import os
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spanledger_budget as hook  # noqa: E402


class Key:
    """The fields of LiteLLM's UserAPIKeyAuth the hook reads."""

    def __init__(self, virtual_key):
        self.api_key = hashlib.sha256(virtual_key.encode()).hexdigest()
        self.team_id = None


def run(coro):
    return asyncio.run(coro)


def budget_of(tenant):
    body = json.dumps({"tenant_id": tenant, "model": "budget-model", "reserve": False}).encode()
    req = urllib.request.Request(os.environ["SPANLEDGER_URL"] + "/v1/policy/decide", data=body, method="POST",
                                 headers={"content-type": "application/json", "authorization": "Bearer " + os.environ["SPANLEDGER_GATEWAY_TOKEN"]})
    with urllib.request.urlopen(req, timeout=5) as res:
        return json.loads(res.read())["budget"]


class HookTest(unittest.TestCase):
    def setUp(self):
        self.h = hook.SpanledgerBudget()

    def data(self, call_id, model="budget-model", max_tokens=100):
        return {"model": model, "max_tokens": max_tokens, "messages": [{"role": "user", "content": "abcdefgh"}], "litellm_call_id": call_id, "metadata": {}}

    def test_allow_reserves_and_the_success_hook_releases(self):
        data = self.data("lite-call-1")
        out = run(self.h.async_pre_call_hook(Key("sk-lite"), None, data, "completion"))
        self.assertIs(out, data)
        self.assertEqual(out["metadata"]["spanledger_decision"], "allow")
        self.assertEqual(len(out["metadata"]["spanledger_decision_id"]), 36)
        # 2 prompt tokens at $0.001 and 100 output tokens at $0.002.
        self.assertEqual(budget_of("lite")["reserved"], "0.202")
        run(self.h.async_post_call_success_hook(data, Key("sk-lite"), {"id": "chatcmpl-1"}))
        self.assertEqual(budget_of("lite")["reserved"], "0.00")

    def test_a_spent_budget_raises_litellms_budget_error_with_the_figures(self):
        with self.assertRaises(hook.BudgetExceededError) as e:
            run(self.h.async_pre_call_hook(Key("sk-lite-spent"), None, self.data("lite-call-2"), "completion"))
        self.assertEqual((e.exception.current_cost, e.exception.max_budget), (1.0, 1.0))
        self.assertRegex(str(e.exception), r"^Budget exceeded for tenant lite-spent: monthly budget \$1\.00 USD, spent \$1\.00")
        self.assertEqual(budget_of("lite-spent")["reserved"], "0.00")

    def test_a_model_not_allowed_is_refused_403_with_the_openai_error(self):
        with self.assertRaises(hook.SpanledgerRefused) as e:
            run(self.h.async_pre_call_hook(Key("sk-lite"), None, self.data("lite-call-3", model="gpt-4o"), "completion"))
        self.assertEqual(e.exception.status_code, 403)
        self.assertEqual(e.exception.detail["error"]["type"], "model_not_allowed")

    def test_an_unknown_key_is_refused_401(self):
        with self.assertRaises(hook.SpanledgerRefused) as e:
            run(self.h.async_pre_call_hook(Key("sk-nobody"), None, self.data("lite-call-4"), "completion"))
        self.assertEqual(e.exception.status_code, 401)
        self.assertEqual(e.exception.detail["error"]["type"], "unknown_tenant")

    def test_unreachable_spanledger_fails_closed_by_default_and_open_when_asked(self):
        down = "http://127.0.0.1:9"  # discard port: nothing listens
        closed = hook.SpanledgerBudget(url=down, timeout_s=0.5)
        with self.assertRaises(hook.HTTPException) as e:
            run(closed.async_pre_call_hook(Key("sk-lite"), None, self.data("lite-call-5"), "completion"))
        self.assertEqual(e.exception.status_code, 503)
        opened = hook.SpanledgerBudget(url=down, timeout_s=0.5, fail_open=True)
        data = self.data("lite-call-6")
        self.assertIs(run(opened.async_pre_call_hook(Key("sk-lite"), None, data, "completion")), data)

    def test_a_wrong_gateway_token_fails_closed(self):
        wrong = hook.SpanledgerBudget(gateway_token="not-a-gateway")
        with self.assertRaises(hook.HTTPException) as e:
            run(wrong.async_pre_call_hook(Key("sk-lite"), None, self.data("lite-call-7"), "completion"))
        self.assertEqual(e.exception.status_code, 503)

    def test_the_failure_hook_releases_the_reservation(self):
        data = self.data("lite-call-8", max_tokens=10)
        run(self.h.async_pre_call_hook(Key("sk-lite"), None, data, "completion"))
        self.assertEqual(budget_of("lite")["reserved"], "0.022")
        run(self.h.async_post_call_failure_hook(data, RuntimeError("provider down"), Key("sk-lite")))
        self.assertEqual(budget_of("lite")["reserved"], "0.00")


if __name__ == "__main__":
    unittest.main(verbosity=2)
