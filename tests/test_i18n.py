"""English and Simplified Chinese are complete: every string in the code is in a catalogue, every
catalogue entry is translated, and the compiled .mo files match their .po sources."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from tests.conftest import require_system_package

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", ".run", "staticfiles", ".git", "node_modules", "tests", "benchmarks"}


def catalogues():
    return sorted(
        p
        for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
        if not SKIP_DIRS & set(p.relative_to(ROOT).parts)
    )


def test_there_are_catalogues():
    names = {str(p.relative_to(ROOT)).split("/")[0] for p in catalogues()}
    assert {"locale", "entities", "audit"} <= names


@pytest.mark.parametrize("po_path", catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete_and_compiled(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [], f"untranslated in {po_path}"
    assert fuzzy == [], f"fuzzy in {po_path}"
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
    source = {(e.msgctxt, e.msgid): e.msgstr for e in po.translated_entries()}
    assert compiled == source, f"{po_path.with_suffix('.mo')} is stale: run scripts/messages.sh"


def test_every_string_in_the_code_is_in_a_catalogue(tmp_path):
    """Run makemessages on a copy of the tree and compare: a new string that nobody added to the
    catalogue (or an app without its own locale/) fails here."""
    require_system_package(shutil.which("xgettext"), "gettext", "checking message catalogues")
    copy = tmp_path / "tree"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*SKIP_DIRS, "*.pyc", "*.mo"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DJANGO_ADMIN"] = str(Path(sys.executable).parent / "django-admin")
    subprocess.run(["bash", "scripts/messages.sh"], cwd=copy, env=env, check=True)
    for po_path in catalogues():
        rel = po_path.relative_to(ROOT)
        fresh = polib.pofile(str(copy / rel))
        # makemessages marks a new string that resembles an old one as fuzzy, with the old
        # translation: that is missing too.
        missing = sorted(e.msgid for e in [*fresh.untranslated_entries(), *fresh.fuzzy_entries()])
        assert missing == [], f"strings missing from {rel}: run scripts/messages.sh and translate"
    new_catalogues = {
        p.relative_to(copy) for p in copy.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
    } - {p.relative_to(ROOT) for p in catalogues()}
    assert new_catalogues == set()
