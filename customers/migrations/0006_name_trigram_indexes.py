# Partial, any-case name search (`name`, `first_name`, `last_name` filters: Django's icontains,
# UPPER(col::text) LIKE UPPER('%x%')) uses trigram GIN indexes on PostgreSQL. SQLite has no
# such index and searches without one. Creating pg_trgm needs a role that may create trusted
# extensions (the database owner, on PostgreSQL 13 and later).

from django.db import migrations

COLUMNS = ("first_name", "last_name")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS customer_{column}_trgm ON customers_customer "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS customer_{column}_trgm")


class Migration(migrations.Migration):

    dependencies = [("customers", "0005_partner_columns_and_lean_indexes")]

    operations = [migrations.RunPython(create, drop)]
