"""Every user-facing string is translated into zh-hans and zh-hant, and the compiled catalogs are current."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = sorted(p for p in ROOT.glob("*/locale/*/LC_MESSAGES/django.po") if ".venv" not in p.parts)


def test_there_are_catalogs_for_both_chinese_scripts():
    languages = {p.parts[-3] for p in CATALOGS}
    assert {"zh_Hans", "zh_Hant"} <= languages


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalog_is_complete(catalog):
    po = polib.pofile(str(catalog))
    assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()]
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()]


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiled_catalog_matches_its_source(catalog):
    compiled = catalog.with_suffix(".mo")
    assert compiled.exists(), f"run compilemessages for {catalog}"
    # Keyed by context too: the desk translates some words in a context of its own.
    po = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(catalog)) if not e.obsolete and not e.msgid_plural}
    mo = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(compiled)) if e.msgid and not e.msgid_plural}
    assert mo == po


APPS_WITH_CATALOGS = sorted({p.parts[len(ROOT.parts)] for p in CATALOGS})


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext (xgettext) is not installed")
@pytest.mark.parametrize("app", APPS_WITH_CATALOGS)
def test_catalog_holds_every_string_of_the_code(app, tmp_path):
    """Run makemessages on a copy of the app: it must find no string the committed catalog lacks."""
    copy = tmp_path / app
    shutil.copytree(ROOT / app, copy, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", "zh_Hans", "-v0"],
        cwd=copy,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    found = {e.msgid for e in polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po")) if not e.obsolete}
    committed = {e.msgid for e in polib.pofile(str(ROOT / app / "locale/zh_Hans/LC_MESSAGES/django.po"))}
    assert found - committed == set(), "new strings: run makemessages and translate them"


def _active_translations(language: str):
    """(app, msgctxt, msgid, Kepu's msgstr, the translation Django answers) for every string of Kepu's catalogs."""
    from django.utils import translation

    folder = {"zh-hans": "zh_Hans", "zh-hant": "zh_Hant"}[language]
    with translation.override(language):
        for catalog in CATALOGS:
            if catalog.parts[-3] != folder:
                continue
            app = catalog.parts[len(ROOT.parts)]
            for entry in polib.pofile(str(catalog)):
                if entry.obsolete or entry.msgid_plural or not entry.msgstr:
                    continue
                if entry.msgctxt:
                    active = translation.pgettext(entry.msgctxt, entry.msgid)
                else:
                    active = translation.gettext(entry.msgid)
                yield app, entry.msgctxt, entry.msgid, entry.msgstr, active


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant"])
def test_no_other_catalog_overrides_kepus_translations(language):
    """Django merges the catalogs of INSTALLED_APPS with the first app winning: a third-party app listed
    before Kepu's (django_celery_beat translates "Name" as 任务名) would otherwise replace Kepu's own words
    on Kepu's pages. Every string of Kepu's catalogs must come out as Kepu translated it."""
    overridden = [
        f"{app}: {msgid!r}{f' (context {ctxt!r})' if ctxt else ''} is {active!r}, not {own!r}"
        for app, ctxt, msgid, own, active in _active_translations(language)
        if active != own
    ]
    assert overridden == []
