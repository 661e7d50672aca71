"""The demo (layer 5, ``dm3 demo``): ``seed`` (account, engagement in progress, links), ``city``
(departments and roster), ``answers`` (what the staff say, from ``data/answers.yaml``),
``interviews`` (taken through the real interview engine), ``completed`` (a finished engagement) and
``vectors`` (the precomputed embeddings in ``data/vectors.npz``)."""
