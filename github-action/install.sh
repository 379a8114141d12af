#!/usr/bin/env bash
# Installs sdl-gate from the Action's own checkout into an isolated virtual environment. Every dependency
# comes from requirements.txt, pinned and hash-checked (--require-hashes); sdl-gate itself is built
# from this checkout without build isolation and without an index, so nothing unpinned is fetched.
set -euo pipefail

: "${SETUP_PYTHON:?the Python set up for sdl-gate}"
: "${RUNNER_TEMP:?}" "${GITHUB_ACTION_PATH:?}" "${GITHUB_OUTPUT:?}"

venv="$RUNNER_TEMP/sdl-gate-venv"
"$SETUP_PYTHON" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    --require-hashes --no-deps --requirement "$GITHUB_ACTION_PATH/github-action/requirements.txt"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    --no-deps --no-build-isolation --no-index "$GITHUB_ACTION_PATH"
"$venv/bin/python" -m sdl_gate --version
echo "python=$venv/bin/python" >> "$GITHUB_OUTPUT"
