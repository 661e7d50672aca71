"""Fixtures for the rating tests: the real embedding model (loaded once) and evidence builders."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.embeddings import get_embedder
from assistant.rating.offline import OfflineRater
from assistant.rating.schema import EvidenceItem

# Five people in one theme describe the governance committee's decision log; one person, in
# another theme, mentions the governance dashboard in fewer, vaguer words (so it is the least
# similar to the indicator's descriptions and would never be among the four closest quotes).
DECISION_LOG = [
    ("ana", "frontline", "The governance committee's decisions are recorded in a decision log, tracked and acted on."),
    (
        "ben",
        "manager",
        "The cross-department governance committee keeps a decision log, and decisions are tracked and acted on.",
    ),
    (
        "cy",
        "supervisor",
        "Our data governance committee records its decisions in a decision log and tracks each to completion.",
    ),
    (
        "dee",
        "frontline",
        "Each decision of the governance committee goes into the decision log and is tracked until it is acted on.",
    ),
    (
        "eli",
        "manager",
        "The governance committee's decision log is tracked, and its decisions are acted on across departments.",
    ),
]
DASHBOARD = [("fay", "executive", "Someone set up a governance dashboard on the intranet.")]


def items(rows: list[tuple[str, str, str]], prefix: str = "E-") -> list[EvidenceItem]:
    """Evidence items from (participant, role level, text) rows, ids E-1, E-2, ..."""
    return [
        EvidenceItem(id=f"{prefix}{n}", participant=p, role_level=role, department="Finance", text=text)
        for n, (p, role, text) in enumerate(rows, start=1)
    ]


@pytest.fixture(scope="session")
def embedder():
    return get_embedder(Settings(_env_file=None).embedding_model)


@pytest.fixture(scope="session")
def rater(rubric, embedder) -> OfflineRater:
    return OfflineRater(rubric, embedder)


# Leadership (3 people) describes monitored pipelines and dashboards behind decisions (level 4); frontline staff
# describe re-typing and hand-built reports (level 1): the accounts disagree on flow and use.
CONFLICT = [
    (
        "exec1",
        "executive",
        "Our data moves through automated pipelines and we get an alert when one fails. "
        "We review the dashboard every week in the performance meeting.",
    ),
    (
        "exec2",
        "executive",
        "Most records come in through an API now, with a data pipeline that runs overnight. "
        "The numbers changed the decision on snow routes last winter.",
    ),
    (
        "exec3",
        "manager",
        "Everything is automated between the permit and billing systems. "
        "We review the dashboard every week against our targets.",
    ),
    (
        "f1",
        "frontline",
        "I re-type the same work orders from paper forms into two systems every day. "
        "We build the report by hand when council asks.",
    ),
    (
        "f2",
        "frontline",
        "We email it around and copy and paste between spreadsheets. Nobody looks at it, we count it manually.",
    ),
]

# Clear, differently worded accounts of low and high practice in governance (not bench text).
GOV_LOW = [
    ("ana", "frontline", "Honestly there are no data rules I know of, we just do what seems sensible each time."),
    ("ben", "supervisor", "When a record is wrong it gets bounced from one team to the next and nobody owns the fix."),
    ("ana", "frontline", "I correct mistakes myself when I notice them; nothing gets written down about it."),
    (
        "cy",
        "manager",
        "The whole unit shares one password for the case database, and leavers keep their access for months.",
    ),
    ("dee", "frontline", "Nobody really decides anything about data here, whoever runs the system makes the call."),
]
GOV_HIGH = [
    (
        "ana",
        "frontline",
        "Policy compliance is measured and we get a yearly compliance report; breaches are followed up.",
    ),
    (
        "ben",
        "executive",
        "The governance committee keeps a decision log, follows up every action and reviews quality and risk measures.",
    ),
    (
        "cy",
        "manager",
        "Our stewards have protected time each week, they meet every two weeks, and their quality work is measured.",
    ),
    (
        "dee",
        "frontline",
        "We run a quality audit every quarter, time to fix is tracked, and recurring errors are traced "
        "to the root cause.",
    ),
    (
        "cy",
        "manager",
        "Access to sensitive records is reviewed every six months and each release gets a privacy review first.",
    ),
]
