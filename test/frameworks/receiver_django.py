"""A one-file Django receiver on wsgiref: correct, or with the bug BUG names (csrf, slash)."""
import hashlib, hmac, json, os, sys, time
from wsgiref.simple_server import make_server, WSGIRequestHandler

import django
from django.conf import settings

BUG = os.environ.get("BUG", "none")
SECRET = os.environ["HMS_WEBHOOK_SECRET"].encode()
settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="test-only",
    MIDDLEWARE=["django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware"],
    APPEND_SLASH=True,
)
django.setup()

from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402


def webhooks(request):
    raw = request.body
    timestamp = request.headers.get("X-Webhook-Timestamp", "")
    expected = "sha256=" + hmac.new(SECRET, timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    ok = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= 300
    if not (ok and hmac.compare_digest(expected, request.headers.get("X-Webhook-Signature", ""))):
        return JsonResponse({"error": "invalid signature"}, status=401)
    try:
        body = json.loads(raw)
    except ValueError:
        return JsonResponse({"error": "not JSON"}, status=400)
    message = body.get("message", {}) if isinstance(body, dict) else {}
    if message.get("type") == "tool-calls":
        return JsonResponse({"results": [{"tool_call_id": call["id"], "result": "ok"} for call in message.get("tool_call_list", [])]})
    return JsonResponse({})


view = webhooks if BUG == "csrf" else csrf_exempt(webhooks)
urlpatterns = [path("webhooks/" if BUG == "slash" else "webhooks", view)]


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


server = make_server("127.0.0.1", int(os.environ["PORT"]), get_wsgi_application(), handler_class=Quiet)
print(f"Running on http://127.0.0.1:{os.environ['PORT']}", flush=True)
server.serve_forever()
