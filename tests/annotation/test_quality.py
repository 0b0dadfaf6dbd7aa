"""Per-annotator quality (issue 14): Response.seconds stored at submit on both paths
without an extra statement, the figures of a small hand-made campaign for each question
kind (the same on SQLite and PostgreSQL, and the PostgreSQL statement equal to the
portable implementation), flags and their thresholds, worst first, the page, the API and
its 404s."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from annotation import services
from annotation.models import Record, Response
from annotation.quality import annotator_quality_compute, annotator_quality_refresh
from annotation.quality_models import AnnotatorQuality
from annotation.quality_selectors import annotator_quality_table, row_flags
from campaigns.models import CampaignReviewer
from tests.annotation.factories import ALL_KIND_QUESTIONS, make_campaign
from tests.factories import UserFactory

APPROX = pytest.approx


# --- Response.seconds --------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_submit_stores_seconds_from_the_lease_without_an_extra_statement(
    django_assert_max_num_queries,
):
    """Both paths: the PostgreSQL hand-written one (autocommit, a first submission on a
    lease) and the portable one (SQLite). Statements counted before Response.seconds: 9
    on PostgreSQL (BEGIN … COMMIT and the webhooks read), 11 on SQLite."""
    campaign = make_campaign(records=3, overlap=2)  # the submit completes no record
    user = UserFactory()
    lease = services.lease_next_record(user=user, campaign=campaign)
    record = Record.objects.select_related("campaign").get(pk=lease.record.pk)
    questions = list(campaign.questions.asked())
    # The lease started 42 s ago.
    from annotation.models import Slot

    Slot.objects.filter(pk=lease.slot_id).update(leased_at=timezone.now() - timedelta(seconds=42))
    # The debounced quality refresh this submit schedules runs in the worker, not here
    # (one is already scheduled for the campaign).
    cache.set(f"quality-refresh:{campaign.pk}", 1, 60)
    budget = 9 if connection.vendor == "postgresql" else 11
    with django_assert_max_num_queries(budget):
        result = services.response_submit(
            user=user, record=record, values={"quality": 3}, questions=questions
        )
    stored = Response.objects.get(pk=result.response.pk).seconds
    assert 42 <= stored < 100
    assert result.response.seconds == APPROX(stored)


@pytest.mark.django_db
def test_a_draft_submitted_later_stores_its_seconds_too():
    """The portable path's UPDATE of an existing row (a draft turned into a response)."""
    from annotation import drafts
    from annotation.models import Slot

    campaign = make_campaign(records=1, overlap=1)
    user = UserFactory()
    lease = services.lease_next_record(user=user, campaign=campaign)
    Slot.objects.filter(pk=lease.slot_id).update(leased_at=timezone.now() - timedelta(seconds=120))
    drafts.draft_save(user=user, record=lease.record, values={"quality": 2})
    services.response_submit(user=user, record=lease.record, values={"quality": 2})
    assert Response.objects.get(user=user).seconds >= 120


# --- the figures -------------------------------------------------------------------------
def _respond(user, record, values, *, minute, seconds, rejected=False):
    response = Response.objects.create(
        record=record,
        user=user,
        values=values,
        seconds=seconds,
        review_status="rejected" if rejected else "pending",
        counted=not rejected,
    )
    at = timezone.now() - timedelta(hours=1) + timedelta(minutes=minute)
    Response.objects.filter(pk=response.pk).update(created_at=at)
    return response


def _hand_made():
    """Three records, three annotators, every question kind (ALL_KIND_QUESTIONS: rating
    1-5, label, multi-label, ranking of a/b/c, text). A answers the non-text questions
    the same way every time (a straight-liner), fast, and has one response rejected."""
    campaign = make_campaign(overlap=2, questions=ALL_KIND_QUESTIONS)
    r1, r2, r3 = (
        Record.objects.create(campaign=campaign, external_id=f"r{i}", fields={"prompt": "p"})
        for i in (1, 2, 3)
    )
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    same = {"quality": 5, "topic": "poetry", "flags": ["creative"], "order": ["a", "b", "c"]}
    _respond(a, r1, {**same, "note": "one"}, minute=1, seconds=1, rejected=True)
    _respond(a, r2, {**same, "note": "two"}, minute=2, seconds=2)
    _respond(a, r3, {**same, "note": "three"}, minute=3, seconds=30)
    _respond(
        b,
        r1,
        {
            "quality": 3,
            "topic": "poetry",
            "flags": ["creative", "unsafe"],
            "order": ["c", "b", "a"],
        },
        minute=4,
        seconds=10,
    )
    _respond(b, r2, {"quality": 5, "topic": "code", "order": ["a", "b", "c"]}, minute=5, seconds=20)
    _respond(c, r3, dict(same), minute=6, seconds=None)
    return campaign, a, b, c


EXPECTED = {
    # rating: r1 1 - 2/4, r2 1, r3 1; label 1, 0, 1; multi-label 1/2, (b gave none), 1;
    # ranking (Spearman) -1, 1, 1.
    "a": {
        "responses": 3,
        "rejected": 1,
        "rejected_share": 1 / 3,
        "median_seconds": 2.0,
        "straight_line": 1.0,
        "agreement_rating": 2.5 / 3,
        "agreement_label": 2 / 3,
        "agreement_multi_label": 0.75,
        "agreement_ranking": 1 / 3,
        "agreement": 1 / 3,
        "compared": 11,
    },
    "b": {
        "responses": 2,
        "rejected": 0,
        "rejected_share": 0.0,
        "median_seconds": 15.0,
        "straight_line": 0.0,
        "agreement_rating": 0.75,
        "agreement_label": 0.5,
        "agreement_multi_label": 0.5,
        "agreement_ranking": 0.0,
        "agreement": 0.0,
        "compared": 7,
    },
    "c": {
        "responses": 1,
        "rejected": 0,
        "rejected_share": 0.0,
        "median_seconds": None,
        "straight_line": None,
        "agreement_rating": 1.0,
        "agreement_label": 1.0,
        "agreement_multi_label": 1.0,
        "agreement_ranking": 1.0,
        "agreement": 1.0,
        "compared": 4,
    },
}


def _figures(row) -> dict:
    return {name: getattr(row, name) for name in EXPECTED["a"]}


@pytest.mark.django_db
def test_the_stored_table_holds_each_figure_per_question_kind():
    """On whichever database runs the suite (SQL on PostgreSQL, Python on SQLite): the
    same hand-computed figures."""
    campaign, a, b, c = _hand_made()
    assert annotator_quality_refresh(campaign=campaign) == 3
    rows = {row.user_id: row for row in AnnotatorQuality.objects.filter(campaign=campaign)}
    for user, name in ((a, "a"), (b, "b"), (c, "c")):
        assert _figures(rows[user.pk]) == APPROX(EXPECTED[name]), name


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_statement_and_python_implementation_agree():
    campaign, *_users = _hand_made()
    annotator_quality_refresh(campaign=campaign)
    stored = {
        row.user_id: _figures(row) for row in AnnotatorQuality.objects.filter(campaign=campaign)
    }
    computed = annotator_quality_compute(campaign)
    assert stored == {
        user_id: APPROX({k: v for k, v in figures.items() if k in EXPECTED["a"]})
        for user_id, figures in computed.items()
    }


@pytest.mark.django_db
def test_straight_liner_is_flagged_worst_first_and_thresholds_change_flags():
    campaign, a, b, c = _hand_made()
    annotator_quality_refresh(campaign=campaign)
    table = list(annotator_quality_table(campaign))
    assert [row.user_id for row in table] == [a.pk, b.pk, c.pk]
    assert row_flags(table[0]) == ["straight_line", "agreement", "seconds", "rejected"]
    assert row_flags(table[1]) == ["agreement"]
    assert row_flags(table[2]) == []
    # The lead loosens the thresholds: flags follow at once, without a refresh.
    campaign.quality_max_straight_line = 1.0
    campaign.quality_min_agreement = -1.0
    campaign.quality_min_seconds = 1.0
    campaign.save()
    table = list(annotator_quality_table(campaign))
    assert [row_flags(row) for row in table if row.user_id == a.pk] == [["rejected"]]
    assert table[0].user_id == a.pk
    assert all(row_flags(row) == [] for row in table[1:])


@pytest.mark.django_db
def test_submits_schedule_one_debounced_refresh(django_capture_on_commit_callbacks):
    campaign = make_campaign(records=2, overlap=1)
    cache.delete(f"quality-refresh:{campaign.pk}")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for user in (UserFactory(), UserFactory()):
            lease = services.lease_next_record(user=user, campaign=campaign)
            services.response_submit(user=user, record=lease.record, values={"quality": 4})
    refreshes = [c for c in callbacks if "quality" in getattr(c, "__qualname__", "")]
    assert len(refreshes) == 1
    # Celery runs eagerly in the tests: the table is there.
    assert AnnotatorQuality.objects.filter(campaign=campaign).count() >= 1


@pytest.mark.django_db
def test_a_refresh_that_fails_after_the_submit_committed_does_not_fail_the_submit(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    """Once the answer is saved, the debounced refresh sent after it may fail (the broker
    out of reach; here, with Celery eager, the task itself as the database goes away, which
    once answered a saved submit with 500 in tests/faults/test_postgres_restart.py): the
    annotator still gets 201 and the answer stays."""
    from django.db import OperationalError

    from annotation import quality

    def refresh_failing(*, campaign):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(quality, "annotator_quality_refresh", refresh_failing)
    campaign = make_campaign(records=2, overlap=1)
    cache.delete(f"quality-refresh:{campaign.pk}")
    user = UserFactory()
    client.force_login(user)
    record_id = client.post(f"/api/v1/campaigns/{campaign.slug}/next/").json()["record"]["id"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        put = client.put(
            f"/api/v1/records/{record_id}/response/",
            {"values": {"quality": 4}},
            content_type="application/json",
        )
    assert [c for c in callbacks if "quality" in getattr(c, "__qualname__", "")]  # it ran
    assert put.status_code == 201, put.content
    assert Response.objects.filter(record_id=record_id, user=user).exists()


# --- page and API ------------------------------------------------------------------------
@pytest.mark.django_db
def test_lead_and_reviewer_see_handles_others_get_404(client):
    campaign, a, _b, _c = _hand_made()
    annotator_quality_refresh(campaign=campaign)
    lead = campaign.application.applicant
    reviewer = UserFactory()
    CampaignReviewer.objects.create(campaign=campaign, user=reviewer)
    page = f"/campaigns/{campaign.slug}/settings/quality/"
    api = f"/api/v1/campaigns/{campaign.slug}/quality/"
    for user in (lead, reviewer):
        client.force_login(user)
        html = client.get(page)
        assert html.status_code == 200
        assert a.display_handle in html.content.decode()
        assert 'data-flags="straight_line agreement seconds rejected"' in html.content.decode()
        body = client.get(api).json()
        assert body["count"] == 3
        assert body["results"][0]["handle"] == a.display_handle
        assert body["results"][0]["flags"] == ["straight_line", "agreement", "seconds", "rejected"]
    client.force_login(a)  # an annotator of the campaign, not its lead
    assert client.get(page).status_code == 404
    assert client.get(api).status_code == 404
    assert client.post(f"{api}refresh/").status_code == 404
    client.logout()
    assert client.get(api).status_code in (401, 403)


@pytest.mark.django_db
def test_refresh_recomputes_and_settings_api_changes_thresholds(
    client, django_capture_on_commit_callbacks
):
    campaign, *_annotators = _hand_made()
    lead = campaign.application.applicant
    client.force_login(lead)
    api = f"/api/v1/campaigns/{campaign.slug}/quality/"
    assert client.get(api).json()["count"] == 0
    with django_capture_on_commit_callbacks(execute=True):  # the task, run eagerly
        assert client.post(f"{api}refresh/").status_code == 202
    assert client.get(api).json()["count"] == 3
    patched = client.patch(
        f"/api/v1/campaigns/{campaign.slug}/settings/",
        {"quality_max_straight_line": 1, "quality_min_seconds": 0},
        content_type="application/json",
    )
    assert patched.status_code == 200
    assert client.get(api).json()["results"][0]["flags"] == ["agreement", "rejected"]
    bad = client.patch(
        f"/api/v1/campaigns/{campaign.slug}/settings/",
        {"quality_max_rejected": 2},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "quality_max_rejected" in bad.json()


@pytest.mark.django_db
def test_gold_accuracy_is_a_figure_of_its_own_and_flags_who_fails_gold(client):
    """Answers to gold records count in gold accuracy only (not in responses, straight-
    lining or agreement); an annotator who answered only gold records still gets a row;
    below the lead's quality_min_gold the row is flagged, on the page too."""
    from annotation.gold import gold_answer_submit, record_gold_set

    campaign, a, b, c = _hand_made()
    annotator_quality_refresh(campaign=campaign)
    before = {
        row.user_id: (row.responses, row.straight_line, row.agreement)
        for row in annotator_quality_table(campaign)
    }
    gold = Record.objects.create(campaign=campaign, external_id="g1", fields={"prompt": "p"})
    expected = {"quality": 4, "topic": "code", "order": ["c", "b", "a"], "note": "x"}
    record_gold_set(record=gold, expected=expected)
    right = {"quality": 4, "topic": "code", "flags": [], "order": ["c", "b", "a"], "note": "X "}
    wrong = {"quality": 5, "topic": "poetry", "flags": [], "order": ["a", "b", "c"], "note": "y"}
    gold_answer_submit(user=a, record=gold, values=wrong)
    gold_answer_submit(user=b, record=gold, values=right)
    newcomer = UserFactory()
    gold_answer_submit(user=newcomer, record=gold, values=right)

    annotator_quality_refresh(campaign=campaign)
    rows = {row.user_id: row for row in annotator_quality_table(campaign)}
    assert (rows[a.pk].gold_correct, rows[a.pk].gold_total) == (0, 4)
    assert (rows[b.pk].gold_correct, rows[b.pk].gold_total) == (4, 4)
    assert rows[c.pk].gold_accuracy is None
    # Gold answers are not among the responses, nor in straight-lining or agreement.
    assert {
        u: (r.responses, r.straight_line, r.agreement) for u, r in rows.items() if u in before
    } == before
    assert rows[newcomer.pk].responses == 0 and rows[newcomer.pk].gold_accuracy == 1.0
    assert "gold" in row_flags(rows[a.pk])
    assert "gold" not in row_flags(rows[b.pk])
    campaign.quality_min_gold = 0.0
    campaign.save()
    assert "gold" not in row_flags(
        next(r for r in annotator_quality_table(campaign) if r.user_id == a.pk)
    )

    campaign.quality_min_gold = 0.7
    campaign.save()
    client.force_login(campaign.application.applicant)
    page = client.get(f"/campaigns/{campaign.slug}/settings/quality/").content.decode()
    assert "failed gold" in page and "0/4" in page
