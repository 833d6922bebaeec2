from django.db import migrations

from audit.db import DROP_FORBID_CHANGE_FUNCTION, FORBID_CHANGE_FUNCTION, drop_append_only, make_append_only


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunSQL(FORBID_CHANGE_FUNCTION, DROP_FORBID_CHANGE_FUNCTION),
        migrations.RunSQL(make_append_only("audit_auditentry"), drop_append_only("audit_auditentry")),
    ]
