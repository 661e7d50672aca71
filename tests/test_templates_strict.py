"""Templates fail on a name their context lacks while the tests run (``StrictUndefined``), so a
mistyped key fails a test instead of rendering blank; in production (the default) the name renders
blank and is logged, so a page still shows."""

from __future__ import annotations

import logging

import pytest
from jinja2 import StrictUndefined, UndefinedError

from assistant.config import Settings
from assistant.report.render import TEMPLATES as report_templates
from assistant.web.shell import templates, use_strict_templates


def test_the_tests_render_strictly_and_production_leniently_with_a_log(caplog):
    assert templates.env.undefined is StrictUndefined and report_templates.undefined is StrictUndefined
    with pytest.raises(UndefinedError, match="mesage"):
        templates.env.from_string("{% if mesage %}{{ mesage }}{% endif %}").render(message="saved")
    assert Settings(_env_file=None, strict_templates=False).strict_templates is False
    try:
        use_strict_templates(False)
        with caplog.at_level(logging.WARNING, logger="dm3.templates"):
            assert templates.env.from_string("[{{ mesage }}]").render(message="saved") == "[]"
        assert "mesage" in caplog.text
    finally:
        use_strict_templates(True)
    assert templates.env.undefined is StrictUndefined
