"""The helpers every service shares: the gift row lock and who counts as the actor."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.actors import actor_user
from fund.services.giving import gift_pledge
from fund.services.locks import gift_lock

PERSON = {"kind": "person", "name": "Đỗ Thị Lan", "email": "lan@example.org", "preferred_language": "vi"}


@pytest.fixture
def gift(fund):
    return gift_pledge(fund=fund, donor=PERSON, kind="cash", channel="bank_transfer", amount="500000")


def test_gift_lock_locks_the_gift_row_only_and_joins_its_fund(gift):
    with CaptureQueriesContext(connection) as queries:
        locked = gift_lock(gift.pk)
        assert locked.fund.code == gift.fund.code  # joined: no second query
    (sql,) = [q["sql"] for q in queries.captured_queries]
    # FOR UPDATE OF the gift's table alone: the fund row stays free for other gifts to it.
    assert 'FOR UPDATE OF "fund_donation"' in sql
    assert "fund_fund" in sql


def test_gift_lock_joins_only_what_is_asked(gift):
    with CaptureQueriesContext(connection) as queries:
        gift_lock(gift.pk, related=())
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert "fund_fund" not in sql and "donors_donor" not in sql


@pytest.mark.django_db
def test_actor_user_is_the_signed_in_user_or_none():
    staff = User.objects.create_user("accountant")
    assert actor_user(staff) is staff
    assert actor_user(AnonymousUser()) is None
    assert actor_user(None) is None
    assert actor_user("celery") is None
