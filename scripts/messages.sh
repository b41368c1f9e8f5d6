#!/usr/bin/env bash
# Regenerate the Simplified Chinese catalogues after changing user-facing strings, then compile.
# Each app keeps its own catalogue (<app>/locale); templates/ and resultsframework/ use locale/.
# Needs GNU gettext (Debian: gettext). Fill every new msgstr before committing: a test fails on
# an empty or fuzzy entry, or on a string that is missing from the catalogue.
set -euo pipefail
cd "$(dirname "$0")/.."
# Without settings, makemessages writes each app's strings to that app's locale/ directory.
unset DJANGO_SETTINGS_MODULE
ADMIN="${DJANGO_ADMIN:-$PWD/.venv/bin/django-admin}"
apps=$(ls -d */locale 2>/dev/null | cut -d/ -f1 | grep -v '^locale$' || true)
for app in $apps; do
  (cd "$app" && "$ADMIN" makemessages -l zh_Hans --no-obsolete >/dev/null)
done
ignores=(--ignore=.venv --ignore=.run --ignore=staticfiles --ignore=tests --ignore=benchmarks --ignore=scripts)
for app in $apps; do ignores+=("--ignore=$app"); done
"$ADMIN" makemessages -l zh_Hans --no-obsolete "${ignores[@]}" >/dev/null
"$ADMIN" compilemessages --ignore=.venv --ignore=.run >/dev/null
echo "catalogues updated: locale/ $apps"
