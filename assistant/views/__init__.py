"""Page data: what each web page shows, read from the stored rows.

One module per router (``engagement``, ``review``, ``staff``, ``themes``, ``runs``, ``audit``,
``roadmap``, ``report``) plus ``lookup``
for the rows a URL names. Functions here read and shape data; they never write, render or know
about HTTP, so the routes in ``assistant/web/routes/`` stay parse-call-render and hold no SQL.
"""
