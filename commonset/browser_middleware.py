"""Middleware only a browser's requests need, passed by the API's token requests.

A request under /api/ whose `Authorization` header names a token (`Bearer …` or `Token …`)
is authenticated by that token alone: accounts.authentication.ApiTokenAuthentication
answers it or refuses it with 401, before any other authentication class is asked. Such a
request needs no session, no session user and no flash messages, so it passes straight
through the middleware below, which are Django's own otherwise (issue 17: a token request
does none of the work a user of the API does not need).

Kept under their own names, for every request: CsrfViewMiddleware (`check --deploy` looks
for it by name; a token request's view is CSRF-exempt, so it costs a few attribute
reads) and allauth's AccountMiddleware (allauth refuses to start without it).

Without AuthenticationMiddleware's user, DRF's SessionAuthentication finds nobody, so a
token request is never authenticated by a cookie that came with it, whatever its token.
"""

from django.contrib.auth.middleware import AuthenticationMiddleware as _Authentication
from django.contrib.messages.middleware import MessageMiddleware as _Messages
from django.contrib.sessions.middleware import SessionMiddleware as _Sessions

_TOKEN_SCHEMES = frozenset({"bearer", "token"})


def token_request(request) -> bool:
    """An API request that names a token (the schemes ApiTokenAuthentication takes)."""
    header = request.META.get("HTTP_AUTHORIZATION")
    return (
        bool(header)
        and header.partition(" ")[0].lower() in _TOKEN_SCHEMES
        and request.path_info.startswith("/api/")
    )


class _BrowserOnly:
    """Runs the middleware it is mixed into only for requests that are not token requests."""

    def __call__(self, request):
        if token_request(request):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_BrowserOnly, _Sessions):
    pass


class AuthenticationMiddleware(_BrowserOnly, _Authentication):
    pass


class MessageMiddleware(_BrowserOnly, _Messages):
    pass

