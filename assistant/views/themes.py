"""Theme pages' data, read from the stored themes: the overview rows, a component's themes with
sizes, breakdowns, quotes and chart, one theme with every member and the themes it can merge with.

Read-only. One rule for identities: a segment is shown with its participant's random public label
(``P-7KQ2MX``), the department and role level as far as the suppression rule lets them be named
(small groups pooled: ``assistant.suppression.Attributor``), and a link to its place in the
de-identified transcript; never a name or email. Breakdowns count people by those same pooled
groups (so intersecting labels and breakdowns across theme pages narrows a person to a group of at
least k, never further) and hide cells under the engagement's threshold (``breakdown``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from assistant import charts
from assistant.equity.people import attribution
from assistant.models import Engagement, Participant, Run, Segment, SurveyImport, Theme, ThemeMember, Turn
from assistant.privacy import Scrubber
from assistant.records.engagements import scrubber_for
from assistant.records.engagements.settings import min_cell_of, parse_settings
from assistant.records.evidence import counted_members, live_themes
from assistant.rubric import Component, Rubric
from assistant.suppression import NOT_GIVEN, OTHER_DEPARTMENTS, OTHER_ROLES
from assistant.synthesis.breakdown import Breakdown, breakdown
from assistant.synthesis.labels import needs_a_name
from assistant.synthesis.represent import pick_quotes
from assistant.views import Page
from assistant.views.lookup import theme as theme_in_engagement
from assistant.views.lookup import transcript_url
from assistant.views.runs import RunPanel, run_context


@dataclass
class SegmentView:
    """One evidence segment as a page shows it."""

    segment: Segment
    participant: str  # the public label, "P-7KQ2MX"
    department: str
    role_level: str
    link: str | None  # the transcript anchor, or None for imported rows
    source: str  # "interview" or "survey import: <file>"
    score: float = 0.0
    assigned_by: str = "machine"
    person: tuple[str, str] = (NOT_GIVEN, NOT_GIVEN)  # the true groups: for quote variety only, never shown
    subtheme_id: int | None = None
    text: str = ""  # the segment as shown: people's names replaced by "[colleague]"


@dataclass
class ThemeView:
    """A theme with its size, breakdown, quotes and mix (people per group, small groups pooled)."""

    theme: Theme
    segments: int
    people: int
    breakdown: Breakdown
    k: int  # the engagement's small-group threshold
    quotes: list[SegmentView] = field(default_factory=list)
    members: list[SegmentView] = field(default_factory=list)
    subthemes: list[ThemeView] = field(default_factory=list)  # a top theme's sub-themes, largest first
    parent: Theme | None = None  # a sub-theme's top theme
    # as shown: people's names replaced by "[colleague]" (``shown``)
    label: str = ""
    keywords: list[str] = field(default_factory=list)
    summary: str = ""
    parent_label: str = ""
    needs_name: bool = False  # no label a consultant would keep (``synthesis.labels``) and none given
    withheld: bool = False  # machine words built partly from answers since withdrawn (``words_outlived``)

    def mix(self, by: str) -> list[tuple[str, int]]:
        """(group, people) for the chart: shown cells, then the pooled rest as "groups under k"."""
        cells = self.breakdown.by_department if by == "department" else self.breakdown.by_role
        shown = [(k, v) for k, v in cells.items() if isinstance(v, int)]
        rest = self.people - sum(v for _, v in shown)
        return shown + ([(f"groups under {self.k} (combined)", rest)] if rest > 0 else [])


def _source(seg: Segment, imports: dict[int, str]) -> str:
    if seg.source == "import":
        return f"survey import: {imports.get(seg.import_id or 0, 'file')}"
    return "interview"


def _views(session: Session, engagement_id: int, theme_ids: list[int]) -> dict[int, list[SegmentView]]:
    """Members of ``theme_ids`` as SegmentViews, most typical first; one query."""
    if not theme_ids:
        return {}
    rows = session.exec(
        counted_members(ThemeMember, Segment, Participant, Turn.question_id, Turn.probe_index)
        .join(Turn, Turn.id == Segment.turn_id, isouter=True)
        .where(col(ThemeMember.theme_id).in_(theme_ids))
        .order_by(col(ThemeMember.score).desc(), Segment.id)
    ).all()
    imports = {
        i.id: i.filename
        for i in session.exec(select(SurveyImport).where(SurveyImport.engagement_id == engagement_id)).all()
    }
    engagement = session.get(Engagement, engagement_id)
    attribute = attribution(session, engagement) if engagement is not None else None
    out: dict[int, list[SegmentView]] = {t: [] for t in theme_ids}
    for member, seg, person, question_id, probe_index in rows:
        link = (
            transcript_url(engagement_id, person.public_label, question_id, probe_index)
            if seg.turn_id is not None
            else None
        )
        dept, role = attribute(person.department, person.role_level) if attribute else (OTHER_DEPARTMENTS, OTHER_ROLES)
        out[member.theme_id].append(
            SegmentView(
                segment=seg,
                participant=person.public_label,
                department=dept,
                role_level=role,
                link=link,
                source=_source(seg, imports),
                score=member.score,
                assigned_by=member.assigned_by,
                person=(person.department or NOT_GIVEN, person.role_level or NOT_GIVEN),
                subtheme_id=member.subtheme_id,
            )
        )
    return out


def words_outlived(theme: Theme, members: list[SegmentView]) -> bool:
    """True when segments the machine built this theme's key phrases and summary from are no longer
    in it (their author withdrew, or the answer was withdrawn): those words must not be shown."""
    built = set((theme.changes or {}).get("members", []))
    return bool(built - {m.segment.id for m in members})


def _view(theme: Theme, members: list[SegmentView], with_members: bool, *, k: int) -> ThemeView:
    people = {m.segment.participant_id for m in members}
    # the groups the segment list shows (the engagement's units), never the true ones: the
    # breakdown tells nothing a reader could not recount from the list, and no group under k is named
    b = breakdown(((m.segment.participant_id, m.department, m.role_level) for m in members), k=k)
    by_id = {m.segment.id: m for m in members}
    quotes = [by_id[q] for q in theme.quote_ids if q in by_id]
    if not quotes and not theme.is_other:
        # a theme whose quotes all moved away: pick again by the synthesis rule
        picked = pick_quotes(
            range(len(members)),
            [m.score for m in members],
            [m.segment.participant_id for m in members],
            [m.person for m in members],
        )
        quotes = [members[i] for i in picked]
    return ThemeView(
        theme=theme,
        segments=len(members),
        people=len(people),
        breakdown=b,
        quotes=quotes,
        members=members if with_members else [],
        k=k,
        withheld=words_outlived(theme, members),
    )


WITHHELD = (
    "Summary and key phrases withheld: some answers they were built from have been withdrawn. "
    "Run synthesis to rebuild them from the answers that remain."
)


def scrubber(session: Session, engagement_id: int) -> Scrubber:
    """The name scrubber for an engagement's pages: its people's names and the named-entity model."""
    engagement = session.get(Engagement, engagement_id)
    return scrubber_for(session, engagement)


def shown(views: list[ThemeView], names: Scrubber) -> list[ThemeView]:
    """``views`` (and their sub-themes) with ``label``, ``keywords``, ``summary`` and every quote and
    member text set to what a consultant may read: no person's name (the model runs once over all)."""
    every = [w for v in views for w in (v, *v.subthemes)]
    segments = {id(s): s for w in every for s in (*w.quotes, *w.members)}
    texts = [t for w in every for t in (w.theme.label, w.theme.summary, *w.theme.keywords)]
    texts += [w.parent.label for w in every if w.parent is not None]
    texts += [s.segment.text for s in segments.values()]
    clean = dict(zip(texts, names.scrub_all(texts), strict=False))
    for w in every:
        w.label = clean[w.theme.label]
        w.needs_name = not w.theme.is_other and needs_a_name(w.label, w.theme.label_engine)
        w.summary = clean[w.theme.summary]
        w.keywords = [clean[k] for k in w.theme.keywords if clean[k] == k]  # a keyword that named someone goes
        if w.withheld:
            w.keywords = []
            if (w.theme.changes or {}).get("summary_by") != "consultant":
                w.summary = WITHHELD
        w.parent_label = clean[w.parent.label] if w.parent is not None else ""
    for s in segments.values():
        s.text = clean[s.segment.text]
    return views


def _by_people(views: list[ThemeView]) -> list[ThemeView]:
    return sorted(views, key=lambda v: (v.theme.is_other, -v.people, -v.segments, v.theme.id))


def _subthemes(session: Session, parents: list[Theme]) -> dict[int, list[Theme]]:
    """Live sub-themes of ``parents`` by parent id."""
    if not parents:
        return {}
    rows = session.exec(
        select(Theme).where(col(Theme.parent_id).in_([p.id for p in parents]), col(Theme.archived).is_(False))
    ).all()
    out: dict[int, list[Theme]] = {}
    for row in rows:
        out.setdefault(row.parent_id or 0, []).append(row)
    return out


def component_themes(
    session: Session, engagement_id: int, component: str, with_members: bool = False
) -> list[ThemeView]:
    """The component's live top themes, largest (by people) first, "other voices" last; each with its
    sub-themes (those that still hold a member). A theme that no member holds any more (withdrawal
    or moves emptied it) is not shown."""
    themes = session.exec(live_themes(engagement_id, component).where(col(Theme.parent_id).is_(None))).all()
    members = _views(session, engagement_id, [t.id for t in themes])
    k = _min_cell(session, engagement_id)
    subs = _subthemes(session, list(themes))
    views = []
    for t in themes:
        view = _view(t, members.get(t.id, []), with_members, k=k)
        own = members.get(t.id, [])
        parts = (_view(sub, [m for m in own if m.subtheme_id == sub.id], False, k=k) for sub in subs.get(t.id, []))
        view.subthemes = _by_people([v for v in parts if v.segments])
        views.append(view)
    views = [v for v in views if v.segments]
    return shown(_once(_by_people(views)), scrubber(session, engagement_id))


def _once(views: list[ThemeView]) -> list[ThemeView]:
    """``views`` with no quote twice on the page: a quote whose words (case and spacing aside) an
    earlier theme already quotes is dropped (staff often paste the same sentence twice)."""
    seen: set[str] = set()
    for view in views:
        kept = []
        for quote in view.quotes:
            key = " ".join(quote.segment.text.lower().split())
            if key not in seen:
                seen.add(key)
                kept.append(quote)
        view.quotes = kept
    return views


def theme_view(session: Session, theme: Theme) -> ThemeView:
    """One theme with all its members (a sub-theme: its part of the top theme's members) and sub-themes."""
    k = _min_cell(session, theme.engagement_id)
    if theme.parent_id is not None:
        parent = session.get(Theme, theme.parent_id)
        members = [
            m
            for m in _views(session, theme.engagement_id, [theme.parent_id]).get(theme.parent_id, [])
            if m.subtheme_id == theme.id
        ]
        view = _view(theme, members, True, k=k)
        view.parent = parent
        return shown([view], scrubber(session, theme.engagement_id))[0]
    members = _views(session, theme.engagement_id, [theme.id]).get(theme.id, [])
    view = _view(theme, members, True, k=k)
    view.subthemes = _by_people(
        [
            v
            for v in (
                _view(sub, [m for m in members if m.subtheme_id == sub.id], False, k=k)
                for sub in _subthemes(session, [theme]).get(theme.id, [])
            )
            if v.segments
        ]
    )
    return shown([view], scrubber(session, theme.engagement_id))[0]


def _min_cell(session: Session, engagement_id: int) -> int:
    engagement = session.get(Engagement, engagement_id)
    return min_cell_of(engagement) if engagement is not None else parse_settings(None).equity.min_cell


@dataclass(frozen=True)
class ComponentSummary:
    """One component's row of the themes overview: how many themes, the segments in them and in
    "other voices", how many a consultant edited, and the three largest."""

    component: Component
    themes: int
    segments: int
    other: int
    curated: int
    top: list[ThemeView]


@dataclass(frozen=True, kw_only=True)
class ThemesOverview(RunPanel):
    """The themes overview: a row per component, the finished survey imports and the import run still
    going, if any; the synthesis run panel."""

    rows: list[ComponentSummary]
    imports: list[SurveyImport]
    import_run: Run | None
    import_running: bool


def overview_context(
    session: Session, engagement: Engagement, rubric: Rubric, message: str | None = None
) -> ThemesOverview:
    """The themes overview: per component the number of themes, segments in them and in "other
    voices", curated themes and the three largest; the survey imports (newest first); the run panel."""
    rows = []
    for comp in rubric.components:
        views = component_themes(session, engagement.id, comp.id)
        themes = [v for v in views if not v.theme.is_other]
        other = next((v for v in views if v.theme.is_other), None)
        rows.append(
            ComponentSummary(
                comp,
                len(themes),
                sum(v.segments for v in themes),
                other.segments if other else 0,
                sum(v.theme.curated for v in themes),
                themes[:3],
            )
        )
    imports = [
        i
        for i in session.exec(
            select(SurveyImport)
            .where(SurveyImport.engagement_id == engagement.id)
            .order_by(col(SurveyImport.id).desc())
        ).all()
        if (i.mapping or {}).get("status", "done") == "done"
    ]  # one still importing is shown by its run
    importing = run_context(session, engagement, "import")
    return ThemesOverview(
        **run_context(session, engagement, "synthesis").with_news(message).context(),
        rows=rows,
        imports=imports,
        import_run=importing.run,
        import_running=importing.running,
    )


def _chart(comp: Component, views: list[ThemeView]) -> str | None:
    """The stacked-bar chart (inline SVG) of who is behind each theme, by role level and by
    department, with its numbers in words as the text alternative; None without themes. The
    chart holds no links: each theme's link is in its card below."""
    if not views:
        return None
    rows = [charts.StackedRow(v.label, {"role level": v.mix("role"), "department": v.mix("department")}) for v in views]
    desc = "; ".join(
        f"{row.label}: "
        + ", ".join(f"by {name} " + ", ".join(f"{g} {n}" for g, n in parts) for name, parts in row.bars.items())
        for row in rows
    )
    title = f"Themes of {comp.name}: people per theme, by role level and by department"
    return charts.to_svg(charts.stacked_figure(rows), title, desc, f"themes-{comp.id}")


@dataclass(frozen=True, kw_only=True)
class ComponentThemes(RunPanel):
    """A component's theme page: its themes (other voices last), the chart of the real themes (None
    when there are none), the synthesis run panel."""

    comp: Component
    views: list[ThemeView]
    chart: object


def component_context(session: Session, engagement: Engagement, comp: Component) -> ComponentThemes:
    """A component's theme page (see ``ComponentThemes``)."""
    views = component_themes(session, engagement.id, comp.id)
    return ComponentThemes(
        **run_context(session, engagement, "synthesis").context(),
        comp=comp,
        views=views,
        chart=_chart(comp, [v for v in views if not v.theme.is_other]),
    )


@dataclass(frozen=True, kw_only=True)
class ThemePage(Page):
    """One theme's page: its view (members, breakdown, changes), the component, the live themes of
    the component it can merge with or move a segment to and their labels (names scrubbed), and
    ``new_theme``, the other half of a split just made."""

    engagement: Engagement
    comp: Component
    view: ThemeView
    labels: dict[int, str]
    theme: Theme
    siblings: list[Theme]
    new_theme: Theme | None


def theme_context(
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    theme: Theme,
    new_theme_id: int = 0,
    *,
    message: str | None = None,
    problems: list[str] | None = None,
    form: dict[str, Any] | None = None,
) -> ThemePage:
    """One theme's page: every member, the live themes of its component it can merge with or move a
    segment to (by label), and ``new_theme`` (the other half of a split) when ``new_theme_id`` names one."""
    siblings = session.exec(
        live_themes(engagement.id, theme.component)
        .where(Theme.id != theme.id, col(Theme.parent_id).is_(None))
        .order_by(Theme.label)
    ).all()
    new_theme = theme_in_engagement(session, engagement.id, new_theme_id) if new_theme_id else None
    named = [t for t in (*siblings, new_theme) if t is not None]
    labels = dict(
        zip([t.id for t in named], scrubber(session, engagement.id).scrub_all([t.label for t in named]), strict=False)
    )
    return ThemePage(
        engagement=engagement,
        comp=rubric.component(theme.component),
        view=theme_view(session, theme),
        labels=labels,
        theme=theme,
        siblings=list(siblings),
        new_theme=new_theme,
        message=message,
        problems=problems or [],
        form=form or {},
    )
