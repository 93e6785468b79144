"""Grid workers' phone numbers encrypted at rest (SM4, core.personal); existing plaintext encrypted."""

import core.personal
from core.personal import encrypt_existing
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('grids', '0002_patrol_points_append_only'),
    ]

    operations = [
        migrations.AlterField(
            model_name='gridworker',
            name='phone',
            field=core.personal.PersonalField(blank=True, default='', kind='phone', max_length=255, verbose_name='手机号'),
        ),
        migrations.RunPython(encrypt_existing("grids", "GridWorker", "phone"), migrations.RunPython.noop),
    ]
