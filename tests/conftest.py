import pytest
from celery._state import _set_task_join_will_block
from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation

from donors.services import donor_create
from fund.services import fund_create

pytest_plugins = ["tests.support.localstripe", "tests.support.smtp", "tests.support.two_factor"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters and cached progress bars live in the cache, and every test client
    # comes from 127.0.0.1: each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_by_default():
    """Code outside a request speaks the site's language, Vietnamese: tests run in English
    unless they choose otherwise, so they can assert a service's refusals in its own words. A
    test about Vietnamese activates it (translation.override("vi")), and a request activates the
    language of its user or page as usual."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Celery tasks run in the test's own process, even when a broker is configured (CI's
    real-service pass), so what a test queues on commit happens within the test. Tests marked
    `worker` are the exception: they hand tasks to a real worker process."""
    from config.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    # Celery keeps a process-wide "inside a worker" flag that refuses result.get(); once anything
    # in this process has set it, a later test's eager task result could no longer be read. Each
    # test starts outside a worker, as a web process is.
    _set_task_join_will_block(False)
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(scope="module")
def restore_migrated_rows_after_flush(django_db_setup, django_db_blocker):
    """A transactional test ends by flushing every table, which also removes rows that data
    migrations wrote (Wagtail's root page and site). Put them back after each module, so the
    tests that follow (and a later ``--reuse-db`` run) start from the migrated state.

    It depends on ``django_db_setup`` so that it is torn down before the test database is: torn
    down after, the connection would point at the development database again and overwrite its
    root and home pages with the test database's."""
    yield
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)


@pytest.fixture
def immediate_constraints(db):
    """hordak's balance trigger is deferred to commit; inside a test's wrapping transaction
    make it fire at once so an unbalanced write raises where it happens."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture
def fund(db):
    return fund_create(name="Children's Protection Fund", code="CPF", restricted_purpose="Children in care")


@pytest.fixture
def other_fund(db):
    return fund_create(name="Social Protection Fund", code="SPF")


@pytest.fixture
def donor(db):
    return donor_create(kind="person", name="Trần Thị Demo", email="demo@example.org", preferred_language="vi")


@pytest.fixture
def organisation(db):
    return donor_create(
        kind="organisation",
        name="Công ty TNHH Ví Dụ",
        tax_code="0101234565",
        contact_person="Lê Văn Mẫu",
        email="ketoan@example.org",
    )


@pytest.fixture
def now():
    return timezone.now()
