# The two commands: `make demo` runs the product with a demo engagement; `make test` runs every test.
.PHONY: demo test bench serve

demo:
	scripts/setup.sh run
	HF_HUB_OFFLINE=1 .venv/bin/dm3 demo

test:
	scripts/test.sh

serve:
	scripts/setup.sh run
	HF_HUB_OFFLINE=1 .venv/bin/dm3 serve

bench:
	scripts/setup.sh bench
	HF_HUB_OFFLINE=1 .venv/bin/python bench/interview_load.py
	HF_HUB_OFFLINE=1 .venv/bin/python bench/theme_quality.py
	HF_HUB_OFFLINE=1 .venv/bin/python bench/synthesis_speed.py
	HF_HUB_OFFLINE=1 .venv/bin/python bench/rating_eval.py
	HF_HUB_OFFLINE=1 .venv/bin/python bench/probe_eval.py
