"""A lean dispatch for the annotation loop's two hot API operations (issue 17).

`lean_or_drf(View, method, answer)` is the URL pattern's view: a request of `method` that
carries `Authorization: Bearer …` and asks for nothing but JSON is answered here, without
wrapping a DRF Request, content negotiation or renderers; every other request (a session,
another method, an `Accept` or `Content-Type` out of the ordinary, a query string) goes to
`View.as_view()` unchanged. The DRF view class stays what the URL names for the OpenAPI
schema, the URL table test and CSRF (token requests are CSRF-exempt in DRF too).

Nothing here decides a rule: authentication is the view's first authentication class
(the API token's), the scope and "signed in" checks are the view's permission classes,
the throttles are the view's throttle classes, errors go through the view's own
`handle_exception` (DRF's exception handler: WWW-Authenticate, Retry-After), and `answer`
is the function the DRF view itself calls. Only the plumbing around them is DRF's
APIView.initial / finalize_response, short, and the JSON is written as DRF's JSONRenderer
writes it; tests/annotation/test_lean_dispatch.py holds both paths to the same bytes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from accounts.authentication import ApiTokenAuthentication


@dataclass
class Answer:
    """What an API operation answers, before it is rendered (by DRF, or here)."""

    status: int = 200
    data: object = None
    headers: dict[str, str] = field(default_factory=dict)


# `Accept` values that make DRF's negotiation pick the JSON renderer as it is (no `indent`
# or other parameter), when JSONRenderer is the view's first renderer.
_JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})


def render_json(data) -> bytes:
    """`data` as JSONRenderer.render writes it without an indent (the API's only form)."""
    if data is None:
        return b""
    text = json.dumps(
        data,
        cls=JSONEncoder,
        ensure_ascii=JSONRenderer.ensure_ascii,
        allow_nan=not JSONRenderer.strict,
        separators=(",", ":") if JSONRenderer.compact else (", ", ": "),
    )
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def _http_response(status: int, data, headers) -> HttpResponse:
    body = render_json(data)
    response = HttpResponse(body, status=status, content_type=JSONRenderer.media_type)
    if not body:  # as DRF's Response.rendered_content: no body, no Content-Type
        del response["Content-Type"]
    for name, value in headers:
        response[name] = value
    return response


def lean_or_drf(view_class, method: str, answer: Callable[..., Answer], *, reads_body: bool):
    """The view function for a URL whose DRF view is `view_class`: `method` requests with
    a Bearer token run `answer(request, body, **url_kwargs)` here (`body()` parses the
    JSON body as DRF's parser would, raising its ParseError), the rest run DRF. With
    `reads_body`, only a body sent as exactly `application/json` is read here (other types
    get DRF's parsers and its 415)."""
    drf_view = view_class.as_view()
    renderers = view_class.renderer_classes
    if not issubclass(renderers[0], JSONRenderer):
        return drf_view  # DRF's negotiation would not pick plain JSON: nothing to skip
    authenticators = [cls() for cls in view_class.authentication_classes]
    assert isinstance(authenticators[0], ApiTokenAuthentication), view_class
    authenticator = authenticators[0]
    probe = view_class(**drf_view.view_initkwargs)
    probe.setup(HttpRequest())  # as DRF's view does (it adds HEAD where there is GET)
    allow = ", ".join(probe.allowed_methods)
    vary = len(renderers) > 1
    parser_class = next(p for p in view_class.parser_classes if p.media_type == "application/json")

    def takes(request: HttpRequest) -> bool:
        meta = request.META
        return (
            request.method == method
            and meta.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
            and meta.get("HTTP_ACCEPT", "").strip() in _JSON_ACCEPTS
            and not meta.get("QUERY_STRING")
            and (not reads_body or meta.get("CONTENT_TYPE") == "application/json")
        )

    def view(request: HttpRequest, **kwargs):
        if not takes(request):
            return drf_view(request, **kwargs)
        lean = view_class(**drf_view.view_initkwargs)
        lean.setup(request, **kwargs)
        lean.format_kwarg = None
        # What DRF's Request would have set on the Django request, for the permission and
        # throttle classes, handle_exception, and middleware or logging reading request.user.
        request.authenticators = authenticators
        request.successful_authenticator = None
        try:
            user_auth = authenticator.authenticate(request)
            if user_auth is None:  # not a Bearer token after all (already checked): DRF's
                return drf_view(request, **kwargs)
            request.user, request.auth = user_auth
            request.successful_authenticator = authenticator
            lean.check_permissions(request)
            lean.check_throttles(request)
            result = answer(request, _body_reader(request, parser_class), **kwargs)
            response = _http_response(result.status, result.data, result.headers.items())
        except (exceptions.APIException, Http404, PermissionDenied) as exc:
            # The exceptions DRF's exception handler answers (the rest are server errors).
            drf_response = lean.handle_exception(exc)
            headers = [(k, v) for k, v in drf_response.items() if k.lower() != "content-type"]
            response = _http_response(drf_response.status_code, drf_response.data, headers)
        if vary:
            patch_vary_headers(response, ["Accept"])
        response["Allow"] = allow
        return response

    view.__dict__.update(drf_view.__dict__)  # cls, initkwargs, view_class, csrf_exempt, …
    view.__doc__ = drf_view.__doc__
    view.__name__ = view.__qualname__ = drf_view.__name__
    view.__module__ = drf_view.__module__
    return view


def _body_reader(request: HttpRequest, parser_class) -> Callable[[], object]:
    """The JSON body as DRF's Request.data reads it (an empty body is `{}`), on first call."""

    def body():
        meta = request.META
        try:
            length = int(meta.get("CONTENT_LENGTH", meta.get("HTTP_CONTENT_LENGTH", 0)))
        except (ValueError, TypeError):
            length = 0
        if not length:
            return {}
        context = {"request": request, "encoding": request.encoding or settings.DEFAULT_CHARSET}
        return parser_class().parse(io.BytesIO(request.body), "application/json", context)

    return body
