"""The equity audit: whose voices are represented, at every stage of an engagement.

- ``config``: the engagement's equity settings (suppression threshold, flag ratios, optional attributes);
- ``people``: who counts (the roster, the invited, the voices behind the evidence) and how a person is attributed;
- ``participation``: participation against the roster per grouping;
- ``voice``: voice share in themes and in the evidence behind ratings;
- ``left_out``: other voices, merged themes, groups never cited;
- ``findings``: the reviewer's findings (``findings_for`` is what the report and roadmap read);
- ``audit``: the whole audit as JSON and CSV (``dm3 equity-audit``).
Every figure about a group goes through ``assistant.suppression``.
"""
