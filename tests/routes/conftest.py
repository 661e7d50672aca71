"""An app on the test database and HTTP clients for consultants and staff."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.web.app import create_app
from tests.factories import logged_in_client, make_consultant


@pytest.fixture
def app(settings, engine):
    settings.interview_relatedness = False  # the off-topic rule has its own test with the real model
    app = create_app(settings)
    yield app
    app.state.jobs.shutdown()  # no worker keeps polling a test database that is gone


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app)


@pytest.fixture
def consultant_client(app, session) -> TestClient:
    make_consultant(session)
    return logged_in_client(app)
