"""Fixtures for roadmap tests: a consultant and an engagement (decided levels: ``decide_levels``, staff
segments: ``seed_segments``, both in tests/factories.py)."""

from __future__ import annotations

import pytest

from tests.factories import make_consultant, make_engagement


@pytest.fixture
def consultant(session):
    return make_consultant(session)


@pytest.fixture
def engagement(session):
    return make_engagement(session)
