"""Encrypt any staff phone or ID number still held in plaintext and fill its lookup hash.

Written by hand. On a database created by 0003 the columns start empty and this step finds
nothing; it is kept so that numbers loaded as plaintext between the two steps (an import run
against a half-migrated database, a restored dump) are encrypted, and as the pattern for the
other personal columns (`core.personal.encrypt_existing`, idempotent).
"""
from django.db import migrations

from core.personal import encrypt_existing


class Migration(migrations.Migration):

    dependencies = [
        ("org", "0003_staff_personal_data"),
    ]

    operations = [
        migrations.RunPython(encrypt_existing("org", "Staff", "phone", "id_number"), migrations.RunPython.noop),
    ]
