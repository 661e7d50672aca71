"""The report model filled from the rows read once (``report/sources.py``): one builder per section.

Rules enforced here, once:
- only decided levels appear; a component without one says "awaiting review";
- participation tables count people and hide groups under the engagement's threshold k
  (``assistant.suppression.suppress``); the method text states that k;
- quotes come only from people who agreed to be quoted and have not withdrawn, with names replaced,
  each distinct quote once in the document (``report/quotes.py``); a quoted passage in a rationale or
  summary that is not from such a person is replaced by "[quote withheld]";
- every "[E-n]" citation left in the text resolves in the evidence appendix;
- advice meant for the consultant goes to ``Report.advice`` (the app), never into the document text;
- a readiness quote is printed only when it speaks to its signal (``report/relevance.py``).
"""

from __future__ import annotations

from sqlmodel import Session

from assistant.models import Engagement, ReadinessSignal, RoadmapItem, Theme, utcnow
from assistant.report import narrative, tables
from assistant.report.clean import clean
from assistant.report.figures import profile_figure, timeline_figure
from assistant.report.model import (
    ComponentSection,
    GroupRow,
    Participation,
    PhaseSection,
    Quote,
    ReadinessRow,
    Report,
    RoadmapRow,
    ThemeSection,
    TitlePage,
)
from assistant.report.quotes import QuoteBook
from assistant.report.relevance import Encoder, StoredFirst, related
from assistant.report.reword import Facts, SummaryWriter, facts_of
from assistant.report.sources import Sources, read_sources
from assistant.roadmap import readiness as readiness_mod
from assistant.roadmap.targets import phases_for
from assistant.rubric import ReadinessKind, Rubric
from assistant.suppression import Table as DisclosedTable

TOP_THEMES = 3
QUOTES_PER_THEME = 2
READINESS_QUOTES = 2


def build_report(
    session: Session,
    engagement: Engagement,
    rubric: Rubric,
    *,
    embedder: Encoder | None = None,
    writer: SummaryWriter | None = None,
) -> Report:
    """The report of ``engagement`` from what is stored now (roadmap as last generated), read once.
    ``embedder`` checks that readiness quotes speak to their signal (without one, no readiness quote);
    ``writer`` (the engine seam's, when an LLM is configured) may reword the executive summary."""
    src = read_sources(session, engagement, rubric)
    stored = StoredFirst(session, embedder, getattr(embedder, "model_name", "")) if embedder is not None else None
    return report_from(src, embedder=stored, writer=writer)


def report_from(src: Sources, *, embedder: Encoder | None = None, writer: SummaryWriter | None = None) -> Report:
    """The report model of the rows in ``src`` (no query); ``embedder`` checks readiness quotes and finds
    near-identical quotes (without one, no readiness quote, and quotes are the same only once normalised)."""
    book = QuoteBook(src, embedder)
    themes = {c.id: top_themes(src, c.id) for c in src.rubric.components}
    decided = {c: d.final_level for c, d in src.decisions.items() if d.final_level}
    findings = narrative.key_findings(src, book, themes, decided)
    components = [component_section(src, book, c.id, themes[c.id]) for c in src.rubric.components]
    readiness = readiness_rows(src, book, embedder)
    phases, beyond = roadmap_phases(src)
    engagement = src.engagement
    report = Report(
        title=TitlePage(
            engagement.organisation,
            f"Data maturity assessment begun {engagement.created_at:%B %Y}",
            utcnow(),
            src.prepared_by or "DM3 Assistant",
            src.page_size,
        ),
        generated_at=utcnow(),
        rubric_version=src.rubric.version,
        horizon=src.horizon,
        k=src.k,
        summary=narrative.empty_summary(),
        method=[],
        participation=participation(src),
        components=components,
        readiness=readiness,
        phases=phases,
        beyond=beyond,
        beyond_reason=narrative.beyond_reason(src, len(beyond)),
        removed=[(i.title, i.removed_reason) for i in src.items if i.status == "removed"],
        roadmap_notes=narrative.roadmap_notes(src, components),
        advice=narrative.advice(src, len(beyond)),
        evidence=book.appendix({c.id: c.name for c in src.rubric.components}),
        profile=profile_figure(components, src.rubric, engagement.organisation),
        timeline=timeline_figure(src.items, src.rubric, src.horizon, engagement.organisation),
        dataflow=src.dataflow,
    )
    report.summary = narrative.summary(report, src, findings)
    if writer is not None:
        reworded = writer.reword(report.summary, summary_facts(src, report), src.engagement.organisation)
        report.summary, report.summary_note = reworded.summary, reworded.note
    report.method = narrative.method(report, src.current_proposals, k=src.k)
    report.data = tables.tables(src, report)
    return report


def summary_facts(src: Sources, report: Report) -> Facts:
    """What the offline executive summary of ``report`` states, for checking a rewording of it."""
    levels = {lvl.level: lvl.name for lvl in src.rubric.levels}
    return facts_of(report.summary, level_names=levels, groups=list(src.engagement.departments))


# --- participation ---------------------------------------------------------------------------


def _groups(table: DisclosedTable, order: list[str], *, k: int) -> list[GroupRow]:
    rank = {g: n for n, g in enumerate(order)}
    return [
        GroupRow(
            g,
            cells["roster"].value or None,  # no roster given for the group: "–"
            cells["took_part"].text(k) if cells["took_part"].hidden else cells["took_part"].value,
        )
        for g, cells in sorted(table.rows.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))
    ]


def participation(src: Sources) -> Participation:
    """People with evidence who have not withdrawn, per department and role level beside the roster,
    from the engagement's ``group_tables`` (the disclosure rule: groups under k pooled and never listed,
    the same figures hidden as on the progress table and the equity audit; a hidden figure reads
    "fewer than k" or, where it only protects another, "not shown")."""
    total = src.groups["department"].totals["took_part"]
    return Participation(
        total.text(src.k) if total.hidden else total.value,
        _groups(src.groups["department"], src.engagement.departments, k=src.k),
        _groups(src.groups["role_level"], src.engagement.role_levels, k=src.k),
    )


# --- components ------------------------------------------------------------------------------


def top_themes(src: Sources, component: str) -> list[tuple[Theme, set[int], list[int]]]:
    """The component's largest themes (people, then id): (theme, its people, its segments best first)."""
    ranked = []
    for theme in src.themes:
        if theme.component != component or theme.is_other or not src.members.get(theme.id):
            continue
        order = list(theme.quote_ids) + [sid for _, sid in sorted(src.members[theme.id], key=lambda m: (-m[0], m[1]))]
        ranked.append((theme, src.people_of(theme.id), order))
    ranked.sort(key=lambda t: (-len(t[1]), t[0].id))
    return ranked[:TOP_THEMES]


def rationale_of(src: Sources, component: str) -> str:
    """The decided level's rationale (the consultant's, else the accepted proposal's), or why there is none."""
    decision = src.decisions.get(component)
    if decision is None:
        return "Awaiting review: no level has been decided for this component."
    if decision.final_level is None:
        return "The proposed level was rejected; no level has been decided yet."
    proposal = src.current_proposals.get(component)
    if decision.action == "accept" and not decision.rationale:
        return proposal.rationale if proposal and proposal.id == decision.proposal_id else ""
    return decision.rationale


def _indicators_cited(src: Sources, component: str) -> dict[str, str]:
    """{ref: indicator name} for the citations of the component's current proposal."""
    proposal = src.current_proposals.get(component)
    comp = src.rubric.component(component)
    names = {i.id: i.name for i in comp.indicators}
    out: dict[str, str] = {}
    for ind in proposal.indicators if proposal else []:
        for c in ind.get("citations", []):
            out.setdefault(str(c.get("segment_id", "")), names.get(ind.get("indicator_id", ""), ""))
    return out


def component_section(src: Sources, book: QuoteBook, component: str, themes: list) -> ComponentSection:
    comp = src.rubric.component(component)
    decision = src.decisions.get(component)
    level = decision.final_level if decision else None
    rationale = narrative.say_once(clean(src, rationale_of(src, component)))
    rationale = book.cite_in_text(rationale, component, _indicators_cited(src, component))
    section = f"the findings on {comp.name}"
    sections = [
        ThemeSection(
            clean(src, theme.label),
            clean(src, theme.summary),
            len(people),
            book.pick(order, section, n=QUOTES_PER_THEME, component=component),
        )
        for theme, people, order in themes
    ]
    return ComponentSection(
        comp.id,
        comp.name,
        comp.description,
        level,
        src.rubric.level_name(level) if level else "awaiting review",
        src.targets[comp.id].target,
        decision.action if decision else "",
        rationale,
        sections,
    )


# --- readiness -------------------------------------------------------------------------------


def _topic(kind: ReadinessKind) -> str:
    return f"{kind.name}: {kind.question}"


def _signal_quotes(src: Sources, book: QuoteBook, signal: ReadinessSignal, embedder: Encoder | None) -> list[Quote]:
    """Up to two quotes that speak to ``signal`` (and to no other signal more), not printed before."""
    kinds = {k.id: k for k in src.rubric.readiness}
    if signal.kind not in kinds:
        return []
    segs = signal.evidence.get("segments", {})
    ids = [sid for sid in segs.get("for", []) + segs.get("against", []) if book.quotable(sid)]
    texts = [src.evidence[sid].segment.text for sid in ids]
    rivals = [_topic(k) for k in kinds.values() if k.id != signal.kind]
    keep = related(embedder, _topic(kinds[signal.kind]), texts, rivals=rivals)
    return book.pick(
        [sid for sid, ok in zip(ids, keep, strict=True) if ok], "the readiness section", n=READINESS_QUOTES
    )


def readiness_rows(src: Sources, book: QuoteBook, embedder: Encoder | None) -> list[ReadinessRow]:
    kinds = {k.id: k for k in src.rubric.readiness}
    return [
        ReadinessRow(
            kinds[signal.kind].name if signal.kind in kinds else signal.kind,
            readiness_mod.effective(signal),
            signal.value is not None,
            signal.derived,
            signal.evidence.get("basis", ""),
            src.names.scrub(signal.note),
            _signal_quotes(src, book, signal, embedder),
        )
        for signal in src.signals
    ]


# --- roadmap ---------------------------------------------------------------------------------


def _step(item: RoadmapItem) -> str:
    if item.origin == "custom":
        return "custom"
    return f"{item.from_level} → {item.from_level + 1}" if item.from_level else ""


def roadmap_phases(src: Sources) -> tuple[list[PhaseSection], list[RoadmapRow]]:
    """The planned activities by phase inside the horizon, and those beyond it."""
    phase_defs = phases_for(src.horizon)
    titles = {i.key: i.title for i in src.items}
    comp_names = {c.id: c.name for c in src.rubric.components}
    phases = [PhaseSection(p.label) for p in phase_defs[:-1]]
    beyond: list[RoadmapRow] = []
    for item in src.items:
        if item.status != "planned":
            continue
        row = RoadmapRow(
            item.key,
            item.title,
            item.description,
            comp_names.get(item.component, item.component),
            _step(item),
            item.owner,
            [titles.get(d, d) for d in item.depends_on],
            src.names.scrub(narrative.why_text(item.why, titles)),
        )
        (beyond if item.phase >= len(phases) else phases[item.phase].rows).append(row)
    return phases, beyond
