"""The stored disagreement figure `Record.spread` (annotation/spread.py) stays right through
everything that changes what counts: submit, revise, discard, reject, accept, block and
unblock, and a change of the question it is read on. Each spread test runs on the portable
path and, on PostgreSQL with `transaction=True`, through the hot path's hand-written
statements (where the INSERT of a first submission sets it). Plus: the submit's statement
count did not grow, the queue's order, and the text filter giving the same records on
both databases (through the trigram index on PostgreSQL)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from annotation import definitions, review, review_selectors, services, skips
from annotation.models import Record, Response
from annotation.spread import spread_expression, spread_question
from campaigns.models import Campaign
from tests.annotation.factories import add_records, make_campaign, record_hand_to
from tests.factories import UserFactory

PATHS = [
    pytest.param("orm", marks=pytest.mark.django_db),
    pytest.param(
        "pg-statements", marks=[pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
    ),
]
LABELS = [
    {
        "name": "verdict",
        "title": "Verdict",
        "kind": "label",
        "options": [{"value": v, "label": v} for v in ("yes", "no", "unsure")],
    }
]


@pytest.fixture(params=PATHS)
def path(request):
    return request.param


def answer(user, record, value, question="quality"):
    record_hand_to(user, record)
    return services.response_submit(user=user, record=record, values={question: value}).response


def spread(record):
    """The stored figure, checked against the definition computed from the responses."""
    stored = Record.objects.values_list("spread", flat=True).get(pk=record.pk)
    question = spread_question(record.campaign)
    computed = (
        Record.objects.filter(pk=record.pk)
        .annotate(d=spread_expression(question))
        .values_list("d", flat=True)
        .get()
    )
    assert stored == computed
    return stored


def test_spread_follows_submit_reject_accept_revise_block_unblock_discard(path):
    campaign = make_campaign(records=1, overlap=3)
    record = Record.objects.get(campaign=campaign)
    record.campaign = campaign
    lead, a, b, c = campaign.application.applicant, UserFactory(), UserFactory(), UserFactory()
    assert spread(record) is None
    ra = answer(a, record, 1)
    assert spread(record) == 0
    rb = answer(b, record, 5)
    assert spread(record) == 4
    answer(c, record, 2)
    assert spread(record) == 4

    review.response_review(reviewer=lead, response=rb, decision="reject")
    assert spread(record) == 1  # 1 and 2 count
    review.response_review(reviewer=lead, response=rb, decision="accept")
    assert spread(record) == 4
    services.response_submit(user=a, record=record, values={"quality": 3})  # revised
    assert spread(record) == 3  # 3, 5, 2

    review.annotator_block(campaign=campaign, username=b.username, by=lead)
    assert spread(record) == 1  # 3, 2
    review.annotator_unblock(campaign=campaign, username=b.username)
    assert spread(record) == 3

    skips.response_discard(user=a, record=record)
    assert spread(record) == 3  # 5, 2
    assert Response.objects.get(pk=ra.pk).status == Response.Status.DISCARDED


def test_label_spread_counts_different_labels(path):
    campaign = make_campaign(records=1, overlap=3, questions=LABELS)
    record = Record.objects.get(campaign=campaign)
    record.campaign = campaign
    lead, a, b, c = campaign.application.applicant, UserFactory(), UserFactory(), UserFactory()
    answer(a, record, "yes", "verdict")
    answer(b, record, "yes", "verdict")
    assert spread(record) == 0
    rc = answer(c, record, "no", "verdict")
    assert spread(record) == 1
    review.response_review(reviewer=lead, response=rc, decision="reject")
    assert spread(record) == 0


@pytest.mark.django_db
def test_a_new_first_rating_question_recomputes_the_campaign():
    campaign = make_campaign(records=2, overlap=2)
    r0, r1 = Record.objects.filter(campaign=campaign).order_by("id")
    a, b = UserFactory(), UserFactory()
    answer(a, r0, 1)
    answer(b, r0, 4)
    assert spread(r0) == 3
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.PAUSED)
    campaign.refresh_from_db()
    question = definitions.question_save(
        campaign=campaign,
        name="clarity",
        title="Clarity",
        kind="rating",
        options=[{"value": v, "label": str(v)} for v in range(1, 4)],
    )
    assert spread(r0) == 3  # added last: "quality" is still the one
    definitions.definition_move(campaign=campaign, definition=question, position=0)
    assert spread_question(campaign) == question
    assert spread(r0) is None  # nobody answered "clarity"
    definitions.question_archive(campaign=campaign, question=question, archived=True)
    assert spread(r0) == 3 and spread(r1) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_submit_on_the_hot_path_takes_no_more_statements(django_assert_max_num_queries):
    """The spread rides on the INSERT: a first submission to a record of a campaign with a
    rating question takes no more statements than one to a campaign without any (whose
    INSERT has nothing to set). Overlap 3: the record does not complete (completion runs
    its own check after the commit)."""
    text = [{"name": "note", "title": "Note", "kind": "text", "options": []}]

    def first_submissions(questions, value):
        campaign = make_campaign(records=1, overlap=3, questions=questions)
        record = Record.objects.get(campaign=campaign)
        record.campaign = campaign
        asked = list(campaign.questions.asked())
        name = asked[0].name
        answer(UserFactory(), record, value(2), name)
        user = UserFactory()
        record_hand_to(user, record)
        return lambda: services.response_submit(
            user=user, record=record, values={name: value(5)}, questions=asked
        ), record

    submit, _record = first_submissions(text, str)
    with CaptureQueriesContext(connection) as without_spread:
        submit()
    # At most what it took before (07583b0): BEGIN, the existence SELECT, the count and
    # slots UPDATEs, the INSERT, two dashboard counters, COMMIT.
    assert len(without_spread) <= 8
    submit, record = first_submissions(None, int)
    with django_assert_max_num_queries(len(without_spread)):
        submit()
    assert spread(record) == 3


@pytest.mark.django_db
def test_queue_puts_the_most_disputed_record_first_and_follows_reviews():
    campaign = make_campaign(records=3, overlap=2)
    r0, r1, r2 = Record.objects.filter(campaign=campaign).order_by("id")
    lead, a, b = campaign.application.applicant, UserFactory(), UserFactory()
    answer(a, r0, 2)
    answer(b, r0, 3)  # spread 1
    answer(a, r1, 1)
    rb = answer(b, r1, 5)  # spread 4
    answer(a, r2, 3)  # spread 0

    def queue():
        return [(r.record_id, r.disagreement) for r in review_selectors.review_queue(campaign)]

    assert queue() == [(r1.pk, 4), (r1.pk, 4), (r0.pk, 1), (r0.pk, 1), (r2.pk, 0)]
    review.response_review(reviewer=lead, response=rb, decision="reject")
    assert queue() == [(r0.pk, 1), (r0.pk, 1), (r1.pk, 0), (r2.pk, 0)]
    assert review_selectors.review_queue_count(campaign, limit=2) == 3  # "2+"
    assert review_selectors.review_queue_count(campaign) == 4


@pytest.mark.django_db
def test_text_filter_finds_the_same_records_on_either_database():
    campaign = make_campaign(records=0)
    records = add_records(campaign, 3)
    Record.objects.filter(pk=records[0].pk).update(fields={"prompt": "The Blue Whale sings"})
    Record.objects.filter(pk=records[1].pk).update(fields={"prompt": "a blue-whale"})

    def ids(q):
        filters = review_selectors.RecordFilters(q=q)
        return [r.pk for r in review_selectors.records_browse(campaign, filters)]

    assert ids("blue whale") == [records[0].pk]
    assert ids("BLUE") == [records[0].pk, records[1].pk]
    assert ids("number 2") == [records[2].pk]
    assert ids("nothing like it") == []


@pytest.mark.django_db
def test_text_filter_searches_the_values_whatever_their_script_and_punctuation():
    """Arabic text is found on SQLite too (its JSON keeps \\u escapes), a field's name
    matches nothing, a quote, a backslash and a line break are found, and values inside
    lists and objects (a conversation's turns) are searched as well."""
    campaign = make_campaign(records=0)
    arabic, quoted, chat, plain = add_records(campaign, 4)
    Record.objects.filter(pk=arabic.pk).update(fields={"prompt": "مرحبا بالعالم"})
    Record.objects.filter(pk=quoted.pk).update(
        fields={"prompt": 'She said "yes"\nthen C:\\temp, 42'}
    )
    Record.objects.filter(pk=chat.pk).update(
        fields={"prompt": [{"role": "user", "content": "¿Dónde está?"}], "turns": 3}
    )
    Record.objects.filter(pk=plain.pk).update(fields={"prompt": "plain words"})

    def ids(q):
        filters = review_selectors.RecordFilters(q=q)
        return [r.pk for r in review_selectors.records_browse(campaign, filters)]

    assert ids("بالعالم") == [arabic.pk]
    assert ids("prompt") == []
    assert ids('"yes"') == [quoted.pk]
    assert ids('yes"\nthen') == [quoted.pk]
    assert ids("c:\\temp") == [quoted.pk]
    assert ids("Dónde") == [chat.pk]
    assert ids("user") == [chat.pk]
    assert ids("42") == [quoted.pk]
    assert ids("3") == [chat.pk]
    assert ids("words") == [plain.pk]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_three_queries_can_walk_their_indexes():
    """The plans PostgreSQL may choose (sequential scans and sorts priced out, as on a
    large campaign) use the migration's indexes: the expressions match."""
    campaign = make_campaign(records=2)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        text = review_selectors.records_text_filter(Record.objects.all(), "whale")
        by_spread = review_selectors.records_browse(
            campaign, review_selectors.RecordFilters(sort="disagreement")
        )
        assert "record_text_trgm" in text.order_by().explain()
        assert "record_spread_order" in by_spread[:50].explain()
        assert "record_spread_order" in review_selectors.review_queue(campaign)[:50].explain()
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_another_question_named_by_the_reader_is_computed_at_read_time():
    two = [
        {
            "name": name,
            "title": name.title(),
            "kind": "rating",
            "options": [{"value": v, "label": str(v)} for v in range(1, 6)],
        }
        for name in ("quality", "clarity")
    ]
    campaign = make_campaign(records=2, overlap=2, questions=two)
    r0, r1 = Record.objects.filter(campaign=campaign).order_by("id")
    a, b = UserFactory(), UserFactory()
    for user, record, values in [
        (a, r0, {"quality": 1, "clarity": 3}),
        (b, r0, {"quality": 5, "clarity": 3}),
        (a, r1, {"quality": 2, "clarity": 1}),
        (b, r1, {"quality": 2, "clarity": 4}),
    ]:
        record_hand_to(user, record)
        services.response_submit(user=user, record=record, values=values)

    def browse(**kw):
        filters = review_selectors.RecordFilters(sort="disagreement", **kw)
        return [(r.pk, r.disagreement) for r in review_selectors.records_browse(campaign, filters)]

    assert browse() == [(r0.pk, 4), (r1.pk, 0)]
    assert browse(question="clarity") == [(r1.pk, 3), (r0.pk, 0)]
    queue = review_selectors.review_queue(campaign, "clarity")
    assert [(r.record_id, r.disagreement) for r in queue][:2] == [(r1.pk, 3), (r1.pk, 3)]
