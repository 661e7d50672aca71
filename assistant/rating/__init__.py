"""Rating: rubric-constrained maturity proposals per component (offline or LLM engine), validated
against the evidence they cite. See schema.py for the proposal object.

Themes feed the rating as evidence structure, not as a vote: each evidence item carries the theme
synthesis put it in, an indicator's citations are drawn from each theme that speaks to it at its
level (one quote per person) rather than several from one theme, and the LLM reads the evidence
grouped by theme and is asked to cite the same way. A theme never changes a level."""
