"""The annotation loop's hot path as hand-written PostgreSQL (annotation/services.py calls
these outside a transaction on PostgreSQL; the portable ORM path there does the same on any
database and handles every case these hand back with None)."""

import json
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.dashboards.models import CampaignDayStats
from campaigns.models import Campaign

from .errors import RecordComplete
from .models import Question, Record, Response
from .services import Lease, NothingLeft, SubmitResult, _nothing_left
from .spread import spread_insert_cte_pg

_PG_MINE = """
SELECT s.id, s.expires_at, r.id, r.external_id, r.fields, r.metadata, r.suggestions, d.values
FROM annotation_slot s JOIN annotation_record r ON r.id = s.record_id
LEFT JOIN annotation_response d
  ON d.record_id = r.id AND d.user_id = %(user)s AND d.status = 'draft'
WHERE s.campaign_id = %(campaign)s AND s.holder_id = %(user)s AND NOT s.filled
LIMIT 1
"""

# Prepared once per connection (planning it costs more than running it).
_PG_CLAIM = """
WITH claimed AS (
  UPDATE annotation_slot SET holder_id = $2, expires_at = $4
  WHERE id = (
    SELECT s.id FROM annotation_slot s
    WHERE s.campaign_id = $1 AND NOT s.filled
      AND (s.holder_id IS NULL OR s.expires_at <= $3)
      AND NOT EXISTS (SELECT 1 FROM annotation_slot o
                      WHERE o.record_id = s.record_id AND o.holder_id = $2
                        AND o.id <> s.id)
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
  RETURNING id, record_id
)
SELECT c.id, r.id, r.external_id, r.fields, r.metadata, r.suggestions
FROM claimed c JOIN annotation_record r ON r.id = c.record_id
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


def lease_next_record_pg(*, user, campaign: Campaign) -> Lease | NothingLeft:
    """The same claim as the portable path, as two hand-written statements in autocommit
    (the hot path of the annotation loop). The claim is one UPDATE whose target is chosen
    by a sub-select with FOR UPDATE SKIP LOCKED: PostgreSQL re-checks the row's "free"
    condition on its latest version after locking it."""
    now = timezone.now()
    params = {"campaign": campaign.pk, "user": user.pk, "now": now}
    with connection.cursor() as cursor:
        cursor.execute(_PG_MINE, params)
        row = cursor.fetchone()
        if row is not None:
            slot_id, expires_at = row[0], row[1]
            draft = _json_load(row[7])
            if expires_at is not None and expires_at > now:
                return Lease(_record_from_row(campaign, row[2:7]), slot_id, expires_at, draft)
            expires_at = now + timedelta(seconds=campaign.lease_seconds)
            cursor.execute(
                "UPDATE annotation_slot SET expires_at = %s WHERE id = %s AND holder_id = %s"
                " AND NOT filled",
                [expires_at, slot_id, user.pk],
            )
            if cursor.rowcount:
                return Lease(_record_from_row(campaign, row[2:7]), slot_id, expires_at, draft)
        params["expires"] = now + timedelta(seconds=campaign.lease_seconds)
        _pg_prepare(
            cursor, "commonset_claim", "bigint, bigint, timestamptz, timestamptz", _PG_CLAIM
        )
        cursor.execute(
            "EXECUTE commonset_claim(%(campaign)s, %(user)s, %(now)s, %(expires)s)", params
        )
        row = cursor.fetchone()
    if row is None:
        return _nothing_left(user=user, campaign=campaign)
    return Lease(_record_from_row(campaign, row[1:]), row[0], params["expires"])


def response_submit_pg(
    *, user, record: Record, values: dict, kept: dict | None, spread_on: Question | None = None
) -> SubmitResult | None:
    """The common case (a first submission on my lease) as four hand-written statements
    in one transaction; None when it is not that case (the portable path handles it).
    The record's spread (on `spread_on`, annotation/spread.py) is set by the INSERT's
    statement, after the count UPDATE took the record's lock: no statement of its own."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM annotation_response WHERE record_id = %s AND user_id = %s",
            [record.pk, user.pk],
        )
        if cursor.fetchone() is not None:
            return None
        cursor.execute(
            "UPDATE annotation_record SET response_count = response_count + 1"
            " WHERE id = %s AND response_count < overlap RETURNING response_count = overlap",
            [record.pk],
        )
        counted = cursor.fetchone()
        if counted is None:
            raise RecordComplete(_("This record already has all the responses it needs."))
        cursor.execute(
            "UPDATE annotation_slot SET filled = (filled OR holder_id IS NOT DISTINCT FROM %s),"
            " expires_at = CASE WHEN holder_id = %s THEN NULL ELSE expires_at END,"
            " record_responses = record_responses + 1"
            " WHERE record_id = %s RETURNING (filled AND holder_id IS NOT DISTINCT FROM %s)",
            [user.pk, user.pk, record.pk, user.pk],
        )
        if not any(filled for (filled,) in cursor.fetchall()):
            transaction.set_rollback(True)
            return None  # no slot of mine: the portable path says why
        spread_sql, spread_params = spread_insert_cte_pg(spread_on, values, record.pk)
        cursor.execute(
            spread_sql  # noqa: S608 (spread_sql is ours, its values are parameters)
            + "INSERT INTO annotation_response (record_id, user_id, status, values,"
            " kept_suggestion, counted, review_status, created_at, updated_at)"
            " VALUES (%s, %s, 'submitted', %s, %s, true, 'pending', %s, %s) RETURNING id",
            [
                *spread_params,
                record.pk,
                user.pk,
                json.dumps(values),
                None if kept is None else json.dumps(kept),
                now,
                now,
            ],
        )
        response_id = cursor.fetchone()[0]
        CampaignDayStats.objects.record_response(
            campaign_id=record.campaign_id,
            user_id=user.pk,
            completed_delta=1 if counted[0] else 0,
            at=now,
        )
    response = Response(
        id=response_id,
        record=record,
        user=user,
        status=Response.Status.SUBMITTED,
        values=values,
        kept_suggestion=kept,
        created_at=now,
        updated_at=now,
    )
    response._state.adding = False
    return SubmitResult(response=response, created=True, completed=bool(counted[0]))
