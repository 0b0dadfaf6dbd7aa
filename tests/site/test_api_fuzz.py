"""API fuzzing: schemathesis drives every operation of the OpenAPI schema against the app in
process (WSGI), as a campaign lead holding an API token, and checks each answer:

- no 5xx (`not_a_server_error`);
- the status code is one the schema documents for that operation (`status_code_conformance`);
- the content type and the body match what the schema says for that status
  (`content_type_conformance`, `response_schema_conformance`), and so do the documented
  headers (`response_headers_conformance`);
- and a few of schemathesis' behavioural checks (CHECKS below): the token is not ignored,
  undocumented methods answer 405 with an Allow header, a deleted object is gone.

Half the cases keep the path parameters schemathesis generates (mostly objects that do not
exist); the other half name real objects of the world below (the lead's campaign, records,
import job, applications (approved, draft), co-lead, a second token; someone else's public
and organisation campaigns; an open cohort to apply to), so the operations also run their
happy and refusal paths on real rows.

Bounded: `FUZZ_MAX_EXAMPLES` examples per operation and phase (default 12) with a fixed seed
(`FUZZ_SEED`, default 7), so a run is reproducible; set another seed to explore.

schemathesis' fixture-based loader (`schemathesis.pytest.from_fixture`) does not run under
pytest 9 (it sets `Function._nodeid`, which pytest 9 removed), so the schema is loaded at import
from drf-spectacular's generator (what /api/v1/schema/ serves: `test_served_schema_is_fuzzed`
checks they are the same) and the objects are made per operation by the `world` fixture.
"""

import json
import os
import re
import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.utils.encoders import JSONEncoder
from schemathesis.core.parameters import ParameterLocation

from accounts.models import ApiToken
from accounts.services import api_token_create
from annotation.models import ImportJob
from annotation.services import response_submit
from campaigns.exports.models import ExportJob
from campaigns.publishing.models import Publication
from tests.annotation.factories import make_campaign, record_hand_to
from tests.campaigns.programme import make_application, make_cohort
from tests.factories import UserFactory
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "12"))
SEED = int(os.environ.get("FUZZ_SEED", "7"))
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "ignored_auth",  # the same request without the token must be refused (401)
    "unsupported_method",  # a method the schema does not list answers 405
    "allow_header_conformance",  # ... with an Allow header naming the ones it does
    "use_after_free",  # what a DELETE removed is gone
    "ensure_resource_availability",
    "missing_required_header",
]
# Not checked: `positive_data_acceptance` (schema-valid input is still refused by the business
# rules: unknown cohort, language codes, a campaign that is not open; those 400/409s are
# documented) and `negative_data_rejection` (form encodings are lenient by design: an empty
# multipart `expires_at` means none, `mine=null` means no filter).

CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        # Stateful (link-following) testing needs OpenAPI links, which the schema has not.
        "phases": {"stateful": {"enabled": False}},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
    }
)


def _served_schema() -> dict:
    """The schema /api/v1/schema/ serves, as the JSON a client reads."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(generated, cls=JSONEncoder))


RAW_SCHEMA = _served_schema()
schema = schemathesis.openapi.from_dict(RAW_SCHEMA, config=CONFIG)
schema.app = get_wsgi_application()

# Real values, filled by the `world` fixture: path parameters by name, and body fields by name.
REAL_PATH: dict[str, list] = {}
REAL_BODY: dict[str, list] = {}


def _use_real_objects(case) -> None:
    """Put real objects into half the cases, chosen from the case's own content (so a case
    replayed or shrunk by Hypothesis gets the same substitution): path parameters, unless the
    case is about an invalid or boundary path value, and known body fields (the cohort to
    apply to, the community, a co-lead's username)."""
    digest = zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode())
    if digest % 2:
        return
    pick = digest // 2
    phase = case.meta.phase.data if case.meta else None
    path_targeted = getattr(phase, "parameter_location", None) == ParameterLocation.PATH
    path_negative = case.meta.is_negative_at(ParameterLocation.PATH)
    if case.path_parameters and not path_targeted and not path_negative:
        for name in case.path_parameters:
            if REAL_PATH.get(name):
                case.path_parameters[name] = REAL_PATH[name][pick % len(REAL_PATH[name])]
    if isinstance(case.body, dict):
        for name, values in REAL_BODY.items():
            if isinstance(case.body.get(name), str):
                case.body[name] = values[pick % len(values)]


@pytest.fixture
def world(db, settings):
    """A lead with a campaign (records, an import, a publication, an export job), an
    application with a co-lead, a token to fuzz with and a second one; someone else's public
    and organisation campaigns."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    lead = UserFactory(orgs=["lead-lab"])
    campaign = make_campaign(lead=lead, records=6, overlap=2)
    co_lead = UserFactory()
    campaign.application.co_leads.add(co_lead)
    org_campaign = make_campaign(records=2, visibility="organisation", org="acme-research")
    other_public = make_campaign(records=2)
    job = ImportJob.objects.create(
        campaign=campaign, created_by=lead, source=ImportJob.Source.HUB, hub_repo="acme/x"
    )
    Publication.objects.create(campaign=campaign, requested_by=lead)
    export_job = ExportJob.objects.create(
        campaign=campaign, requested_by=lead, format="csv", as_lead=True
    )
    token = api_token_create(user=lead, name="fuzz", scope="admin")
    spare = api_token_create(user=lead, name="spare")
    cohort = make_cohort()
    other_cohort = make_cohort()
    draft = make_application(cohort=cohort, applicant=lead, state="draft", handle="lead-lab")
    # A webhook endpoint of the lead's campaign with a delivery (a closed loopback port: a
    # redelivery fails at once and waits for its retry).
    endpoint, _secret = webhook_endpoint_create(
        campaign=campaign, url="http://127.0.0.1:9/hook", events=["campaign.paused"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="campaign.paused", message_id="msg_fuzz"
    )
    # Responses to review, by an annotator to name as reviewer or to block (issue 14).
    annotator = UserFactory()
    responses = []
    for record in campaign.records.order_by("pk")[:3]:
        record_hand_to(annotator, record)
        responses.append(
            response_submit(user=annotator, record=record, values={"quality": 2}).response.pk
        )
    REAL_BODY.update(
        cohort=[other_cohort.slug],
        community=["lead-lab", lead.username],
        username=[co_lead.username, annotator.username],
        url=["http://127.0.0.1:9/other-hook"],
    )
    REAL_PATH.update(
        slug=[campaign.slug, org_campaign.slug, other_public.slug],
        record_id=[
            *campaign.records.values_list("pk", flat=True),
            org_campaign.records.first().pk,
        ],
        job_id=[job.pk, export_job.pk],  # the import's, the export's
        id=[draft.pk, campaign.application.pk, org_campaign.application.pk],
        user_id=[co_lead.pk, lead.pk],
        token_id=[spare.token.pk],
        endpoint_id=[endpoint.pk],
        delivery_id=[delivery.pk],
        field_name=["prompt"],
        question_name=["quality"],
        response_id=responses,
        username=[annotator.username, co_lead.username],
    )
    # Requests run inside the test's transaction: the handler must not close the connection
    # at the end of a request (Django's test client disconnects the same receiver).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield token
    REAL_PATH.clear()
    REAL_BODY.clear()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_operation_answers_as_documented(case, world):
    # The fuzzer may revoke any token of the lead's, its own included: keep this one valid.
    ApiToken.objects.filter(pk=world.token.pk).update(revoked_at=None)
    _use_real_objects(case)
    case.call_and_validate(headers={"Authorization": f"Bearer {world.raw}"})


@pytest.mark.django_db
def test_served_schema_is_fuzzed_and_covers_every_api_route(client):
    """The fuzzed schema is what /api/v1/schema/ serves, and it has every API route."""
    served = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert served.status_code == 200
    assert json.loads(served.content) == RAW_SCHEMA

    def api_routes(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from api_routes(pattern.url_patterns, route)
            elif route.startswith("api/v1/") and route not in ("api/v1/schema/", "api/v1/docs/"):
                yield "/" + re.sub(r"<[^>]+>", "{}", route)

    routes = set(api_routes(get_resolver().url_patterns))
    documented = {re.sub(r"{[^}]+}", "{}", path) for path in RAW_SCHEMA["paths"]}
    assert routes == documented


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        # Once a 500: SQLite cannot bind an integer this large (the id is read with raw SQL).
        "/api/v1/records/239932362027235560752866429763584/response/",
        # Once the site's HTML not-found page: no route matches.
        "/api/v1/records/not-a-number/response/",
        "/api/v1/no-such-endpoint/",
    ],
)
def test_api_answers_json_404_for_what_does_not_exist(client, path):
    client.force_login(UserFactory())
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
