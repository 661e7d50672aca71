"""Rating: rubric-constrained maturity proposals per component (offline or LLM engine), validated
against the evidence they cite. See schema.py for the proposal object."""
