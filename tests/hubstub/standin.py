"""The whole Hub stand-in: every part's routes and state on one server."""

from .accounts import AccountRoutes
from .buckets import BucketRoutes
from .commits import CommitRoutes
from .lfs import LfsRoutes
from .oidc import OidcRoutes
from .oidc_clients import OidcClientRegistry
from .repos import RepoRoutes
from .server import HubServerBase
from .space_pages import SpacePageRoutes
from .space_settings import SpaceSettingsRoutes
from .spaces import SpaceRoutes


class HubStandIn(
    AccountRoutes,
    LfsRoutes,
    CommitRoutes,
    OidcRoutes,
    OidcClientRegistry,
    SpacePageRoutes,
    SpaceSettingsRoutes,
    SpaceRoutes,
    BucketRoutes,
    RepoRoutes,
    HubServerBase,
):
    pass
