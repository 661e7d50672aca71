"""The app and its HTTP clients (the same fixtures as the route tests), and a helper to seed
open-link participants with answers."""

from __future__ import annotations

from tests.routes.conftest import app, client, consultant_client

__all__ = ["app", "client", "consultant_client"]
