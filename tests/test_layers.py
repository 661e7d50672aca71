"""What may import what inside ``assistant/``, checked on the source with ``ast``.

The layers, lowest first (a module may import its own layer's modules and those below it):

1. shared parts below the stages (settings, schema, rubric, the LLM port ``llm/`` with its prompts,
   reply checks and call-log reader, embeddings, sentences, CSV reading, the run lifecycle, ...):
   they import nothing above them;
2. ``records/``: record keeping over stored rows that no stage owns (accounts, engagements, teams,
   evidence, imports, review, uploads kept between form steps, the audit log reader, duplicates);
3. the stages ``interview/``, ``synthesis/``, ``rating/``, ``roadmap/``: each may use layers 1-2 and
   itself, never another stage; a stage is handed its engines (prober, labeller, rater), it never picks them;
4. above the stages: ``engines.py`` (the seam that builds each stage's engines for an engagement),
   ``background.py`` (the work behind each kind of queued run), ``views/`` (page data read across
   stages), ``report/`` and ``equity/``;
5. the web and the entry points (``web/``: the app, the shell, forms, access, middleware and
   ``web/routes/``; ``cli/``, every ``dm3`` command; ``demo/``): they may import anything below.

Imports inside functions count too (a lazy import is still a dependency). A new module must be
placed in a layer here; that is the moment to decide where it belongs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import assistant

ROOT = Path(assistant.__file__).resolve().parent

SHARED = {
    "config",
    "db",
    "models",
    "migrations",
    "rubric",
    "privacy",
    "llm",
    "security",
    "embeddings",
    "sentences",
    "screening",
    "csvfile",
    "jobs",
    "charts",
    "suppression",
    "throttle",
    "phrases",
}
RECORDS = {"records"}
STAGES = {"interview", "synthesis", "rating", "roadmap", "dataflow", "followup"}
ABOVE_STAGES = {"engines", "views", "report", "equity", "background", "stability"}
WEB = {"web", "cli", "demo"}
LAYER = {
    **{u: 1 for u in SHARED},
    **{u: 2 for u in RECORDS},
    **{u: 3 for u in STAGES},
    **{u: 4 for u in ABOVE_STAGES},
    **{u: 5 for u in WEB},
}


def unit_of(module: str) -> str | None:
    """The unit (top-level module or package under ``assistant``) that ``module`` belongs to."""
    parts = module.split(".")
    if parts[0] != "assistant":
        return None
    return parts[1] if len(parts) > 1 else ""


def imports_of(source: str, package: str) -> list[tuple[int, str]]:
    """(line, module) of every ``assistant`` import in ``source`` (a module of ``package``), relative
    ones resolved, at any depth (imports inside functions included)."""
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # "from assistant import synthesis" names a unit too
            names = [f"{module}.{a.name}" for a in node.names] if module == "assistant" or not node.module else [module]
            found.extend((node.lineno, name) for name in names)
    return [(line, m) for line, m in found if m == "assistant" or m.startswith("assistant.")]


def edges() -> list[tuple[str, str, str]]:
    """(importing unit, imported unit, "file:line") for every import between two units."""
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        own = rel.parts[0].removesuffix(".py")
        if own == "__init__":
            continue
        package = ".".join(("assistant",) + rel.parts[:-1])
        for line, module in imports_of(path.read_text(encoding="utf-8"), package):
            other = unit_of(module)
            if other and other != own:
                out.append((own, other, f"assistant/{rel}:{line}"))
    return out


def test_every_unit_has_a_layer():
    units = {
        p.name.removesuffix(".py")
        for p in ROOT.iterdir()
        if p.name != "__init__.py" and (p.suffix == ".py" or (p.is_dir() and any(p.glob("*.py"))))
    }
    unplaced = sorted(units - set(LAYER))
    assert not unplaced, f"place these modules in a layer in {__file__}: {unplaced}"


def test_no_unit_imports_one_above_it_or_a_sibling_stage():
    wrong = []
    for own, other, where in edges():
        if other not in LAYER or own not in LAYER:
            continue  # reported by test_every_unit_has_a_layer
        if LAYER[other] > LAYER[own]:
            wrong.append(f"{where}: {own} (layer {LAYER[own]}) imports {other} (layer {LAYER[other]})")
        elif own in STAGES and other in STAGES:
            wrong.append(f"{where}: stage {own} imports stage {other}; move what both need below the stages")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_import_loop_between_units():
    graph: dict[str, set[str]] = {}
    for own, other, _ in edges():
        graph.setdefault(own, set()).add(other)

    def path_between(start: str, goal: str) -> list[str] | None:
        seen, frontier = {start}, [[start]]
        while frontier:
            path = frontier.pop()
            if path[-1] == goal:
                return path
            for nxt in sorted(graph.get(path[-1], ())):
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(path + [nxt])
        return None

    loops = sorted(
        {
            " -> ".join([own] + back)
            for own, others in graph.items()
            for other in others
            if (back := path_between(other, own)) is not None
        }
    )
    assert not loops, "import loops between modules/folders of assistant/:\n" + "\n".join(loops)


def test_the_checker_sees_imports_of_every_form():
    """The rules above are only worth something if the walker finds imports of every form."""
    source = (
        "from assistant import synthesis\nimport assistant.rating.run\nfrom . import views\n"
        "def f():\n    from assistant.interview.engine import x\n"
    )
    found = {m for _, m in imports_of(source, "assistant.web.routes")}
    assert found == {
        "assistant.synthesis",
        "assistant.rating.run",
        "assistant.web.routes.views",
        "assistant.interview.engine",
    }


def test_no_migration_imports_the_application():
    """A migration writes the same thing whenever it runs: it carries the shapes it needs (a live
    model it imported would change what an old migration writes when a field is added)."""
    versions = ROOT / "migrations" / "versions"
    found = {
        f"{path.name}:{line} {module}"
        for path in sorted(versions.glob("*.py"))
        for line, module in imports_of(path.read_text(encoding="utf-8"), "assistant.migrations.versions")
        if module == "assistant" or module.startswith("assistant.")
    }
    assert not found, found
    assert len(list(versions.glob("*.py"))) >= 12  # the check read the migrations
