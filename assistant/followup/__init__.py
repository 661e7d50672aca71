"""Sustain: roadmap progress tracking, follow-up and pulse assessments, and what changed between two."""
