"""schemathesis hooks for OpenAPIConformanceTests (loaded through SCHEMATHESIS_HOOKS).

POST /api/chat (and /api/chat/stream) has rules the OpenAPI document states in prose because JSON Schema cannot:
- the last user message of `messages` must hold a non-whitespace character;
- with a `conversationId`, the last message of `messages` must be the user's new message;
- the body is at most `server.max_body_bytes` (262144 by default) bytes.
Seed 004's /api/v1 chat routes have only the body cap. The /v1 doors have two of the same kind: a turn stored in a conversation (`metadata.conversation_id`
or `X-Conversation-ID`) must end with the user's message, and so must every `POST /v1/messages`.
A body that breaks one is schema-valid, and the server refuses it (400 naming the field, or 413),
which the positive_data_acceptance check reports. This hook drops exactly those reports: the
refusal must be the one the broken rule calls for, so a body refused for any other reason is
still a failure. Every other check and every other failure stays as it is.

GET /ws/chat is a WebSocket upgrade: schemathesis sends plain GETs, which the document answers with
400 INVALID_REQUEST ("connect with a WebSocket client"), so that refusal of schema-valid data is
dropped too, and only that one.
"""

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData

# Unicode's White_Space property: the characters of the document's non-blank pattern.
WHITE_SPACE = frozenset(
    chr(code)
    for code in [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
)
MAX_BODY_BYTES = 262144
# The widget API's two chat routes: the same body, the same rules.
WIDGET_CHAT = ("POST /api/chat", "POST /api/chat/stream")
# Seed 004's chat routes: their only prose rule is the body cap.
API_V1_CHAT = ("POST /api/v1/chat/completion", "POST /api/v1/chat/stream")


def prose_rule_refusal(body):
    """The (status, field) the server answers a schema-valid body with, if the body breaks a prose rule."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return None
    messages = body["messages"]
    users = [index for index, message in enumerate(messages) if isinstance(message, dict) and message.get("role") == "user"]
    if not users:
        return None  # the schema's own rule (`contains`)
    last = users[-1]
    content = messages[last].get("content")
    if isinstance(content, str) and all(character in WHITE_SPACE for character in content):
        return (400, f"messages[{last}].content")
    if body.get("conversationId") is not None and last != len(messages) - 1:
        return (400, "messages")
    return None


def compatible_refusal(case, response):
    """Whether a /v1 door's 400 is the one its prose rule calls for: the last message is not the user's."""
    body = case.body if isinstance(case.body, dict) else {}
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    last_is_user = bool(messages) and isinstance(messages[-1], dict) and messages[-1].get("role") == "user"
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    stored = metadata.get("conversation_id") is not None or (case.headers or {}).get("X-Conversation-ID") is not None
    if last_is_user or not (stored or case.operation.label == "POST /v1/messages") or response.status_code != 400:
        return False
    try:
        error = response.json()
    except ValueError:
        return False
    if case.operation.label == "POST /v1/messages":
        return error.get("error", {}).get("type") == "invalid_request_error" and "last message" in error["error"].get("message", "")
    return (error.get("error") or {}).get("param") == "messages"


def is_plain_get_refusal(response):
    """Whether a GET /ws/chat answer is the one a request without upgrade headers gets."""
    if response.status_code != 400:
        return False
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return error.get("code") == "INVALID_REQUEST" and "WebSocket" in error.get("message", "")


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure but a refusal that a prose rule of the document explains."""
    label = case.operation.label
    if label == "GET /ws/chat" and isinstance(failure, RejectedPositiveData):
        return not is_plain_get_refusal(response)
    if not isinstance(failure, RejectedPositiveData) or label not in (*WIDGET_CHAT, *API_V1_CHAT, "POST /v1/chat/completions", "POST /v1/messages"):
        return True
    body = response.request.body or b""
    if isinstance(body, str):
        body = body.encode()
    if response.status_code == 413 and len(body) > MAX_BODY_BYTES:
        return False
    if label in API_V1_CHAT:
        return True
    if label not in WIDGET_CHAT:
        return not compatible_refusal(case, response)
    expected = prose_rule_refusal(case.body)
    if expected is None or response.status_code != expected[0]:
        return True
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return True
    return not (error.get("code") == "INVALID_REQUEST" and (error.get("details") or {}).get("field") == expected[1])
