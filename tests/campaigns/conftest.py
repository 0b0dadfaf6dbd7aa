import pytest

from tests.campaigns.programme import make_cohort, make_organiser
from tests.factories import UserFactory


@pytest.fixture
def organiser(db):
    return make_organiser(username="olga", email="olga@example.org")


@pytest.fixture
def applicant(db):
    return UserFactory(username="ada", email="ada@example.org", orgs=["acme", "yoruba-nlp"])


@pytest.fixture
def cohort(db):
    return make_cohort(capacity=3, community_channel_url="https://discord.example/cohort")
