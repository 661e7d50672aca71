"""An app on the test database and HTTP clients for consultants and staff."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.app import create_app
from tests.factories import PASSWORD, csrf_of, make_consultant


@pytest.fixture
def app(settings, engine):
    settings.interview_relatedness = False  # the off-topic rule has its own test with the real model
    return create_app(settings)


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
    c.csrf = csrf_of(c.get("/engagements").text)  # the form token is a new one after login
    return c
