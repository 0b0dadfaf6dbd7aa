"""Model instances built from hand-written rows (commonset/rawrows.py) are the ORM's: the
same field values, pk and state (from the database, not to be inserted), deferred fields
loaded on use, and they save and refresh like any instance."""

import pytest
from django.db import connection
from django.db.models.signals import post_init

from accounts.models import ApiToken, User
from accounts.services import api_token_create
from annotation.models import Record
from campaigns.models import Campaign
from commonset.rawrows import instance_from_row, instance_from_values, select_list, width
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def _row(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _token_and_user(token_id: int):
    row = _row(
        f"SELECT {select_list(ApiToken, 't')}, {select_list(User, 'u')} FROM "
        f"{ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id"
        " WHERE t.id = %s",
        [token_id],
    )
    return instance_from_row(ApiToken, row), instance_from_row(User, row, width(ApiToken))


def test_rows_make_the_orms_instances():
    user = UserFactory()
    token_id = api_token_create(user=user, name="t", scope="annotate").token.pk
    token, owner = _token_and_user(token_id)
    for built, orm in ((token, ApiToken.objects.get(pk=token_id)), (owner, User.objects.get())):
        assert type(built) is type(orm) and built == orm and built.pk == orm.pk
        assert _values(built) == _values(orm)
        assert (built._state.db, built._state.adding) == ("default", False)
        assert built.get_deferred_fields() == set()
    make_campaign()
    row = _row(f"SELECT {select_list(Campaign, 'c')} FROM campaigns_campaign c", [])
    assert _values(instance_from_row(Campaign, row)) == _values(Campaign.objects.get())


def test_they_save_and_refresh_like_orm_instances():
    user = UserFactory(first_name="Ada")
    token_id = api_token_create(user=user, name="t", scope="annotate").token.pk
    token, owner = _token_and_user(token_id)
    owner.first_name = "Grace"
    owner.save(update_fields=["first_name"])  # an UPDATE: no second user
    token.name = "renamed"
    token.save()
    assert User.objects.get().first_name == "Grace" and User.objects.count() == 1
    assert ApiToken.objects.get().name == "renamed" and ApiToken.objects.count() == 1
    User.objects.filter(pk=owner.pk).update(first_name="Lin")
    owner.refresh_from_db()
    assert owner.first_name == "Lin"


def test_fields_not_given_are_deferred_as_the_orms_only():
    campaign = make_campaign(records=1)
    orm = Record.objects.only("id", "campaign_id", "external_id").get()
    built = instance_from_values(Record, ["id", "external_id", "campaign_id"], [orm.pk, "r0", None])
    assert built.get_deferred_fields() == orm.get_deferred_fields()
    assert built.external_id == "r0" and built.campaign_id is None
    assert built.fields == Record.objects.get().fields  # read on first use
    built.campaign_id = campaign.pk
    built.save(update_fields=["campaign_id"])
    assert built.campaign == campaign


def test_a_post_init_receiver_still_hears_them():
    heard = []

    def receiver(sender, instance, **kwargs):
        heard.append(instance)

    post_init.connect(receiver, sender=User)
    try:
        user = instance_from_values(User, ["id", "username"], [1, "ada"])
    finally:
        post_init.disconnect(receiver, sender=User)
    assert heard == [user] and user.username == "ada" and not user._state.adding
