"""Events and webhooks as their own app: the tables myproject's 0002 created, with their rows,
taken over in the state only (nothing runs on the database)."""

import django.db.models.deletion
import myproject.webhooks.models
from django.conf import settings
from django.db import migrations, models


MODELS = ["event", "webhookendpoint", "delivery", "attempt"]


def _move_content_types(apps, source: str, target: str) -> None:
    """Permissions and admin's log keep pointing at the same models."""
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label=source, model__in=MODELS).update(app_label=target)


def content_types_follow(apps, schema_editor):
    _move_content_types(apps, "myproject", "webhooks")


def content_types_go_back(apps, schema_editor):
    _move_content_types(apps, "webhooks", "myproject")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("myproject", "0003_webhooks_become_their_own_app"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[
        migrations.CreateModel(
            name='Delivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('delivered', 'Delivered'), ('failed', 'Failed')], default='pending', max_length=16)),
                ('tries', models.PositiveSmallIntegerField(default=0)),
                ('next_try_at', models.DateTimeField(blank=True, help_text="When the next try is due (or the current one's lease ends).", null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name_plural': 'deliveries',
                'db_table': 'myproject_delivery',
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='Attempt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField()),
                ('status_code', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('duration_ms', models.PositiveIntegerField()),
                ('response', models.CharField(blank=True, help_text='Its first bytes.', max_length=200)),
                ('error', models.CharField(blank=True, max_length=200)),
                ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempts', to='webhooks.delivery')),
            ],
            options={
                'db_table': 'myproject_attempt',
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='Event',
            fields=[
                ('seq', models.BigAutoField(primary_key=True, serialize=False)),
                ('uid', models.CharField(default=myproject.webhooks.models.event_uid, editable=False, max_length=32, unique=True)),
                ('type', models.CharField(max_length=40)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('data', models.JSONField()),
                ('owner', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'myproject_event',
                'ordering': ['seq'],
            },
        ),
        migrations.AddField(
            model_name='delivery',
            name='event',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='webhooks.event'),
        ),
        migrations.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('url', models.URLField(max_length=500)),
                ('events', models.JSONField(help_text='Event types, or ["*"] for every one.')),
                ('secret', models.CharField(default=myproject.webhooks.models.endpoint_secret, max_length=64)),
                ('is_active', models.BooleanField(default=True)),
                ('disabled_reason', models.CharField(blank=True, max_length=300)),
                ('failing_since', models.DateTimeField(blank=True, help_text='The first failure since the last success.', null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('owner', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'myproject_webhookendpoint',
                'ordering': ['id'],
            },
        ),
        migrations.AddField(
            model_name='delivery',
            name='endpoint',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='webhooks.webhookendpoint'),
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['owner', 'seq'], name='event_owner_idx'),
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['owner', 'type', 'seq'], name='event_owner_type_idx'),
        ),
        migrations.AddIndex(
            model_name='webhookendpoint',
            index=models.Index(fields=['owner', 'id'], name='webhook_endpoint_owner_idx'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(fields=['endpoint', 'id'], name='delivery_endpoint_idx'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(fields=['status', 'next_try_at'], name='delivery_due_idx'),
        ),
    ]), migrations.RunPython(content_types_follow, content_types_go_back)]
