"""Record keeping over stored rows that no stage owns (layer 2): ``accounts`` (logins),
``engagements/`` (set-up, invites, open link, names kept for redaction, progress), ``teams``,
``evidence`` (which stored words count), ``imports`` (survey CSV), ``uploads`` (files kept between
form steps), ``review`` (consultant decisions), ``auditlog`` (reading the audit log) and
``duplicates`` (near-duplicate open-link answers)."""
