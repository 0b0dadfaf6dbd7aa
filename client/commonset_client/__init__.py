"""Commonset's Python client: `Client` for the API, `commonset` for the command line."""

from .api import ApiError, Client
from .types import Campaign, ImportJob, Lease, Page, Publication

__all__ = ["ApiError", "Campaign", "Client", "ImportJob", "Lease", "Page", "Publication"]
__version__ = "0.1.0"
