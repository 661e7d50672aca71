"""The roadmap stage: targets and horizon, readiness signals, sequencing of rubric activities from
decided levels, and the consultant's edits (which survive re-generation)."""
