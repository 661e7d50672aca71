"""The staff interview: question plan (guide), next step and probes (engine), persistence (actions)."""
