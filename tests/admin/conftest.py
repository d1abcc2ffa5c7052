"""The admin tests reuse the handoff desk: a gateway with a clock the test moves."""

from tests.handoff.conftest import desk, sqlite_desk

__all__ = ["desk", "sqlite_desk"]
