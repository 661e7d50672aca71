"""The engine seam: the one place that decides, for a run, which engine writes probes, theme labels
and rating proposals, and binds redaction into every LLM-backed one.

``engines_for(settings, db_engine, rubric, engagement)`` returns an ``Engines`` whose ``prober``
(interview follow-ups), ``labeller`` (theme label and summary), ``rater`` (rating proposals) and
``summary_writer`` (the report's executive summary reworded) are all offline or all LLM-backed,
and whose ``name`` is what the UI shows. Stages and routes take their engines from here and never
read ``settings.llm_enabled`` themselves. Rules:

- The LLM is used when one is configured (``DM3_LLM_BASE_URL`` and ``DM3_LLM_MODEL``) and the
  engagement has not switched it off (its ``llm_enabled`` setting is False); otherwise
  every engine is offline. ``choice`` ("auto", "offline", "llm") is the CLI's ``--engine``: "llm"
  is refused with ``EngineError`` (never quietly swapped) when no LLM is configured or the
  engagement switched it off.
- The LLM client is built with a ``Scrubber`` holding the engagement's people's names (the
  roster names consultants enter, invitees' names, names read from invitees' email addresses),
  so every message that leaves is redacted without a stage passing anything per call; the
  named-entity model also reads the staff-data blocks, so a name nobody listed does not leave either.
- Engines are built on first use: a page that only needs a probe never loads the embedding model,
  and nothing touches the database when no LLM is configured (the interview's hot path).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.config import Settings
from assistant.embeddings import Embedder, get_embedder
from assistant.interview.probes import LLMProber, OfflineProber, Prober
from assistant.llm.client import LLMClient
from assistant.models import Engagement
from assistant.privacy import NAME, Scrubber
from assistant.rating.offline import OfflineRater
from assistant.rating.propose import LLMRater
from assistant.records.engagements import llm_switched_off, people_names
from assistant.report.reword import SummaryWriter
from assistant.rubric import Rubric, get_rubric
from assistant.synthesis.label import LLMLabeller

EngineChoice = Literal["auto", "offline", "llm"]
CHOICES: tuple[str, ...] = ("auto", "offline", "llm")
OFFLINE = "offline"


class EngineError(ValueError):
    """The engine asked for cannot be used; the message says what to change."""


def uses_llm(settings: Settings, engagement: Engagement | None, choice: str = "auto") -> bool:
    """Whether a run for ``engagement`` (None: no engagement, e.g. a file) uses the LLM.

    Rules enforced: "offline" never does; "auto" does when an LLM is configured and the engagement
    has not switched it off; "llm" does or raises ``EngineError`` saying why it cannot.
    """
    if choice not in CHOICES:
        raise EngineError(f"unknown engine {choice!r}: use auto, offline or llm")
    if choice == "offline":
        return False
    switched_off = engagement is not None and llm_switched_off(engagement)
    if choice == "llm":
        if not settings.llm_enabled:
            raise EngineError(
                "the LLM engine was asked for but none is configured: set DM3_LLM_BASE_URL and DM3_LLM_MODEL"
            )
        if switched_off:
            raise EngineError(
                "the LLM is switched off for this engagement; a consultant can switch it "
                "on on the engagement page, or use the offline engine"
            )
        return True
    return settings.llm_enabled and not switched_off


def engine_name(settings: Settings, engagement: Engagement | None) -> str:
    """What the UI shows as the engine in use for ``engagement``: the model name, or "offline"."""
    return str(settings.llm_model) if uses_llm(settings, engagement) else OFFLINE


class Engines:
    """The engines of one run; each is built on first use (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        db_engine: Engine | None,
        rubric: Rubric | None,
        engagement: Engagement | None,
        llm: bool,
        embedder: Embedder | None = None,
        names: Iterable[str] = (),
        llm_max_tokens: int = 900,
    ) -> None:
        self.settings = settings
        self.uses_llm = llm
        self.name = str(settings.llm_model) if llm else OFFLINE
        self._db_engine = db_engine
        self._rubric = rubric
        self._engagement = engagement
        self._embedder = embedder
        self._names = list(names)
        self._llm_max_tokens = llm_max_tokens

    @property
    def engagement_id(self) -> int | None:
        return self._engagement.id if self._engagement is not None else None

    @cached_property
    def rubric(self) -> Rubric:
        return self._rubric or get_rubric(str(self.settings.rubric_path))

    @cached_property
    def redactor(self) -> Scrubber:
        """Emails, phones, addresses and every name this engagement knows (plus any given)."""
        names = list(self._names)
        if self._engagement is not None and self._engagement.id is not None:
            with Session(self._database()) as session:
                names += people_names(session, self._engagement)
        return Scrubber(names, placeholder=NAME)

    @cached_property
    def llm(self) -> LLMClient | None:
        """The LLM client (redaction bound in), or None for the offline engines."""
        if not self.uses_llm:
            return None
        return LLMClient(self.settings, self._database(), redactor=self.redactor)

    @cached_property
    def prober(self) -> Prober:
        """Interview follow-up probes: the LLM (offline probe on its failure) or the rubric's own."""
        if self.llm is None:
            return OfflineProber(self.rubric)
        return LLMProber(self.llm, self.rubric, self.engagement_id)

    @cached_property
    def labeller(self) -> LLMLabeller | None:
        """Theme labels by the LLM, or None: the offline keyword labels and summaries stay."""
        if self.llm is None:
            return None
        return LLMLabeller(self.llm, self.engagement_id)

    @cached_property
    def rater(self) -> LLMRater | OfflineRater:
        """Rating proposals: the LLM engine, or the offline engine (which needs the embedder)."""
        if self.llm is None:
            embedder = self._embedder or get_embedder(self.settings.embedding_model, self.settings.embedding_batch_size)
            return OfflineRater(self.rubric, embedder)
        return LLMRater(self.llm, self.rubric, engagement_id=self.engagement_id, max_tokens=self._llm_max_tokens)

    @cached_property
    def summary_writer(self) -> SummaryWriter | None:
        """The executive summary's rewording by the LLM (checked against the offline text), or None:
        the offline summary stays as written."""
        if self.llm is None:
            return None
        return SummaryWriter(self.llm, self.engagement_id)

    def _database(self) -> Engine:
        # A caller outside the web app (``dm3 rate-evidence``) may have no engine: the LLM log
        # still needs the configured database.
        if self._db_engine is None:
            from assistant.db import make_engine, migrate

            migrate(self.settings.database_url)
            self._db_engine = make_engine(self.settings.database_url)
        return self._db_engine


def engines_for(
    settings: Settings,
    db_engine: Engine | None,
    rubric: Rubric | None,
    engagement: Engagement | int | None,
    *,
    choice: str = "auto",
    embedder: Embedder | None = None,
    names: Iterable[str] = (),
    llm_max_tokens: int = 900,
) -> Engines:
    """The engines for one run over ``engagement`` (a row, its id, or None for input outside any).

    ``names`` adds people to redact beyond the engagement's own (a rating file's ``names``).
    Raises ``EngineError`` for an unknown ``choice``, an engagement id that does not exist, or
    "llm" that cannot be honoured (rules in the module docstring).
    """
    if choice not in CHOICES:
        raise EngineError(f"unknown engine {choice!r}: use auto, offline or llm")
    if isinstance(engagement, int):
        if choice == "offline" or (choice == "auto" and not settings.llm_enabled):
            # nothing to read: the offline engines need no engagement (the interview's hot path)
            return Engines(settings, db_engine, rubric, None, False, embedder, names, llm_max_tokens)
        if db_engine is None:
            raise EngineError("an engagement id needs the database engine to read the engagement")
        with Session(db_engine, expire_on_commit=False) as session:
            row = session.get(Engagement, engagement)
        if row is None:
            raise EngineError(f"no engagement with id {engagement}")
        engagement = row
    llm = uses_llm(settings, engagement, choice)
    return Engines(settings, db_engine, rubric, engagement, llm, embedder, names, llm_max_tokens)
