"""The error answers every API operation can give, added to the OpenAPI schema in one place.

Views declare their successes and the refusals particular to them (409 when the campaign is
not open, 400 with one message per question, …). The refusals that come from the framework
are the same everywhere and are described here, so that the schema lists every status code
the API really answers (the API fuzzing suite checks that it does):

- 400: the request body does not validate (operations that take a body);
- 401: no credentials where they are needed, or a malformed, unknown, revoked or expired
  API token (any operation: a bad token is refused even on a public one);
- 403: an action the user may not take, or a session request without its CSRF token
  (operations that change something);
- 404: what the path names does not exist or may not be seen (operations with path
  parameters), or a page number past the end of a list;
- 415: a body in a media type the operation does not read (operations that take a body);
- 429: too many requests, when the API is throttled (`DEFAULT_THROTTLE_CLASSES`).

Each of them answers a JSON object: `detail` says why, or, for a body that does not validate,
one list of messages per field at fault.
"""

from rest_framework.settings import api_settings

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Why the request was refused: `detail`, or one list of messages per field "
    "at fault (for a body that does not validate).",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "additionalProperties": {},
}
DESCRIPTIONS = {
    "400": "The request does not validate.",
    "401": "No credentials, or a malformed, unknown, revoked or expired API token.",
    "403": "Not allowed.",
    "404": "Not found, or not visible to you.",
    "415": "The body's media type is not one the operation reads.",
    "429": "Too many requests: retry after `Retry-After` seconds.",
}
UNSAFE = {"post", "put", "patch", "delete"}


def _error_response(code: str) -> dict:
    return {
        "description": DESCRIPTIONS.get(code, "Refused."),
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}
        },
    }


def _statuses(method: str, operation: dict) -> set[str]:
    statuses = {"401"}
    if "requestBody" in operation:
        statuses |= {"400", "415"}
    if method in UNSAFE:
        statuses.add("403")
    parameters = operation.get("parameters") or []
    if any(p.get("in") == "path" or p.get("name") == "page" for p in parameters):
        statuses.add("404")
    if api_settings.DEFAULT_THROTTLE_CLASSES:
        statuses.add("429")
    return statuses


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for code in sorted(_statuses(method, operation)):
                responses.setdefault(code, _error_response(code))
            # An error declared without a body (`{409: None}`) still answers the JSON above.
            for code, response in responses.items():
                if code.startswith("4") and "content" not in response:
                    response["content"] = _error_response(code)["content"]
    return result
