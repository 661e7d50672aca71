"""The report and every export under the engagement's small-group threshold k, not a constant: with
departments of 5 and 6 people, k = 5 shows both and k = 7 (a lead's setting) never names either (they
are pooled as "other departments", 11 people), in the web page, the method text and the JSON, CSV,
DOCX, PDF and HTML files."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from docx import Document
from pypdf import PdfReader

from assistant.report.export import export_bytes
from assistant.web.app import create_app
from tests.factories import logged_in_client, make_consultant, make_engagement, seed_groups, set_min_cell


@pytest.fixture
def consultant_client(settings, engine, session):
    app = create_app(settings)
    make_consultant(session)
    yield logged_in_client(app)
    app.state.jobs.shutdown()


def _participation_json(data: bytes) -> dict[str, object]:
    rows = json.loads(data)["participation"]
    return {r["group"]: r["took_part"] for r in rows if r["by"] == "department"}


def _participation_csv(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        name = next(n for n in z.namelist() if "participation" in n)
        rows = csv.DictReader(io.StringIO(z.read(name).decode("utf-8-sig")))
        return {r["group"]: r["took_part"] for r in rows if r["by"] == "department"}


def _participation_docx(data: bytes) -> dict[str, str]:
    table = Document(io.BytesIO(data)).tables[0]  # people who took part, by department
    return {r.cells[0].text: r.cells[2].text for r in table.rows[1:]}


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _exports(session, engagement, rubric) -> dict[str, bytes]:
    return {fmt: export_bytes(session, engagement, rubric, fmt) for fmt in ("json", "csv", "docx", "pdf", "html")}


def test_report_and_exports_hide_groups_of_5_and_6_when_the_lead_set_k_to_7(consultant_client, session, rubric):
    engagement = make_engagement(session)
    seed_groups(session, engagement, {"Finance": 5, "Parks": 6})

    files = _exports(session, engagement, rubric)  # k = 5, the default
    assert _participation_json(files["json"]) == {"Finance": 5, "Parks": 6}
    assert _participation_csv(files["csv"]) == {"Finance": "5", "Parks": "6"}
    assert _participation_docx(files["docx"]) == {"Finance": "5", "Parks": "6"}
    pdf = _pdf_text(files["pdf"])
    assert "Groups of fewer than 5 people" in pdf and "Finance – 5\nParks – 6" in pdf

    set_min_cell(session, engagement, 7)
    page = consultant_client.get(f"/engagements/{engagement.id}/report").text
    for html in (page, export_bytes(session, engagement, rubric, "html").decode("utf-8")):
        rows = dict(re.findall(r'<tr><td>([^<]+)</td><td class="num">[^<]*</td><td class="num">([^<]*)</td>', html))
        assert rows.get("other departments") == "11" and "Finance" not in rows and "Parks" not in rows
        assert "Groups of fewer than 7 people are shown as" in html and "fewer than 5" not in html
    files = _exports(session, engagement, rubric)
    assert _participation_json(files["json"]) == {"other departments": 11}
    assert _participation_csv(files["csv"]) == {"other departments": "11"}
    assert _participation_docx(files["docx"]) == {"other departments": "11"}
    pdf = _pdf_text(files["pdf"])
    assert "Groups of fewer than 7 people" in pdf and "fewer than 5" not in pdf
    assert "Finance" not in pdf.split("Who took part")[1].split("Maturity profile")[0]
