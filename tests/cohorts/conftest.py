from tests.campaigns.conftest import applicant, cohort, organiser  # noqa: F401
