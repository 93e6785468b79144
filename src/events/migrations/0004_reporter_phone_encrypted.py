"""Reporters' phone numbers encrypted at rest (SM4, core.personal; issue 11 item 6): the column
widens to hold the ciphertext, then every plaintext number already stored is encrypted in place
(`encrypt_existing`, idempotent: rows already encrypted are skipped), as org/0004 and grids/0003 did."""

import core.personal
from core.personal import encrypt_existing
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0003_add_deadlines_calls_duplicates'),
    ]

    operations = [
        migrations.AlterField(
            model_name='event',
            name='reporter_phone',
            field=core.personal.PersonalField(blank=True, default='', kind='phone', max_length=255, verbose_name='上报人电话'),
        ),
        migrations.RunPython(encrypt_existing("events", "Event", "reporter_phone"), migrations.RunPython.noop),
    ]
