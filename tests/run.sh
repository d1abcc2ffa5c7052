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
.venv/bin/python -m pip install --quiet -e '.[test,ptb]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# The console's browser test drives Debian's Chromium (Playwright cannot download a browser
# here). Installed only when missing, by root, where apt-get exists; otherwise that test skips
# (or fails when CI=true).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq chromium >/dev/null; } \
        || echo "run.sh: could not install chromium; the console test will not run" >&2
fi
.venv/bin/python -m pytest "$@"
