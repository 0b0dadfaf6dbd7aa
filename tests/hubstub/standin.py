"""The whole Hub stand-in: every part's routes and state on one server."""

from .accounts import AccountRoutes
from .commits import CommitRoutes
from .oidc import OidcRoutes
from .repos import RepoRoutes
from .server import HubServerBase
from .spaces import SpaceRoutes


class HubStandIn(AccountRoutes, CommitRoutes, OidcRoutes, SpaceRoutes, RepoRoutes, HubServerBase):
    pass
