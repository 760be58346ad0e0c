#!/usr/bin/env bash
# Set up .venv if needed, install voiceguide with its test dependencies and the optional
# neural voice (so its tests run too), check lint, formatting and types, run the suite on
# every core (pytest-xdist; add -n 0 to run it in one process).
# Extra arguments go to pytest (e.g. bash scripts/test.sh -k timeline, or -m "not slow"
# for the quick loop).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[test,neural]"
"$VENV/bin/ruff" check --quiet .
"$VENV/bin/ruff" format --check --quiet .
"$VENV/bin/mypy"
"$VENV/bin/python" -m pytest -n auto "$@"
