"""Hub stand-in part:
OpenID Connect sign-in (discovery, authorize, token, userinfo) and whoami-v2."""

from .server import route  # noqa: F401


class OidcRoutes:
    def state_reset(self):
        super().state_reset()
