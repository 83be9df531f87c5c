"""An enabler profile belongs to one user for good (issue 12).

Private notes are sealed for the user who wrote them, but a profile re-linked to another account
would still hand that account the profile's sessions, assignments and caseload. No screen offers
the change; this trigger makes the database refuse it too, whoever asks (the Django admin, a
shell, a raw UPDATE). A successor gets a profile of their own.
"""

from django.db import migrations

MESSAGE = "An enabler profile cannot be moved to another user: create a new profile instead."

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION enablers_enabler_user_fixed() RETURNS trigger AS $$
BEGIN
    IF NEW.user_id IS DISTINCT FROM OLD.user_id THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
---
CREATE TRIGGER enablers_enabler_user_fixed BEFORE UPDATE OF user_id ON enablers_enabler
    FOR EACH ROW EXECUTE FUNCTION enablers_enabler_user_fixed();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS enablers_enabler_user_fixed ON enablers_enabler;
---
DROP FUNCTION IF EXISTS enablers_enabler_user_fixed();
"""
SQLITE_UP = f"""
CREATE TRIGGER enablers_enabler_user_fixed BEFORE UPDATE OF user_id ON enablers_enabler
WHEN NEW.user_id IS NOT OLD.user_id
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS enablers_enabler_user_fixed;"


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        for statement in (sql or "").split("---"):
            if statement.strip():
                with schema_editor.connection.cursor() as cursor:
                    cursor.execute(statement)  # no params: PL/pgSQL bodies hold "%"-free SQL
    return run


class Migration(migrations.Migration):

    dependencies = [("enablers", "0002_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
