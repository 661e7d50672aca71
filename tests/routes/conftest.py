"""An app on the test database and HTTP clients for consultants and staff."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.app import create_app
from tests.factories import PASSWORD, csrf_of, make_consultant


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
    c = TestClient(app)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"email": "consultant@example.org", "password": PASSWORD, "csrf_token": token},
               follow_redirects=False)
    assert r.status_code == 303
    c.csrf = token
    return c
