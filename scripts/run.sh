#!/usr/bin/env bash
# Set up .venv, install voiceguide, and build the default session into output/.
# Extra arguments go to 'voiceguide build' (e.g. bash scripts/run.sh --hold 45).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e .
"$VENV/bin/voiceguide" build "$@"
