"""The bank, card and case-file models moved out of fund into payments and care: rows, group
grants and Wagtail's history follow them (docs/decisions/0013). Migrates the test database back
to just before the move and forward again, as an existing install does."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from wagtail.models import ModelLogEntry

BEFORE = [("fund", "0009_monthly_gift_states"), ("payments", None), ("care", None)]
MOVED = {
    "payments": ("bankstatement", "banktransaction", "cardpayment", "stripeevent"),
    "care": ("beneficiary", "beneficiarysensitive"),
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def before_the_move():
    migrate(BEFORE)
    yield
    migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


# One test, one round trip: each migration back and forward of the whole schema costs tens of
# seconds, so the rows, the grants and the history of an old install are checked together.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_old_install_keeps_its_tables_rows_grants_and_history(before_the_move):
    # What an install of the last release has: a bank statement in fund's table, content types,
    # a role's grant and a history entry, all under the fund app.
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO fund_bankstatement (source, filename, sha256, imported_at, line_count, "
                       "new_count, matched_count, review_count) VALUES ('file', 'old.csv', '', now(), 0, 0, 0, 0)")
    for app, models in MOVED.items():
        for model in models:
            ContentType.objects.update_or_create(app_label="fund", model=model, defaults={})
            ContentType.objects.filter(app_label=app, model=model).delete()
    line_type = ContentType.objects.get(app_label="fund", model="banktransaction")
    grant, _ = Permission.objects.get_or_create(
        content_type=line_type, codename="change_banktransaction", defaults={"name": "Can change bank transaction"}
    )
    role = Group.objects.create(name="Accountants of the old release")
    role.permissions.add(grant)
    entry = ModelLogEntry.objects.create(
        content_type=line_type, object_id="41", label="a line", action="wagtail.edit", timestamp="2026-11-30T10:00Z"
    )

    migrate(executor_leaf_nodes())
    from payments.models import BankStatement

    assert list(BankStatement.objects.values_list("filename", flat=True)) == ["old.csv"]
    for app, models in MOVED.items():
        for model in models:
            assert ContentType.objects.filter(app_label=app, model=model).exists(), (app, model)
            assert not ContentType.objects.filter(app_label="fund", model=model).exists(), model
    role.refresh_from_db()
    assert list(role.permissions.values_list("content_type__app_label", "codename")) == [
        ("payments", "change_banktransaction")
    ]
    entry.refresh_from_db()
    assert (entry.content_type.app_label, entry.content_type.model) == ("payments", "banktransaction")
    assert entry.content_type.model_class().__name__ == "BankTransaction"
