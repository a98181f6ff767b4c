"""An aiohttp receiver: correct, or with the bug BUG names."""
import hashlib, hmac, json, os, time
from aiohttp import web

BUG = os.environ.get("BUG", "none")
SECRET = os.environ["HMS_WEBHOOK_SECRET"].encode()


def fresh(timestamp: str) -> bool:
    try:
        seconds = int(float(timestamp)) if BUG == "lenient-timestamp" else int(timestamp) if timestamp.isdigit() else None
    except ValueError:
        return False
    return seconds is not None and abs(time.time() - seconds) <= 300


async def webhooks(request: web.Request) -> web.Response:
    raw = await request.read()
    timestamp = request.headers.get("X-Webhook-Timestamp", "")
    signature = request.headers.get("X-Webhook-Signature")
    if BUG == "crash-drop" and signature is not None and len(signature) != 71:
        # As a server whose handler crashes and drops the connection (Go's net/http after a panic).
        request.transport.close()
        return web.Response()
    if signature is None and BUG == "fail-open":
        pass  # the bug: no header, no check
    else:
        expected = "sha256=" + hmac.new(SECRET, timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
        if not (fresh(timestamp) and hmac.compare_digest(expected, signature or "")):
            return web.json_response({"error": "invalid signature"}, status=401)
    try:
        body = json.loads(raw)
    except ValueError:
        return web.json_response({"error": "not JSON"}, status=400)
    message = body.get("message", {}) if isinstance(body, dict) else {}
    if message.get("type") == "tool-calls":
        calls = message.get("tool_call_list", [])
        if BUG == "go-struct-reply":
            # Go structs without json tags: the field names as written in Go.
            return web.json_response({"Results": [{"ToolCallID": call["id"], "Result": "ok"} for call in calls]})
        return web.json_response({"results": [{"tool_call_id": call["id"], "result": "ok"} for call in calls]})
    if message.get("type") == "assistant-request" and BUG == "unwrapped-assistant":
        return web.json_response({"name": "Lisa", "first_message": "Hallo"})
    return web.json_response({})


app = web.Application()
app.router.add_post("/webhooks", webhooks)
web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]))
