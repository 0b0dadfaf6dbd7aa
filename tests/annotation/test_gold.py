"""Gold records (issue 14): marking (expected answers validated, missing ones named),
serving at the lead's rate and never twice on both database paths, not counted anywhere,
accuracy, and the API's permissions."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from annotation import drafts, gold, services, services_pg
from annotation.models import Record, Response, Slot
from annotation.selectors import campaign_progress_counted
from annotation.validation import AnswerErrors
from campaigns.dashboards.models import CampaignUserStats
from tests.annotation.factories import ALL_KIND_QUESTIONS, make_campaign
from tests.factories import UserFactory


def serve(user, campaign):
    return services.lease_next_record(user=user, campaign=campaign)


def answer_next(user, campaign, values=None):
    """Ask for the next record and answer it; the record (None when nothing is left)."""
    lease = serve(user, campaign)
    if isinstance(lease, services.NothingLeft):
        return None
    services.response_submit(user=user, record=lease.record, values=values or {"quality": 3})
    return lease.record


def campaign_with_gold(*, records=30, golds=3, every=5, overlap=1):
    campaign = make_campaign(records=records + golds, overlap=overlap)
    campaign.gold_every = every
    campaign.save(update_fields=["gold_every"])
    made = list(Record.objects.filter(campaign=campaign).order_by("-id")[:golds])
    for record in made:
        gold.record_gold_set(record=record, expected={"quality": 4})
    return campaign, {r.pk for r in made}


@pytest.fixture(
    params=[
        pytest.param("orm", marks=pytest.mark.django_db),
        pytest.param(
            "pg-statements",
            marks=[pytest.mark.postgres, pytest.mark.django_db(transaction=True)],
        ),
    ],
)
def path(request, monkeypatch):
    """Both loop paths (as tests/annotation/test_assignment.py): inside a test transaction
    the portable ORM path, on PostgreSQL with transaction=True the hand-written statements."""
    calls = {"pg": 0}
    original = services_pg.lease_next_record_pg

    def counted(**kwargs):
        calls["pg"] += 1
        return original(**kwargs)

    monkeypatch.setattr(services_pg, "lease_next_record_pg", counted)
    yield request.param
    if request.param == "pg-statements":
        assert calls["pg"] > 0
    else:
        assert calls["pg"] == 0


# --- serving -------------------------------------------------------------------------------
def test_one_gold_record_in_every_n_and_never_the_same_twice(path):
    campaign, golds = campaign_with_gold(records=30, golds=3, every=5)
    annotator = UserFactory()
    served = [answer_next(annotator, campaign) for _ in range(20)]
    kinds = ["gold" if r.pk in golds else "data" for r in served]
    assert kinds == (["data"] * 4 + ["gold"]) * 3 + ["data"] * 5
    gold_served = [r.pk for r in served if r.pk in golds]
    assert len(set(gold_served)) == 3  # each gold once
    # Every gold answer is stored, marked gold and not counted.
    answers = Response.objects.filter(user=annotator, record_id__in=golds)
    assert answers.count() == 3
    assert set(answers.values_list("gold", "counted")) == {(True, False)}
    # A second annotator gets the same gold records at the same rate.
    other = UserFactory()
    served = [answer_next(other, campaign) for _ in range(5)]
    assert [r.pk in golds for r in served] == [False] * 4 + [True]


def test_asking_twice_gives_the_same_gold_record_and_off_serves_none(path):
    campaign, golds = campaign_with_gold(records=10, golds=2, every=2)
    annotator = UserFactory()
    answer_next(annotator, campaign)
    first, again = serve(annotator, campaign), serve(annotator, campaign)
    assert first.record.pk in golds and again.record.pk == first.record.pk
    assert not Slot.objects.filter(record_id__in=golds).exists()
    campaign.gold_every = 0
    campaign.save(update_fields=["gold_every"])
    served = [answer_next(UserFactory(), campaign) for _ in range(3)]
    assert all(r.pk not in golds for r in served)


def test_gold_records_are_never_leased_and_do_not_keep_the_loop_busy(path):
    campaign, golds = campaign_with_gold(records=2, golds=1, every=50)
    annotator = UserFactory()
    assert {answer_next(annotator, campaign).pk for _ in range(2)}.isdisjoint(golds)
    left = serve(annotator, campaign)
    assert isinstance(left, services.NothingLeft) and left.reason == "done"


def test_gold_off_adds_no_query_and_on_adds_one(path, django_assert_max_num_queries):
    """The same on both paths (`path`); the query counts of the hand-written one are its
    statements (the claim is prepared once per connection: a first request warms it)."""
    campaign = make_campaign(records=6, overlap=1)
    warm, first, second, third, fourth = (UserFactory() for _ in range(5))
    serve(warm, campaign)
    with CaptureQueriesContext(connection) as before:  # a campaign that never had gold
        serve(first, campaign)
    served_before = len(before.captured_queries)
    record = Record.objects.filter(campaign=campaign).order_by("-id").first()
    gold.record_gold_set(record=record, expected={"quality": 2})
    with django_assert_max_num_queries(served_before):  # gold records, gold_every = 0
        assert serve(second, campaign).record.pk != record.pk
    campaign.gold_every = 20
    campaign.save(update_fields=["gold_every"])
    with django_assert_max_num_queries(served_before + 1):  # on, nothing due
        assert serve(third, campaign).record.pk != record.pk
    campaign.gold_every = 1
    campaign.save(update_fields=["gold_every"])
    with django_assert_max_num_queries(1):  # on and due: the one query serves it
        assert serve(fourth, campaign).record.pk == record.pk


def test_a_gold_record_keeps_a_draft_as_any_record_does(path):
    """Saving a draft of a gold record works like any other (nothing tells the annotator it
    is gold): asking again gives it back with the draft, resuming works, submitting turns
    the draft into the gold answer."""
    campaign, golds = campaign_with_gold(records=3, golds=1, every=1)
    annotator = UserFactory()
    served = serve(annotator, campaign)
    assert served.record.pk in golds
    saved = drafts.draft_save(user=annotator, record=served.record, values={"quality": 2})
    assert saved.expires_at is not None
    assert (saved.response.status, saved.response.gold) == ("draft", True)
    again = serve(annotator, campaign)
    assert again.record.pk == served.record.pk and again.draft_values == {"quality": 2}
    resumed = drafts.draft_resume(user=annotator, record=served.record)
    assert resumed.record.pk == served.record.pk and resumed.draft_values == {"quality": 2}
    services.response_submit(user=annotator, record=served.record, values={"quality": 4})
    answer = Response.objects.get(user=annotator, record=served.record)
    assert (answer.status, answer.gold, answer.counted) == ("submitted", True, False)
    assert serve(annotator, campaign).record.pk not in golds


# --- not counted anywhere ------------------------------------------------------------------
@pytest.mark.django_db
def test_gold_answers_count_nowhere():
    campaign, golds = campaign_with_gold(records=4, golds=1, every=2, overlap=1)
    annotator = UserFactory()
    served = [answer_next(annotator, campaign) for _ in range(4)]
    assert sum(r.pk in golds for r in served) == 1
    gold_record = Record.objects.get(pk=next(iter(golds)))
    assert gold_record.response_count == 0
    assert CampaignUserStats.objects.get(campaign=campaign, user=annotator).responses == 3
    progress = campaign_progress_counted(campaign)
    assert (progress.records, progress.responses, progress.completed) == (4, 3, 3)
    assert not Record.objects.open_in(campaign).filter(pk__in=golds).exists()
    assert not Record.objects.completed_in(campaign).filter(pk__in=golds).exists()
    # The database refuses a counted gold answer, and a counted response on a gold record.
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.filter(record=gold_record).update(counted=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Record.objects.filter(pk=gold_record.pk).update(response_count=1)


@pytest.mark.django_db
def test_changing_the_overlap_gives_gold_records_no_slots():
    from annotation.definitions import campaign_overlap_set

    campaign, golds = campaign_with_gold(records=2, golds=1, every=2, overlap=1)
    campaign.state = "paused"
    campaign.save(update_fields=["state"])
    campaign_overlap_set(campaign=campaign, responses_per_record=3)
    assert not Slot.objects.filter(record_id__in=golds).exists()
    assert Slot.objects.filter(campaign=campaign).count() == 2 * 3


@pytest.mark.django_db
def test_a_gold_answer_is_not_reviewed():
    from annotation import review
    from annotation.review import ReviewRefused

    campaign, golds = campaign_with_gold(records=1, golds=1, every=1, overlap=1)
    record = Record.objects.get(pk=next(iter(golds)))
    answer = services.response_submit(user=UserFactory(), record=record, values={"quality": 1})
    lead = campaign.application.applicant
    for decision in ("accept", "reject"):
        with pytest.raises(ReviewRefused):
            review.response_review(reviewer=lead, response=answer.response, decision=decision)
    assert Record.objects.get(pk=record.pk).response_count == 0


# --- marking -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_missing_expected_answers_are_named_and_values_validated():
    campaign = make_campaign(records=1, questions=ALL_KIND_QUESTIONS)
    record = Record.objects.get(campaign=campaign)
    with pytest.raises(gold.GoldAnswersMissing) as refused:
        gold.record_gold_set(record=record, expected={"quality": 3, "note": "x"})
    assert refused.value.missing == ["topic", "order"]  # "flags" is optional
    assert "topic, order" in refused.value.message
    with pytest.raises(AnswerErrors) as bad:
        gold.record_gold_set(
            record=record,
            expected={"quality": 9, "topic": "code", "order": ["a", "b", "c"], "note": "x"},
        )
    assert set(bad.value.errors) == {"quality"}
    assert Record.objects.get(pk=record.pk).gold is None
    assert Slot.objects.filter(record=record).count() == 2


@pytest.mark.django_db
def test_a_record_with_answers_cannot_become_gold_and_clearing_gives_slots_back():
    campaign = make_campaign(records=2, overlap=2)
    annotator = UserFactory()
    answered = answer_next(annotator, campaign)
    with pytest.raises(gold.GoldRefused):
        gold.record_gold_set(record=answered, expected={"quality": 1})
    other = Record.objects.filter(campaign=campaign).exclude(pk=answered.pk).get()
    gold.record_gold_set(record=other, expected={"quality": 1})
    assert not Slot.objects.filter(record=other).exists()
    gold.record_gold_clear(record=other)
    assert Record.objects.get(pk=other.pk).gold is None
    assert Slot.objects.filter(record=other).count() == 2


# --- accuracy ------------------------------------------------------------------------------
def test_answer_matching_per_kind():
    check = gold.gold_answer_correct
    assert check("rating", 4, 4) and not check("rating", 4, 3)
    assert check("label", "code", "code") and not check("label", "code", "poetry")
    assert check("multi_label", ["a", "b"], ["b", "a"]) and not check("multi_label", ["a"], [])
    assert check("ranking", ["a", "b", "c"], ["a", "b", "c"])
    assert not check("ranking", ["a", "b", "c"], ["b", "a", "c"])
    assert check("text", "Bonjour", "  bonjour ") and not check("text", "Bonjour", "Bonsoir")
    assert not check("label", "code", None)


@pytest.mark.django_db
def test_accuracy_by_annotator_and_overall():
    campaign = make_campaign(records=2, overlap=1, questions=ALL_KIND_QUESTIONS)
    first, second = Record.objects.filter(campaign=campaign).order_by("id")
    expected = {"quality": 4, "topic": "code", "order": ["a", "b", "c"], "note": "Yes"}
    gold.record_gold_set(record=first, expected=expected)
    gold.record_gold_set(record=second, expected={**expected, "flags": ["unsafe"]})
    careful, careless, idle = UserFactory(), UserFactory(), UserFactory()
    for record in (first, second):
        values = {**expected, "note": " yes "}
        if record == second:
            values["flags"] = ["unsafe"]
        services.response_submit(user=careful, record=record, values=values)
    services.response_submit(
        user=careless,
        record=first,
        values={"quality": 1, "topic": "code", "order": ["c", "b", "a"], "note": "no"},
    )
    accuracy = gold.gold_accuracy_by_annotator(campaign)
    assert accuracy == {careful.pk: (9, 9), careless.pk: (1, 4)}
    assert idle.pk not in accuracy
    assert gold.gold_accuracy_overall(campaign) == (10, 13)


# --- import columns gold.<question> -------------------------------------------------------
def _import(name, content, campaign, api):
    from tests.annotation.imports.test_imports import status, upload

    mapping = {"external_id": "id", "fields": {"prompt": "text"}, "suggestions": {}}
    return status(api, campaign, upload(api, campaign, name, content, mapping=mapping).json()["id"])


@pytest.fixture
def importing(django_capture_on_commit_callbacks):
    from tests.annotation.imports import test_imports

    fixture = test_imports._run_on_commit.__wrapped__(django_capture_on_commit_callbacks)
    next(fixture)
    yield test_imports.lead_and_campaign
    next(fixture, None)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["g.csv", "g.jsonl", "g.parquet"])
def test_import_column_makes_gold_records(importing, name):
    import io
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    api, campaign = importing(overlap=2)
    rows = [
        {"id": "a", "text": "Plain", "gold.quality": None},
        {"id": "b", "text": "Known", "gold.quality": 4},
        {"id": "c", "text": "Plain too", "gold.quality": None},
    ]
    if name.endswith(".csv"):
        content = b"id,text,gold.quality\na,Plain,\nb,Known,4\nc,Plain too,\n"
    elif name.endswith(".jsonl"):
        content = "".join(json.dumps(r) + "\n" for r in rows).encode()
    else:
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows), buffer)
        content = buffer.getvalue()
    job = _import(name, content, campaign, api)
    assert job["state"] == "succeeded", job
    records = {r.external_id: r for r in Record.objects.filter(campaign=campaign)}
    assert records["b"].gold == {"quality": 4}
    assert records["a"].gold is None and records["c"].gold is None
    assert not Slot.objects.filter(record=records["b"]).exists()
    assert Slot.objects.filter(record=records["a"]).count() == 2
    assert campaign_progress_counted(campaign).records == 2


@pytest.mark.django_db
def test_a_bad_gold_row_is_reported_with_its_row_and_the_rows_before_stay(importing):
    api, campaign = importing(questions=ALL_KIND_QUESTIONS)
    content = (
        b"id,text,gold.quality,gold.topic,gold.order,gold.note\n"
        b'1,One,3,code,"a,b,c",fine\n'
        b"2,Two,,,,\n"
        b"3,Three,4,,,yes\n"  # topic and order missing
        b'4,Four,5,code,"a,b,c",ok\n'
    )
    job = _import("bad-gold.csv", content, campaign, api)
    assert job["state"] == "failed" and job["error_row"] == 4, job  # CSV counts its header
    assert "topic, order" in job["error"]
    records = {r.external_id: r for r in Record.objects.filter(campaign=campaign)}
    assert set(records) == {"1", "2"}
    assert records["1"].gold == {
        "quality": 3,
        "topic": "code",
        "order": ["a", "b", "c"],
        "note": "fine",
    }
    # A value that does not fit its question is named too.
    content = b'id,text,gold.quality,gold.topic,gold.order,gold.note\n9,Nine,7,code,"a,b,c",x\n'
    job = _import("bad-value.csv", content, campaign, api)
    assert job["state"] == "failed" and job["error_row"] == 2
    assert "gold.quality" in job["error"]


@pytest.mark.django_db
def test_an_answered_record_cannot_become_gold_by_import(importing):
    api, campaign = importing(overlap=2)
    assert _import("a.csv", b"id,text\n1,One\n2,Two\n", campaign, api)["state"] == "succeeded"
    campaign.state = "open"
    campaign.save(update_fields=["state"])
    answered = Record.objects.get(campaign=campaign, external_id="2")
    from tests.annotation.factories import record_hand_to

    annotator = UserFactory()
    record_hand_to(annotator, answered)
    services.response_submit(user=annotator, record=answered, values={"quality": 2})
    job = _import("g.csv", b"id,text,gold.quality\n1,One,3\n2,Two,3\n", campaign, api)
    assert job["state"] == "failed" and job["error_row"] == 3, job
    assert "cannot become a gold record" in job["error"]
    assert Record.objects.get(campaign=campaign, external_id="1").gold == {"quality": 3}
    assert Record.objects.get(pk=answered.pk).gold is None


# --- API and pages -------------------------------------------------------------------------
@pytest.mark.django_db
def test_gold_api_permissions_and_bad_input():
    from campaigns.models import CampaignReviewer
    from tests.annotation.test_api import client_for

    campaign = make_campaign(records=2, questions=ALL_KIND_QUESTIONS)
    lead = campaign.application.applicant
    reviewer, annotator = UserFactory(), UserFactory()
    CampaignReviewer.objects.create(campaign=campaign, user=reviewer, added_by=lead)
    record = Record.objects.filter(campaign=campaign).first()
    url = f"/api/v1/campaigns/{campaign.slug}/records/{record.pk}/gold/"
    expected = {"quality": 4, "topic": "code", "order": ["a", "b", "c"], "note": "Yes"}
    # Annotators: 404 on every method; reviewers read but may not write (404).
    for client in (client_for(annotator),):
        assert client.get(url).status_code == 404
        assert client.put(url, {"expected": expected}, format="json").status_code == 404
        assert client.delete(url).status_code == 404
    assert client_for(reviewer).get(url).json() == {
        "record": record.pk,
        "expected": None,
        "answers": [],
    }
    assert client_for(reviewer).put(url, {"expected": expected}, format="json").status_code == 404
    assert client_for(reviewer).delete(url).status_code == 404
    api = client_for(lead)
    missing = api.put(url, {"expected": {"quality": 4, "note": "x"}}, format="json")
    assert missing.status_code == 400
    assert missing.json()["missing"] == ["topic", "order"]
    assert "topic, order" in missing.json()["detail"]
    bad = api.put(url, {"expected": {**expected, "topic": "sport"}}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"topic"}
    not_an_object = api.put(url, {"expected": "yes"}, format="json")
    assert not_an_object.status_code == 400 and set(not_an_object.json()["errors"]) == {"expected"}
    saved = api.put(url, {"expected": expected}, format="json")
    assert saved.status_code == 200 and saved.json()["expected"] == expected
    # An annotator answers it; reviewers read whether each answer was right.
    record = Record.objects.get(pk=record.pk)
    services.response_submit(user=annotator, record=record, values={**expected, "quality": 2})
    answers = client_for(reviewer).get(url).json()["answers"]
    assert answers[0]["annotator"] == annotator.username
    assert answers[0]["correct"] == {"quality": False, "topic": True, "order": True, "note": True}
    # The browser's gold filter.
    browse = api.get(f"/api/v1/campaigns/{campaign.slug}/records/", {"status": "gold"}).json()
    assert [(r["id"], r["gold"]) for r in browse["results"]] == [(record.pk, expected)]
    assert api.delete(url).status_code == 204
    assert Record.objects.get(pk=record.pk).gold is None
    # A record of another campaign through this campaign's URL: 404.
    other = make_campaign(records=1).records.get()
    assert api.get(f"/api/v1/campaigns/{campaign.slug}/records/{other.pk}/gold/").status_code == 404


@pytest.mark.django_db
def test_answered_record_refused_with_409():
    from tests.annotation.test_api import client_for

    campaign = make_campaign(records=1)
    record = Record.objects.get(campaign=campaign)
    answer_next(UserFactory(), campaign)
    url = f"/api/v1/campaigns/{campaign.slug}/records/{record.pk}/gold/"
    refused = client_for(campaign.application.applicant).put(
        url, {"expected": {"quality": 3}}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["code"] == "gold_refused"


@pytest.mark.django_db
def test_record_page_form_marks_gold_names_missing_and_shows_right_and_wrong(client):
    campaign = make_campaign(records=1, questions=ALL_KIND_QUESTIONS)
    record = Record.objects.get(campaign=campaign)
    client.force_login(campaign.application.applicant)
    page = f"/campaigns/{campaign.slug}/settings/records/{record.pk}/"
    form = f"{page}gold/"
    shown = client.post(form, {"gold__quality": "4", "gold__note": "x"}, follow=True)
    assert "topic, order" in shown.content.decode()
    assert Record.objects.get(pk=record.pk).gold is None
    client.post(
        form,
        {
            "gold__quality": "4",
            "gold__topic": "code",
            "gold__flags": ["unsafe"],
            "gold__order": "b, a, c",
            "gold__note": "Yes",
        },
    )
    assert Record.objects.get(pk=record.pk).gold == {
        "quality": 4,
        "topic": "code",
        "flags": ["unsafe"],
        "order": ["b", "a", "c"],
        "note": "Yes",
    }
    record = Record.objects.get(pk=record.pk)
    right, wrong = UserFactory(username="right-one"), UserFactory(username="wrong-one")
    values = {"quality": 4, "topic": "code", "flags": ["unsafe"], "order": ["b", "a", "c"]}
    services.response_submit(user=right, record=record, values={**values, "note": "yes"})
    services.response_submit(user=wrong, record=record, values={**values, "note": "No"})
    html = client.get(page).content.decode()
    assert html.count('class="badge gold-right"') == 5 + 4
    assert html.count('class="badge gold-wrong"') == 1
    browser = client.get(f"/campaigns/{campaign.slug}/settings/records/", {"status": "gold"})
    assert record.external_id in browser.content.decode()
    client.post(form, {"clear": "1"})
    assert Record.objects.get(pk=record.pk).gold is None


@pytest.mark.django_db
def test_the_lead_sets_gold_every_in_the_settings_api_and_the_definition():
    from tests.annotation.test_api import client_for

    campaign = make_campaign()
    api = client_for(campaign.application.applicant)
    url = f"/api/v1/campaigns/{campaign.slug}/settings/"
    assert api.patch(url, {"gold_every": 20}, format="json").json()["gold_every"] == 20
    assert api.patch(url, {"gold_every": -1}, format="json").status_code == 400
    campaign.refresh_from_db()
    assert campaign.gold_every == 20
    definition = api.get(f"/api/v1/campaigns/{campaign.slug}/definition").json()
    assert definition["gold_every"] == 20


# --- publication ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_gold_records_are_not_published_and_the_card_states_gold_accuracy(settings):
    import pyarrow.parquet as pq

    from campaigns.publishing import services as publishing

    settings.HUB_BACKEND = "local"
    campaign, golds = campaign_with_gold(records=3, golds=1, every=2, overlap=1)
    careful, careless = UserFactory(), UserFactory()
    for _ in range(2):
        answer_next(careful, campaign, {"quality": 4})
        answer_next(careless, campaign, {"quality": 1})
    publication, _created = publishing.publication_request(
        campaign=campaign, include_in_progress=True
    )
    publication = publishing.publication_run(publication_id=publication.pk)
    folder = settings.HUB_LOCAL_DIR / "datasets" / campaign.repo_id
    table = pq.read_table(folder / "data" / "train-00000-of-00001.parquet").to_pylist()
    gold_ids = set(Record.objects.filter(pk__in=golds).values_list("external_id", flat=True))
    assert len(table) == 3 and gold_ids.isdisjoint(row["id"] for row in table)
    assert publication.responses == 2
    card = (folder / "README.md").read_text()
    assert "Gold accuracy: 50.0% (1 of 2 expected answers to gold records matched)" in card
