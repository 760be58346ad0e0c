# Sourced by run.sh and test.sh: make .venv (with python3, or $PYTHON) if it is missing.
VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$VENV"
fi
