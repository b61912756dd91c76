"""The default mapping of events onto the survey's activity rows (docs/national-form.md lists it)."""

from django.db import migrations

# (row, match, value): lectures, exhibitions, contests and trainings by the event's kind; the science
# week and the major drives by their campaign's kind; 三下乡 by the trip mark or the campaign's kind.
DEFAULT_RULES = [
    ("lecture", "event_kind", "lecture"),
    ("exhibition", "event_kind", "exhibition"),
    ("contest", "event_kind", "competition"),
    ("training", "event_kind", "training"),
    ("science_week", "campaign_kind", "science_week"),
    ("countryside", "countryside_trip", ""),
    ("countryside", "campaign_kind", "countryside"),
    ("major", "campaign_kind", "science_drive"),
    ("major", "campaign_kind", "themed"),
]


def add_defaults(apps, schema_editor):
    ActivityRule = apps.get_model("survey", "ActivityRule")
    for row, match, value in DEFAULT_RULES:
        ActivityRule.objects.get_or_create(row=row, match=match, value=value)


def remove_defaults(apps, schema_editor):
    ActivityRule = apps.get_model("survey", "ActivityRule")
    for row, match, value in DEFAULT_RULES:
        ActivityRule.objects.filter(row=row, match=match, value=value).delete()


class Migration(migrations.Migration):
    dependencies = [("survey", "0001_activity_rules")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
