"""The annotation loop's hot path as hand-written PostgreSQL (annotation/services.py calls
these outside a transaction on PostgreSQL; the portable ORM path there does the same on any
database and handles every case these hand back with None)."""

import json
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.dashboards.models import SHARDS, utc_day
from campaigns.models import Campaign

from .errors import RecordComplete
from .models import Question, Record, Response
from .services import Lease, NothingLeft, SubmitResult, _nothing_left
from .spread import record_spread_refresh

# The lease step, one statement prepared once per connection (planning it costs more than
# running it): my unfilled slot in the campaign if its lease is live; else that slot
# renewed when its lease ran out but nobody took it; else (only when I hold no unfilled
# slot there) a newly claimed free slot, chosen by a sub-select with FOR UPDATE SKIP
# LOCKED so that PostgreSQL re-checks the row's "free" condition on its latest version
# after locking it. With the record and my draft of it; one row of nulls (but the count of
# `mine`) when nothing is free for me, or my expired slot went to someone else meanwhile.
# `mine` has no LIMIT: the unique index one_open_lease_per_user_per_campaign already
# allows one row at most, and a LIMIT let the generic plan, on statistics taken while
# fewer annotators held slots, expect many rows and scan the whole slot table for the
# first (10 ms at 80,000 slots, against 0.1 ms by that index).
# "I hold another slot of this record" is a sub-select run per candidate, not NOT EXISTS:
# as an anti-join, on statistics taken before anyone held a slot (right after an import),
# the plan materialised all my held slots and compared every candidate with each of them,
# and the candidates my answers put first in claim order are as many: 2,000 answers cost
# 330 ms a claim, against 11 ms so (one_slot_per_user_per_record, holder first since
# migration 0016, answers each probe exactly).
# $1 campaign, $2 user, $3 now, $4 the new expiry.
_PG_LEASE = """
WITH mine AS (
  SELECT s.id, s.record_id, s.expires_at FROM annotation_slot s
  WHERE s.campaign_id = $1 AND s.holder_id = $2 AND NOT s.filled
),
renewed AS (
  UPDATE annotation_slot SET expires_at = $4, leased_at = $3
  WHERE id = (SELECT id FROM mine WHERE expires_at IS NULL OR expires_at <= $3)
    AND holder_id = $2 AND NOT filled
  RETURNING id, record_id, expires_at
),
claimed AS (
  UPDATE annotation_slot SET holder_id = $2, expires_at = $4, leased_at = $3
  WHERE id = (
    SELECT s.id FROM annotation_slot s
    WHERE NOT EXISTS (SELECT 1 FROM mine)
      AND s.campaign_id = $1 AND NOT s.filled
      AND (s.holder_id IS NULL OR s.expires_at <= $3)
      AND (SELECT o.id FROM annotation_slot o
           WHERE o.holder_id = $2 AND o.record_id = s.record_id AND o.id <> s.id
           LIMIT 1) IS NULL
      AND NOT EXISTS (SELECT 1 FROM annotation_response x
                      WHERE x.record_id = s.record_id AND x.user_id = $2)
      AND NOT EXISTS (SELECT 1 FROM annotation_skip k
                      WHERE k.record_id = s.record_id AND k.user_id = $2)
      AND NOT EXISTS (SELECT 1 FROM campaigns_campaignblock b
                      WHERE b.campaign_id = $1 AND b.user_id = $2)
    ORDER BY s.record_responses DESC, s.record_id, s.number
    LIMIT 1
    FOR UPDATE SKIP LOCKED
  )
  RETURNING id, record_id, expires_at
),
leased AS (
  SELECT id, record_id, expires_at FROM mine WHERE expires_at > $3
  UNION ALL SELECT id, record_id, expires_at FROM renewed
  UNION ALL SELECT id, record_id, expires_at FROM claimed
)
SELECT x.*, (SELECT count(*) FROM mine) FROM (SELECT 1) AS one LEFT JOIN (
  SELECT l.id, l.expires_at, r.id, r.external_id, r.fields, r.metadata, r.suggestions,
         d.values
  FROM leased l JOIN annotation_record r ON r.id = l.record_id
  LEFT JOIN annotation_response d
    ON d.record_id = r.id AND d.user_id = $2 AND d.status = 'draft'
) AS x ON true
"""

# The submit step, one statement inside BEGIN/COMMIT: count the response on the record
# first (its row lock orders concurrent submits to one record; its check caps the count
# at the overlap), then fill my slot and copy the count to the record's slots (assignment
# order), insert the response and bump the day and user counters
# (campaigns.dashboards.models.CampaignDayStats.record_response's two upserts). Every
# step after the first runs only when the record was counted, which needs that I have no
# response to it yet. The caller rolls back when no slot of mine was filled. Each step
# reads the one before it, so the rows are locked in the portable path's order (record,
# slots, response, day counter, user counter): in another order, a review's counter
# updates and a submit could deadlock.
# Response.seconds (issue 14) is now minus my slot's leased_at, read from the slots step.
# The record's spread (issue 14, annotation/spread.py) is set by the count step from the
# record's counted answers plus mine. This statement's snapshot predates its wait for the
# record's row lock, so it can miss an answer committed to the record meanwhile; the count
# step then sees (on the row's latest version) a count or a spread that its snapshot does
# not explain and writes -1 instead, and the caller recomputes the spread with a statement
# of its own (rare: two answers to one record at the same moment).
# Every cast to a number sits inside its own CASE on $10: the statement runs on its one
# generic plan (settings.py), where an aggregate's argument is computed for every row
# whatever the CASE around the aggregate picks, so a bare `v::float8` fails on a label.
# $1 record, $2 user, $3 values, $4 kept suggestion, $5 now, $6 campaign, $7 day, $8 shard,
# $9 the disagreement question's name (null: none), $10 its kind.
_PG_SUBMIT = """
WITH prior AS (
  SELECT 1 FROM annotation_response WHERE record_id = $1 AND user_id = $2
),
answers AS (
  SELECT values ->> $9 AS v FROM annotation_response
  WHERE $9 IS NOT NULL AND record_id = $1 AND counted AND status = 'submitted'
),
seen AS (
  SELECT (SELECT count(*) FROM answers) AS n,
    (SELECT CASE WHEN $10 = 'rating'
                   THEN max(CASE WHEN $10 = 'rating' THEN v::float8 END)
                        - min(CASE WHEN $10 = 'rating' THEN v::float8 END)
                 WHEN count(v) > 0 THEN count(DISTINCT v) - 1 END
     FROM answers) AS spread,
    (SELECT CASE WHEN $10 = 'rating'
                   THEN max(CASE WHEN $10 = 'rating' THEN v::float8 END)
                        - min(CASE WHEN $10 = 'rating' THEN v::float8 END)
                 WHEN count(v) > 0 THEN count(DISTINCT v) - 1 END
     FROM (SELECT v FROM answers UNION ALL SELECT $3 ->> $9) a) AS spread_with_mine
),
counted AS (
  UPDATE annotation_record r SET response_count = r.response_count + 1,
    spread = CASE
      WHEN $9 IS NULL THEN r.spread
      WHEN r.response_count = s.n AND r.spread IS NOT DISTINCT FROM s.spread
        THEN s.spread_with_mine
      ELSE -1 END
  FROM seen s
  WHERE r.id = $1 AND r.response_count < r.overlap AND NOT EXISTS (SELECT 1 FROM prior)
  RETURNING r.response_count = r.overlap AS completed, r.spread = -1 AS spread_stale
),
slots AS (
  UPDATE annotation_slot SET filled = (filled OR holder_id IS NOT DISTINCT FROM $2),
    expires_at = CASE WHEN holder_id = $2 THEN NULL ELSE expires_at END,
    record_responses = record_responses + 1
  WHERE record_id = $1 AND EXISTS (SELECT 1 FROM counted)
  RETURNING (filled AND holder_id IS NOT DISTINCT FROM $2) AS mine, leased_at
),
inserted AS (
  INSERT INTO annotation_response (record_id, user_id, status, values, kept_suggestion,
    counted, review_status, created_at, updated_at, seconds)
  SELECT $1, $2, 'submitted', $3, $4, true, 'pending', $5, $5,
    (SELECT EXTRACT(EPOCH FROM ($5 - leased_at))::float8 FROM slots WHERE mine LIMIT 1)
  FROM counted WHERE EXISTS (SELECT 1 FROM slots WHERE mine)
  RETURNING id, seconds
),
day AS (
  INSERT INTO campaigns_campaigndaystats AS t (campaign_id, day, shard, responses, completed)
  SELECT $6, $7, $8, 1, CASE WHEN c.completed THEN 1 ELSE 0 END FROM counted c, inserted
  ON CONFLICT (campaign_id, day, shard) DO UPDATE SET
    responses = t.responses + excluded.responses, completed = t.completed + excluded.completed
  RETURNING 1
),
per_user AS (
  INSERT INTO campaigns_campaignuserstats AS t (campaign_id, user_id, responses, first_at,
    last_at)
  SELECT $6, $2, 1, $5, $5 FROM day
  ON CONFLICT (campaign_id, user_id) DO UPDATE SET
    responses = t.responses + excluded.responses, last_at = excluded.last_at
  RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM prior), (SELECT completed FROM counted),
       (SELECT id FROM inserted), (SELECT count(*) FROM per_user),
       (SELECT seconds FROM inserted), (SELECT spread_stale FROM counted)
"""


def _json_load(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def _record_from_row(campaign: Campaign, row) -> Record:
    load = _json_load
    record = Record(
        id=row[0],
        campaign=campaign,
        external_id=row[1],
        fields=load(row[2]),
        metadata=load(row[3]),
        suggestions=load(row[4]),
    )
    record._state.adding = False
    return record


def _pg_prepare(cursor, name: str, types: str, sql: str) -> None:
    """PREPARE `sql` as `name` once per database connection."""
    raw = connection.connection
    prepared = getattr(raw, "_commonset_prepared", None)
    if prepared is None:
        prepared = set()
        raw._commonset_prepared = prepared
    if name not in prepared:
        cursor.execute(f"PREPARE {name} ({types}) AS {sql}")
        prepared.add(name)


def lease_next_record_pg(*, user, campaign: Campaign) -> Lease | NothingLeft | None:
    """The same lease as the portable path, as one prepared statement in autocommit (the
    hot path of the annotation loop). None when my expired slot went to someone else while
    the statement ran (the caller asks again)."""
    now = timezone.now()
    expires = now + timedelta(seconds=campaign.lease_seconds)
    with connection.cursor() as cursor:
        _pg_prepare(
            cursor, "commonset_lease", "bigint, bigint, timestamptz, timestamptz", _PG_LEASE
        )
        cursor.execute(
            "EXECUTE commonset_lease(%s, %s, %s, %s)", [campaign.pk, user.pk, now, expires]
        )
        row = cursor.fetchone()
    if row[0] is None:
        if row[8]:
            return None  # my expired slot went to someone else while this ran: ask again
        return _nothing_left(user=user, campaign=campaign)
    slot_id, expires_at = row[0], row[1]
    return Lease(_record_from_row(campaign, row[2:7]), slot_id, expires_at, _json_load(row[7]))


def response_submit_pg(
    *, user, record: Record, values: dict, kept: dict | None, spread_on: Question | None = None
) -> SubmitResult | None:
    """The common case (a first submission on my lease) as one prepared statement inside
    BEGIN/COMMIT; None when it is not that case (the portable path handles it).

    The record's spread on the disagreement question (`spread_on`, annotation/spread.py)
    is set by the same statement, or, when another answer to the record was committed while
    it waited for the record's lock, by one more statement (see _PG_SUBMIT)."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        _pg_prepare(
            cursor,
            "commonset_submit",
            "bigint, bigint, jsonb, jsonb, timestamptz, bigint, date, integer, text, text",
            _PG_SUBMIT,
        )
        cursor.execute(
            "EXECUTE commonset_submit(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                record.pk,
                user.pk,
                json.dumps(values),
                None if kept is None else json.dumps(kept),
                now,
                record.campaign_id,
                utc_day(now),
                user.pk % SHARDS,
                None if spread_on is None else spread_on.name,
                None if spread_on is None else spread_on.kind,
            ],
        )
        prior, completed, response_id, _counters, seconds, spread_stale = cursor.fetchone()
        if prior:
            return None  # a draft, a discard or a submission to change: the portable path
        if completed is None:
            raise RecordComplete(_("This record already has all the responses it needs."))
        if response_id is None:
            transaction.set_rollback(True)
            return None  # no slot of mine: the portable path says why
        if spread_stale:  # another answer came in while this one waited: read them all
            record_spread_refresh(record_id=record.pk, question=spread_on)
    response = Response(
        id=response_id,
        record=record,
        user=user,
        status=Response.Status.SUBMITTED,
        values=values,
        kept_suggestion=kept,
        created_at=now,
        updated_at=now,
        seconds=seconds,
    )
    response._state.adding = False
    return SubmitResult(response=response, created=True, completed=bool(completed))
