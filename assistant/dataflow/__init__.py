"""The data-flow map stage: which systems staff name (the catalogue), how data moves between systems and
departments, and where it stalls. ``catalogue`` groups mentions into canonical systems."""
