# The phone number indexes of the call history become indexes of the number
# spelt backwards (ivr.models.ReversedNumber), which serve whole numbers and
# their last digits alike: the table keeps the same number of indexes.
#
# On a table of millions of events, a plain CREATE INDEX blocks the webhook's
# inserts until it is built. On PostgreSQL the indexes are therefore built
# and dropped CONCURRENTLY (outside a transaction: `atomic = False`), new
# ones first, so calls are recorded and searches served throughout. If the
# migration is interrupted, PostgreSQL may leave an index marked INVALID:
# drop it (DROP INDEX CONCURRENTLY <name>) and migrate again.

from django.contrib.postgres.operations import (
    AddIndexConcurrently,
    RemoveIndexConcurrently,
)
from django.db import migrations, models

import ivr.models


class AddIndexWithoutLocking(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, a plain one elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )


class RemoveIndexWithoutLocking(RemoveIndexConcurrently):
    """DROP INDEX CONCURRENTLY on PostgreSQL, a plain one elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.RemoveIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.RemoveIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("ivr", "0008_voices_of_options"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="call",
            index=models.Index(
                ivr.models.ReversedNumber("caller"), name="ivr_call_caller_reversed"
            ),
        ),
        AddIndexWithoutLocking(
            model_name="call",
            index=models.Index(
                ivr.models.ReversedNumber("number_called"),
                name="ivr_call_called_reversed",
            ),
        ),
        AddIndexWithoutLocking(
            model_name="callevent",
            index=models.Index(
                ivr.models.ReversedNumber("source"), name="ivr_event_source_reversed"
            ),
        ),
        AddIndexWithoutLocking(
            model_name="callevent",
            index=models.Index(
                ivr.models.ReversedNumber("destination"),
                name="ivr_event_destination_reversed",
            ),
        ),
        RemoveIndexWithoutLocking(model_name="call", name="ivr_call_caller"),
        RemoveIndexWithoutLocking(model_name="call", name="ivr_call_number_called"),
        RemoveIndexWithoutLocking(model_name="callevent", name="ivr_event_source"),
        RemoveIndexWithoutLocking(
            model_name="callevent", name="ivr_event_destination"
        ),
    ]
