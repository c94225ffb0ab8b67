"""Wallet fixtures: the issuer's clock and databases (SQLite, and PostgreSQL when CI provides one)."""

from tests.issuer.conftest import clock, db_url

__all__ = ["clock", "db_url"]
