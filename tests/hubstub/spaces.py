"""Hub stand-in part:
Spaces: duplicate, secrets, variables, hardware, volumes, runtime, restart; buckets."""

from .server import route  # noqa: F401


class SpaceRoutes:
    def state_reset(self):
        super().state_reset()
