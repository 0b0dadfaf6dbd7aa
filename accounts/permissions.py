"""API token scopes, enforced in one place for every API view.

`TokenScope` is the first of REST_FRAMEWORK's DEFAULT_PERMISSION_CLASSES, and views that
set their own permission classes list it first too (`with_token_scope`); the walk in
tests/accounts/test_token_scopes.py requests every operation of the OpenAPI schema with a
`read` token, so a view that dropped it fails there.

A request authenticated by a token may do what the token's scope includes (read <
annotate < lead < admin), and never more than its owner may. Safe methods need `read`.
An unsafe method needs what the view declares for it in `token_scopes`
(`{"POST": ApiToken.Scope.ANNOTATE}`); a view that declares nothing needs `admin`, so a
new write operation is closed to narrower tokens until someone decides otherwise.
Requests with a session (or none) are not affected. No query: the scope is a column of the
token row that authentication loaded.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import ApiToken

Scope = ApiToken.Scope

# In `token_scopes`: no token may do this, whatever its scope; a signed-in session is needed.
SESSION_ONLY = "session"


def required_token_scope(view, method: str) -> str:
    """The scope a token needs for `method` on `view` (or SESSION_ONLY)."""
    if method in SAFE_METHODS:
        return Scope.READ
    return (getattr(view, "token_scopes", None) or {}).get(method, Scope.ADMIN)


class TokenScope(BasePermission):
    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        needed = required_token_scope(view, request.method)
        if needed == SESSION_ONLY:
            self.message = _(
                "%(method)s here needs a signed-in session (your profile page), not an API "
                "token, whatever its scope."
            ) % {"method": request.method}
            return False
        if token.allows(needed):
            return True
        self.message = _(
            "This API token has the “%(scope)s” scope; %(method)s here needs a token with the "
            "“%(needed)s” scope. Create one on your profile page."
        ) % {"scope": token.scope, "method": request.method, "needed": needed}
        return False


def with_token_scope(*permission_classes) -> list:
    """Permission classes for a view that sets its own: the scope check stays first."""
    return [TokenScope, *permission_classes]
