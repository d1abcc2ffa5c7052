#!/usr/bin/env bash
# Installs what the tests need (from pyproject.toml's [test] extra) and runs the whole
# suite: lint, format check, type check, then pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# The email channel's tests need Dovecot as their IMAP peer; install it where we can.
if ! command -v dovecot >/dev/null && [ ! -x /usr/sbin/dovecot ] && command -v apt-get >/dev/null \
    && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd >/dev/null \
        || { apt-get update -q >/dev/null \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd >/dev/null; }
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
