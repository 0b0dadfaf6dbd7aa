"""Hub stand-in part:
Repositories: create, delete, info, tree, commits, resolve (datasets upload and download)."""

from .server import route  # noqa: F401


class RepoRoutes:
    def state_reset(self):
        super().state_reset()
