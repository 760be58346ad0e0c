#!/usr/bin/env bash
# Set up .venv if needed, install voiceguide with its test dependencies and the optional
# neural voice (so its tests run too), run the suite.
# Extra arguments go to pytest (e.g. bash scripts/test.sh -k timeline).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[test,neural]"
"$VENV/bin/python" -m pytest "$@"
