"""Page data of following an organisation: roadmap progress (by phase and by component, late and
stale first), what a city contact may see, the follow-up form, the comparison of two assessments and
participation over time for the equity reviewer.

Read-only. Figures about groups of people pass ``suppression.py`` with the engagement's own k, on
every wave and on every difference between waves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from assistant import charts
from assistant.equity.people import invited
from assistant.followup.compare import Comparison, compare
from assistant.followup.match import DEFAULT_MARGIN
from assistant.followup.progress import STATUS_NAMES, Tracked, tracked_items
from assistant.followup.questions import ShownQuestion, shown
from assistant.jobs import UNFINISHED
from assistant.models import Engagement, ExportFile, Membership, Run, Segment, Theme, User, as_utc, utcnow
from assistant.models.followup import PROGRESS_STATUSES
from assistant.records.engagements import min_cell_of, scrubber_for
from assistant.records.phases import horizon_of, phases_for
from assistant.records.teams import ROLE_NAMES
from assistant.report.export import export_runs
from assistant.report.formats import REPORT_FORMATS
from assistant.report.progress import ProgressReport, build_progress_report
from assistant.rubric import Rubric
from assistant.suppression import count_or_none, difference_or_none, suppress
from assistant.views import Page
from assistant.views.roadmap import export_download

Scrub = Callable[[str], str]  # the engagement's scrubber's ``scrub``


@dataclass(frozen=True)
class Tally:
    """How many items of one phase or component stand in each status, and how many are late or stale."""

    name: str
    counts: dict[str, int]
    late: int
    stale: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done_share(self) -> int:
        """Percent done, of the items not dropped."""
        live = self.total - self.counts.get("dropped", 0)
        return round(100 * self.counts.get("done", 0) / live) if live else 0


@dataclass(frozen=True, kw_only=True)
class ProgressPage(Page):
    engagement: Engagement
    items: list[Tracked]  # late and stale first, then roadmap order
    by_phase: list[Tally]
    by_component: list[Tally]
    overall: Tally
    phase_labels: dict[int, str]
    component_names: dict[str, str]
    owners: dict[int, str]  # account id -> name or email, for the owner picker and the list
    updatable: set[int] = field(default_factory=set)  # item ids the viewer may update
    is_consultant: bool = False
    statuses: tuple[str, ...] = PROGRESS_STATUSES
    status_names: dict[str, str] = field(default_factory=lambda: dict(STATUS_NAMES))
    today: date = field(default_factory=date.today)
    can_follow_up: bool = False
    follow_ups: list[Engagement] = field(default_factory=list)  # assessments started from this one
    role_names: dict[str, str] = field(default_factory=lambda: dict(ROLE_NAMES))


def _tally(name: str, items: list[Tracked]) -> Tally:
    counts = {s: sum(1 for t in items if t.status == s) for s in PROGRESS_STATUSES}
    return Tally(name, counts, sum(t.late for t in items), sum(t.stale for t in items))


def _owners(session: Session, engagement_id: int) -> dict[int, str]:
    rows = session.exec(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.engagement_id == engagement_id)
    ).all()
    return {u.id: f"{u.name or u.email} ({ROLE_NAMES.get(m.role, m.role).lower()})" for m, u in rows}


def progress_page(
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    viewer: User,
    role: str,
    *,
    today: date | None = None,
    message: str | None = None,
    problems: list[str] | None = None,
) -> ProgressPage:
    """The progress-tracking page for ``viewer`` in team ``role``: every planned item (late and stale
    first), the tallies by phase and by component, and which items the viewer may update (all for
    consultants, their own for a city contact)."""
    today = today or utcnow().date()
    items = tracked_items(session, engagement, today)
    ordered = sorted(items, key=lambda t: (not t.late, not t.stale))
    phases = phases_for(horizon_of(engagement))
    names = {c.id: c.name for c in rubric.components}
    consultant = role in ("lead", "consultant")
    return ProgressPage(
        engagement=engagement,
        items=ordered,
        by_phase=[_tally(p.label, [t for t in items if t.item.phase == p.index]) for p in phases],
        by_component=[
            _tally(c.name, [t for t in items if t.item.component == c.id])
            for c in rubric.components
            if any(t.item.component == c.id for t in items)
        ],
        overall=_tally("All activities", items),
        phase_labels={p.index: p.label for p in phases},
        component_names=names,
        owners=_owners(session, engagement.id),
        updatable={t.item.id for t in items if consultant or (role == "city_contact" and t.owner_id == viewer.id)},
        is_consultant=consultant,
        today=today,
        can_follow_up=role == "lead",
        follow_ups=list(session.exec(select(Engagement).where(Engagement.previous_id == engagement.id)))
        if consultant
        else [],
        message=message,
        problems=list(problems or []),
    )


# --- the comparison of two assessments ----------------------------------------------------------


@dataclass(frozen=True)
class ThemeRef:
    id: int
    label: str
    people: int | None  # None: fewer than k
    share: float | None  # of people heard on the component; None with a hidden count
    quote: str  # one representative quote, de-identified ("" when none)


@dataclass(frozen=True)
class ChangeRow:
    component: str
    change: str
    a: list[ThemeRef]
    b: list[ThemeRef]
    similarity: float | None
    corrected: bool

    @property
    def a_people(self) -> int | None:
        return _sum_shown([t.people for t in self.a])

    @property
    def b_people(self) -> int | None:
        return _sum_shown([t.people for t in self.b])


def _sum_shown(values: list[int | None]) -> int | None:
    """The people of several themes together: None when any is hidden (and for no theme at all)."""
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


@dataclass(frozen=True, kw_only=True)
class ComparePage(Page):
    engagement: Engagement
    earlier: Engagement
    later: Engagement
    comparison: Comparison
    rows: dict[str, list[ChangeRow]]
    component_names: dict[str, str]
    level_names: dict[int, str]
    noise: dict | None  # the measured re-run noise (``stability.Noise.as_stats``), None until measured
    k: int
    theme_choices: dict[str, tuple[list[ThemeRef], list[ThemeRef]]]  # per component: earlier, later themes
    levels_svg: str = ""  # the levels of both assessments per component (only under one rubric version)
    questions: list[ShownQuestion] = field(default_factory=list)  # answers to identical questions, suppressed


def _quote(session: Session, theme_id: int, scrub: Scrub) -> str:
    theme = session.get(Theme, theme_id)
    for segment_id in (theme.quote_ids or [])[:1] if theme else []:
        segment = session.get(Segment, segment_id)
        if segment is not None and segment.active:
            return scrub(segment.text)
    return ""


def _refs(session: Session, comparison: Comparison, ids: tuple[int, ...], k: int, scrub: Scrub) -> list[ThemeRef]:
    out = []
    for theme_id in ids:
        side = comparison.themes.get(theme_id)
        people = count_or_none(side.people, k=k) if side else None
        share = side.share if side and people is not None else None
        label = scrub(comparison.labels.get(theme_id, ""))
        out.append(ThemeRef(theme_id, label, people, share, _quote(session, theme_id, scrub)))
    return out


def change_rows(session: Session, comparison: Comparison, k: int, scrub: Scrub) -> dict[str, list[ChangeRow]]:
    """Every component's changes with labels, people (suppressed with ``k``) and a de-identified quote."""
    return {
        component: [
            ChangeRow(
                component,
                c.change,
                _refs(session, comparison, c.a, k, scrub),
                _refs(session, comparison, c.b, k, scrub),
                c.similarity,
                c.corrected,
            )
            for c in changes
        ]
        for component, changes in comparison.changes.items()
    }


def measured_noise(session: Session, engagement: Engagement) -> dict | None:
    """The latest re-run noise measured on ``engagement``'s answers (a done "compare" run's stats)."""
    run = session.exec(
        select(Run)
        .where(Run.engagement_id == engagement.id, Run.kind == "compare", Run.status == "done")
        .order_by(col(Run.id).desc())
    ).first()
    return dict(run.stats) if run is not None and run.stats else None


def earlier_and_later(a: Engagement, b: Engagement) -> tuple[Engagement, Engagement]:
    """The two assessments in time order (by when each was created)."""
    return (a, b) if (as_utc(a.created_at), a.id) <= (as_utc(b.created_at), b.id) else (b, a)


def comparison_of(
    session: Session, one: Engagement, other: Engagement, rubric: Rubric
) -> tuple[Comparison, dict | None]:
    """The comparison of two assessments in time order, with the later one's measured noise (its
    margin used for grew and shrank)."""
    earlier, later = earlier_and_later(one, other)
    noise = measured_noise(session, later)
    margin = max(float(noise["margin"]), DEFAULT_MARGIN) if noise else DEFAULT_MARGIN
    return compare(session, earlier, later, rubric, margin=margin), noise


def levels_svg(comparison: Comparison, rubric: Rubric) -> str:
    """The decided levels of both assessments per component as inline SVG ("" when not comparable)."""
    if not comparison.comparable:
        return ""
    waves = [f"{e.created_at.date().isoformat()} ({e.kind})" for e in (comparison.a, comparison.b)]
    rows = [(r.name, [r.a, r.b]) for r in comparison.levels]
    desc = " ".join(f"{r.name}: {r.a or 'not decided'} then, {r.b or 'not decided'} now." for r in comparison.levels)
    fig = charts.levels_figure(rows, waves, [lv.name for lv in rubric.levels])
    return charts.to_svg(fig, f"Decided levels of {comparison.b.organisation} over time", desc, "levels")


def compare_page(
    session: Session,
    engagement: Engagement,
    other: Engagement,
    rubric: Rubric,
    *,
    message: str | None = None,
    problems: list[str] | None = None,
) -> ComparePage:
    """The comparison page of ``engagement`` and ``other`` (either order): levels, theme changes with
    people suppressed by the larger of the two assessments' k, the roadmap between them, the noise."""
    comparison, noise = comparison_of(session, engagement, other, rubric)
    k = comparison.k
    scrub = scrubber_for(session, comparison.b).scrub
    rows = change_rows(session, comparison, k, scrub)
    choices = {}
    for component, changes in rows.items():
        a_side = {t.id: t for r in changes for t in r.a}
        b_side = {t.id: t for r in changes for t in r.b}
        choices[component] = (list(a_side.values()), list(b_side.values()))
    return ComparePage(
        engagement=engagement,
        earlier=comparison.a,
        later=comparison.b,
        comparison=comparison,
        rows=rows,
        component_names={c.id: c.name for c in rubric.components},
        level_names={lv.level: lv.name for lv in rubric.levels},
        noise=noise,
        k=k,
        theme_choices=choices,
        levels_svg=levels_svg(comparison, rubric),
        questions=shown_questions(comparison, rubric, k),
        message=message,
        problems=list(problems or []),
    )


def compare_json(session: Session, comparison: Comparison, rubric: Rubric) -> dict:
    """``dm3 compare``'s file: levels, themes (people suppressed with the larger of the two assessments' k: null),
    the roadmap, and the questions asked in both (shares and effect sizes, null where suppressed), in the
    shape docs/cli.md gives."""
    k = comparison.k
    rows = change_rows(session, comparison, k, scrubber_for(session, comparison.b).scrub)
    return {
        "levels": [{"component": r.component, "a": r.a, "b": r.b} for r in comparison.levels],
        "themes": [
            {
                "component": component,
                "a_theme": " + ".join(t.label for t in row.a) or None,
                "b_theme": " + ".join(t.label for t in row.b) or None,
                "change": row.change,
                "a_people": row.a_people if row.a else 0,
                "b_people": row.b_people if row.b else 0,
            }
            for component, changes in rows.items()
            for row in changes
        ],
        "roadmap": [
            {
                "item": r.title,
                "status": r.status,
                "owner": r.owner or None,
                "done_at": as_utc(r.done_at).isoformat() if r.done_at else None,
            }
            for r in comparison.roadmap
        ],
        "questions": [
            {
                "component": q.component,
                "question": q.question,
                "text": q.text,
                "indicator": q.indicator,
                "a_people": q.then_people,
                "b_people": q.now_people,
                "a_share": _rounded(q.then_share),
                "b_share": _rounded(q.now_share),
                "a_level": q.then_level,
                "b_level": q.now_level,
                "effect_size": _rounded(q.h),
                "reading": q.reading,
            }
            for q in shown_questions(comparison, rubric, k)
        ],
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def shown_questions(comparison: Comparison, rubric: Rubric, k: int) -> list[ShownQuestion]:
    """The answers to the questions both assessments asked, suppressed with ``k`` (``questions.shown``)."""
    names = {i.id: i.name for c in rubric.components for i in c.indicators}
    return [shown(q, k, names.get(q.indicator, q.indicator)) for q in comparison.questions]


# --- participation over time (equity reviewers) ------------------------------------------------


@dataclass(frozen=True)
class WaveRow:
    group: str
    counts: list[int | str]  # per wave, as shown ("fewer than k" when hidden)
    differences: list[int | None]  # between consecutive waves; None: hidden
    grouping: str = "Department"


@dataclass(frozen=True, kw_only=True)
class OverTimePage(Page):
    engagement: Engagement
    waves: list[Engagement]  # oldest first
    rows: list[WaveRow]
    k: int


def waves_of(session: Session, engagement: Engagement) -> list[Engagement]:
    """The engagement and the assessments it follows, oldest first."""
    chain = [engagement]
    while chain[-1].previous_id is not None and len(chain) < 20:
        earlier = session.get(Engagement, chain[-1].previous_id)
        if earlier is None:
            break
        chain.append(earlier)
    return list(reversed(chain))


def _wave_rows(grouping: str, groups: list[str], counts: list[Counter], k: int) -> list[WaveRow]:
    """One grouping's rows: each wave's column suppressed on its own, each difference by the over-time rule."""
    shown = [suppress({g: c.get(g, 0) for g in groups}, k=k) for c in counts]
    rows = []
    for group in groups:
        raw = [c.get(group, 0) for c in counts]
        visible = [s.get(group, 0) for s in shown]
        diffs = [
            None
            if isinstance(visible[i], str) or isinstance(visible[i + 1], str)
            else difference_or_none(raw[i], raw[i + 1], k=k)
            for i in range(len(raw) - 1)
        ]
        rows.append(WaveRow(group, visible, diffs, grouping))
    return rows


def over_time_page(session: Session, engagement: Engagement) -> OverTimePage:
    """Submitted interviews by department and by role level in every wave, each wave's column suppressed
    with one k for every wave (the largest of the waves' own, so no wave's groups show below its own k),
    and each difference between waves too."""
    waves = waves_of(session, engagement)
    k = max(min_cell_of(w) for w in waves)  # the chain includes ``engagement``
    people = [[p for p, status in invited(session, w.id) if status == "submitted"] for w in waves]
    departments = list(dict.fromkeys(d for w in waves for d in w.departments))
    levels = list(dict.fromkeys(r for w in waves for r in w.role_levels))
    rows = _wave_rows("Department", departments, [Counter(p.department for p in ps) for ps in people], k)
    rows += _wave_rows("Role level", levels, [Counter(p.role_level for p in ps) for ps in people], k)
    return OverTimePage(engagement=engagement, waves=waves, rows=rows, k=k)


# --- the progress report ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ProgressReportPage(Page):
    """The progress report as a page, with its exports: the latest progress export run (queued, running,
    done or failed) and the finished files still kept, newest first."""

    report: ProgressReport
    engagement: Engagement
    run: Run | None = None
    running: bool = False
    downloads: list[Run] = field(default_factory=list)
    formats: tuple[str, ...] = REPORT_FORMATS["progress"]


def progress_report_page(
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    *,
    message: str | None = None,
    problems: list[str] | None = None,
) -> ProgressReportPage:
    """The progress report (``report/progress.py``) as a page, and its exports (the ``export`` run kind
    with ``params["report"] == "progress"``)."""
    runs = export_runs(session, engagement.id, "progress")
    kept = set(session.exec(select(ExportFile.run_id).where(ExportFile.engagement_id == engagement.id)).all())
    return ProgressReportPage(
        report=build_progress_report(session, engagement, rubric),
        engagement=engagement,
        run=runs[0] if runs else None,
        running=bool(runs and runs[0].status in UNFINISHED),
        downloads=[r for r in runs if r.status == "done" and r.id in kept],
        message=message,
        problems=list(problems or []),
    )


def progress_download(session: Session, engagement: Engagement, run_id: int) -> ExportFile | None:
    """The file of the engagement's finished progress-report export ``run_id``, or None."""
    return export_download(session, engagement, run_id, "progress")
