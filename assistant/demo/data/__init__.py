"""Data files for the demo engagements: ``answers.yaml`` (what the demo city's staff say) and ``vectors.npz``
(their texts' embeddings, precomputed: see ``assistant/demo/vectors.py``)."""
