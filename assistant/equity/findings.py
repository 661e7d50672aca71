"""The equity reviewer's findings: recorded, withdrawn, and read by consultants on the review pages.

``findings_for`` is the one reader (the report and the roadmap do not show findings yet; when they do,
they read them here).

Rules: a finding has text (up to 4,000 characters), a severity (low, medium, high) and may link
one component of the rubric, one live theme of the engagement, and one group ("grouping: group")
the audit reports by name. A group too small to be named cannot be linked: the finding's text
can say "a small group" instead. Every change is audited; a withdrawn finding is kept for the
audit and shown to nobody.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from assistant.equity.participation import participation
from assistant.models import Engagement, EquityFinding, Theme, User
from assistant.rubric import Rubric
from assistant.security import audit_by

SEVERITIES = ("high", "medium", "low")
MAX_TEXT = 4000


class FindingError(ValueError):
    """A finding that cannot be recorded; ``problems`` lists what to fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def linkable_groups(session: Session, engagement: Engagement) -> list[str]:
    """The groups a finding may name: the groups whose submitted count (and roster, where there is
    one) the participation tables show; a group whose participation is hidden cannot be singled
    out by a link either."""
    return [
        f"{t.name}: {r.group}"
        for t in participation(session, engagement)
        for r in t.rows
        if r.kind == "group" and r.submitted is not None and (r.roster is not None or not t.has_roster)
    ]


def record_finding(
    session: Session,
    engagement: Engagement,
    reviewer: User,
    rubric: Rubric,
    text: str,
    severity: str,
    component: str = "",
    theme_id: int | None = None,
    group: str = "",
) -> EquityFinding:
    """Store a finding (audited); ``FindingError`` listing every problem, nothing stored then."""
    text = text.strip()
    problems = []
    if not text:
        problems.append("Write the finding.")
    if len(text) > MAX_TEXT:
        problems.append(f"Keep the finding under {MAX_TEXT:,} characters (it has {len(text):,}).")
    if severity not in SEVERITIES:
        problems.append("Choose a severity: high, medium or low.")
    if component and component not in {c.id for c in rubric.components}:
        problems.append("Choose a component of the rubric, or none.")
    theme = session.get(Theme, theme_id) if theme_id is not None else None
    if theme_id is not None and (theme is None or theme.engagement_id != engagement.id or theme.archived):
        problems.append("Choose a current theme of this engagement, or none.")
    if group and group not in linkable_groups(session, engagement):
        problems.append("Choose a group the audit shows by name, or none (describe small groups in the text).")
    if problems:
        raise FindingError(problems)
    finding = EquityFinding(
        engagement_id=engagement.id,
        reviewer_id=reviewer.id,
        text=text,
        severity=severity,
        component=component or (theme.component if theme else None),
        theme_id=theme.id if theme else None,
        group=group or None,
    )
    session.add(finding)
    session.flush()
    audit_by(
        session,
        "equity.finding",
        reviewer,
        engagement_id=engagement.id,
        entity=f"finding:{finding.id}",
        after={
            "severity": severity,
            "component": finding.component,
            "theme_id": finding.theme_id,
            "group": finding.group,
            "text": text,
        },
    )
    return finding


def withdraw_finding(session: Session, engagement: Engagement, reviewer: User, finding_id: int) -> EquityFinding:
    """Take a finding back (kept, audited, shown to nobody); ``FindingError`` when there is no such live finding."""
    finding = session.get(EquityFinding, finding_id)
    if finding is None or finding.engagement_id != engagement.id or finding.withdrawn:
        raise FindingError(["There is no such finding on this engagement."])
    finding.withdrawn = True
    session.add(finding)
    audit_by(
        session,
        "equity.finding_withdraw",
        reviewer,
        engagement_id=engagement.id,
        entity=f"finding:{finding.id}",
        before={"withdrawn": False},
        after={"withdrawn": True},
    )
    return finding


def findings_for(session: Session, engagement_id: int, component: str | None = None) -> list[EquityFinding]:
    """The engagement's current findings (not withdrawn), high severity first, then oldest first;
    only those linked to ``component`` when it is given."""
    query = select(EquityFinding).where(
        EquityFinding.engagement_id == engagement_id, col(EquityFinding.withdrawn).is_(False)
    )
    if component is not None:
        query = query.where(EquityFinding.component == component)
    rows = session.exec(query.order_by(EquityFinding.id)).all()
    return sorted(rows, key=lambda f: SEVERITIES.index(f.severity) if f.severity in SEVERITIES else 9)


def finding_counts(session: Session, engagement_id: int) -> dict[str, int]:
    """{component: how many current findings are linked to it}: what raises a roadmap activity's priority."""
    counts: dict[str, int] = {}
    for finding in findings_for(session, engagement_id):
        if finding.component:
            counts[finding.component] = counts.get(finding.component, 0) + 1
    return counts
