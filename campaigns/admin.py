# Each part's admin lives beside it; importing them here registers them.
from .applications.admin import ApplicationAdmin  # noqa: F401  (registers it)
from .campaign_admin import CampaignAdmin  # noqa: F401  (registers it)
from .dashboards.admin import CampaignStatsAdmin  # noqa: F401  (registers it)
from .exports.admin import ExportJobAdmin  # noqa: F401  (registers it)
from .provisioning.admin import ProvisioningAdmin  # noqa: F401  (registers it)
from .publishing.admin import PublicationAdmin  # noqa: F401  (registers it)
