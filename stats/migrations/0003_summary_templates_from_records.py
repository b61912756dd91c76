"""Summary narratives still holding the first default text (fixed prose claiming activities whatever the year
held, half-width punctuation) take the new default, whose paragraphs are composed from the records.
A narrative an organizer edited is left as it is."""

import hashlib

from django.db import migrations

# sha256 of the first default bodies (zh-hans, zh-hant, en), as summary_template_for stored them.
FIRST_DEFAULTS = {
    "zh-hans": "9c21e007caac3e639eb6c60e1aff47cb95d3ad301d25a107b9f68cad5308b87c",
    "zh-hant": "59defbfb0ecd6729daf527ec3a1d102e763efb511a80170aaaba2c22cf87bf80",
    "en": "399254aafa0a9a1f5ab15efc3f3d996d9d5ffc9db01a1d09988f4ee5914dd95d",
}


def forwards(apps, schema_editor):
    from stats.summary import default_template  # the text of today's default, not a model

    SummaryTemplate = apps.get_model("stats", "SummaryTemplate")
    for template in SummaryTemplate.objects.all():
        if hashlib.sha256(template.body.encode()).hexdigest() == FIRST_DEFAULTS.get(template.language):
            template.title, template.body = default_template(template.language)
            template.save(update_fields=["title", "body"])


class Migration(migrations.Migration):
    dependencies = [("stats", "0002_tally_marker_run_after")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
