"""Who may use each route: one table, checked against every route of the app by
tests/routes/test_access.py (a route missing from the table fails that test).

The rule itself is enforced in ``assistant/web/routes/deps.py`` (engagement pages) and by the
personal link in a staff route's path; this table states the intended outcome per audience:

- ``anyone``: no login (home, login, set-password with its one-time token, health check);
- ``link``: whoever holds the personal link or open link in the path (staff): anything else is a 404;
- ``account``: any logged-in account (consultant or equity reviewer);
- ``consultant_account``: a logged-in consultant account, member of nothing in particular (creating an engagement);
- ``consultant``: the engagement's lead or consultant members;
- ``lead``: the engagement's lead;
- ``reviewer``: the engagement's equity reviewers;
- ``tracker``: the engagement's lead, consultants and city contacts (roadmap progress and the
  progress report; what a contact may change is the records' rule: the items they own).
A city contact (the organisation's own person, added by the lead) is refused (403) every other
engagement page: no transcripts, themes, reviews or staff quotes beyond the progress report's.
For the last four, a logged-in non-member gets 404 (as if the engagement did not exist) and a
member in another role 403; not logged in, the login page.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.routing import APIRoute

AUDIENCES = ("anyone", "link", "account", "consultant_account", "consultant", "lead", "reviewer", "tracker")

E = "/engagements/{engagement_id}"
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "anyone",
    ("GET", "/"): "anyone",
    ("GET", "/login"): "anyone",
    ("POST", "/login"): "anyone",
    ("POST", "/logout"): "anyone",
    ("GET", "/set-password/{token}"): "anyone",
    ("POST", "/set-password/{token}"): "anyone",
    # staff: the personal link is the key; they reach their own interview only
    ("GET", "/i/{token}"): "link",
    ("POST", "/i/{token}/consent"): "link",
    ("POST", "/i/{token}/respond"): "link",
    ("GET", "/i/{token}/edit/{turn_id}"): "link",
    ("POST", "/i/{token}/edit/{turn_id}"): "link",
    ("GET", "/i/{token}/review"): "link",
    ("POST", "/i/{token}/submit"): "link",
    ("GET", "/i/{token}/pause"): "link",
    ("GET", "/i/{token}/withdraw"): "link",
    ("POST", "/i/{token}/withdraw"): "link",
    ("POST", "/i/{token}/quotes"): "link",
    ("GET", "/i/{token}/flows"): "link",
    ("POST", "/i/{token}/flows"): "link",
    ("POST", "/i/{token}/flows/{flow_id}/delete"): "link",
    ("GET", "/join/{open_token}"): "link",
    ("POST", "/join/{open_token}"): "link",
    # accounts
    ("GET", "/engagements"): "account",
    ("GET", "/engagements/new"): "consultant_account",
    ("POST", "/engagements"): "consultant_account",
    # consultants of the engagement
    ("GET", E): "consultant",
    ("GET", E + "/progress"): "consultant",
    ("POST", E + "/roster"): "consultant",
    ("POST", E + "/invites"): "consultant",
    ("POST", E + "/invites/import"): "consultant",
    ("POST", E + "/open-link"): "consultant",
    ("POST", E + "/participants/check"): "consultant",
    ("POST", E + "/participants/{label}/accept"): "consultant",
    ("GET", E + "/transcripts/{label}"): "consultant",
    ("GET", E + "/runs/{kind}"): "consultant",
    ("GET", E + "/themes"): "consultant",
    ("POST", E + "/themes/run"): "consultant",
    ("GET", E + "/themes/c/{component_id}"): "consultant",
    ("GET", E + "/themes/t/{theme_id}"): "consultant",
    ("POST", E + "/themes/t/{theme_id}/rename"): "consultant",
    ("POST", E + "/themes/t/{theme_id}/summary"): "consultant",
    ("POST", E + "/themes/t/{theme_id}/merge"): "consultant",
    ("POST", E + "/themes/t/{theme_id}/split"): "consultant",
    ("POST", E + "/themes/t/{theme_id}/move"): "consultant",
    ("GET", E + "/themes/import"): "consultant",
    ("POST", E + "/themes/import"): "consultant",
    ("POST", E + "/themes/import/confirm"): "consultant",
    ("GET", E + "/review"): "consultant",
    ("POST", E + "/review/rate"): "consultant",
    ("POST", E + "/review/targets"): "consultant",
    ("GET", E + "/review/{component_id}"): "consultant",
    ("POST", E + "/review/{component_id}/decide"): "consultant",
    ("GET", E + "/team"): "consultant",
    ("POST", E + "/llm"): "consultant",
    ("POST", E + "/roster-names"): "consultant",
    ("GET", E + "/roadmap"): "consultant",
    ("POST", E + "/roadmap/targets"): "consultant",
    ("POST", E + "/roadmap/readiness/{kind}"): "consultant",
    ("POST", E + "/roadmap/generate"): "consultant",
    ("POST", E + "/roadmap/custom"): "consultant",
    ("POST", E + "/roadmap/items/{item_id}/move"): "consultant",
    ("POST", E + "/roadmap/items/{item_id}/owner"): "consultant",
    ("POST", E + "/roadmap/items/{item_id}/remove"): "consultant",
    ("POST", E + "/roadmap/items/{item_id}/restore"): "consultant",
    ("GET", E + "/report"): "consultant",
    ("POST", E + "/report/export"): "consultant",
    ("POST", E + "/report/page-size"): "consultant",
    ("GET", E + "/report/exports/{run_id}"): "consultant",
    ("GET", E + "/audit"): "consultant",
    ("GET", E + "/audit.csv"): "consultant",
    # the lead
    ("POST", E + "/team/members"): "lead",
    ("POST", E + "/team/members/{user_id}/remove"): "lead",
    ("POST", E + "/team/equity-settings"): "lead",
    ("POST", E + "/team/open-link-limit"): "lead",
    # the data-flow map
    ("GET", E + "/dataflow"): "consultant",
    ("GET", E + "/dataflow/map.svg"): "consultant",
    ("GET", E + "/dataflow/catalogue"): "consultant",
    ("POST", E + "/dataflow/catalogue/merge"): "consultant",
    ("POST", E + "/dataflow/catalogue/split"): "consultant",
    ("POST", E + "/dataflow/catalogue/rename"): "consultant",
    ("POST", E + "/dataflow/run"): "consultant",
    ("POST", E + "/dataflow/catalogue/owner"): "consultant",
    ("GET", E + "/dataflow/bottlenecks"): "consultant",
    ("GET", E + "/dataflow/export/{name}"): "consultant",
    # equity reviewers
    ("GET", E + "/equity/dataflow"): "reviewer",
    ("GET", E + "/equity/dataflow/map.svg"): "reviewer",
    ("GET", E + "/equity"): "reviewer",
    ("GET", E + "/equity/themes"): "reviewer",
    ("GET", E + "/equity/ratings"): "reviewer",
    ("GET", E + "/equity/left-out"): "reviewer",
    ("POST", E + "/equity/findings"): "reviewer",
    ("POST", E + "/equity/findings/{finding_id}/withdraw"): "reviewer",
    ("GET", E + "/equity/audit.json"): "reviewer",
    ("GET", E + "/equity/audit.csv"): "reviewer",
    ("GET", E + "/equity/over-time"): "reviewer",
    # following the organisation (issue 32): progress for consultants and the city contact
    ("GET", E + "/progress-tracking"): "tracker",
    ("POST", E + "/roadmap/items/{item_id}/status"): "tracker",
    ("POST", E + "/roadmap/items/{item_id}/notes"): "tracker",
    ("POST", E + "/roadmap/items/{item_id}/assign"): "consultant",
    ("GET", E + "/progress-report"): "tracker",
    ("GET", E + "/progress-report.{fmt}"): "tracker",
    ("POST", E + "/follow-up"): "lead",
    ("GET", E + "/compare/{other_id}"): "consultant",
    ("POST", E + "/compare/{other_id}/matches"): "consultant",
    ("POST", E + "/compare/{other_id}/noise"): "consultant",
}


def app_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every HTTP route the app serves (static files aside), routers included."""

    def walk(routes: list, prefix: str) -> Iterator[tuple[str, str]]:
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:  # FastAPI keeps an included router as one entry
                yield from walk(included.routes, prefix + getattr(route.include_context, "prefix", ""))
            elif isinstance(route, APIRoute):
                for method in sorted(route.methods - {"HEAD"}):
                    yield method, prefix + route.path

    yield from walk(app.routes, "")
