# Application review lives in its own module; campaign admin can be added below.
from .applications.admin import ApplicationAdmin  # noqa: F401  (registers it)
from .dashboards.admin import CampaignStatsAdmin  # noqa: F401  (registers it)
from .provisioning.admin import ProvisioningAdmin  # noqa: F401  (registers it)
from .publishing.admin import PublicationAdmin  # noqa: F401  (registers it)
