"""Response.seconds (issue 14): the time from a lease to its submit, as an expression the
portable submit path (services.py) puts inside the INSERT / UPDATE it already runs, so
that storing it costs no statement. The PostgreSQL path (services_pg.py) reads the slot's
leased_at in the UPDATE it already runs instead."""

from __future__ import annotations

from datetime import datetime

from django.db.models import DateTimeField, F, FloatField, Func, Subquery, Value

from .models import Record, Slot


class _SecondsSince(Func):
    """Seconds from a datetime column to a given moment (a float), on both databases."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))", arg_joiner=" - "
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s)) * 86400.0",
            arg_joiner=") - julianday(",
        )


def seconds_since_lease(*, user, record: Record, now: datetime) -> Subquery:
    """Response.seconds as an expression of the response's own INSERT / UPDATE (no
    statement of its own, issue 14): `now` minus the leased_at of the user's filled slot
    of the record (null when they took a free slot without a lease)."""
    since = _SecondsSince(Value(now, output_field=DateTimeField()), F("leased_at"))
    return Subquery(
        Slot.objects.filter(record_id=record.pk, holder_id=user.pk, filled=True)
        .annotate(seconds=since)
        .values("seconds")[:1],
        output_field=FloatField(),
    )
