"""A revocation committed while requests keep coming, on PostgreSQL with Redis: requests
during the revoking transaction still pass (the revocation is not visible yet, and they
read and keep the old rows), and every request that starts after the commit is refused,
in every thread of the process (accounts/token_generations.py bumps the generation when
the change is made and again at commit; without the second bump the rows kept during the
transaction would outlive it)."""

import threading
import time

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from accounts.services import api_token_create, api_token_revoke
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_no_request_after_the_revoking_commit_passes():
    user = UserFactory()
    issued = api_token_create(user=user, name="script", scope="annotate")

    def client() -> APIClient:
        api = APIClient(REMOTE_ADDR="203.0.113.95")
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw}")
        return api

    for _ in range(3):  # this process now keeps the token's rows
        assert client().get("/api/v1/me").status_code == 200

    # (when the request started, when it was answered, its status)
    answers: list[tuple[float, float, int]] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def requests():
        api = client()
        try:
            while not stop.is_set():
                started = time.monotonic()
                status = api.get("/api/v1/me").status_code
                answers.append((started, time.monotonic(), status))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=requests) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    with transaction.atomic():
        assert api_token_revoke(user=user, token_id=issued.token.pk)
        in_transaction = len(answers)
        time.sleep(0.3)  # requests meanwhile read the committed (unrevoked) rows
        leaving = time.monotonic()
    committed = time.monotonic()  # the commit's bump ran before atomic() returned
    time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join(10)

    assert not errors, errors
    # Answered before the transaction ended, so read before the commit (one that only
    # started before it may read after it on a loaded machine: the last CI run saw a 401).
    during = [s for _started, answered, s in answers[in_transaction:] if answered < leaving]
    after = [s for started, _answered, s in answers if started > committed]
    assert during and set(during) == {200}
    assert after and set(after) == {401}
