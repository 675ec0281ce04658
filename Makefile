# The two set-up commands are `make demo` and `make test`; each builds the runtime on first use.
RUNTIME := tools/runtime
PYTEST_ARGS ?=
# Test files spread over one worker per core (pytest-xdist); a file's tests share one worker, so its
# module fixtures (a trained model, a pipeline run) are built once.
PYTEST_WORKERS ?= auto
DEMO_ARGS ?=
# `make demo DATA=DIR`: run the demo on a dataset root (e.g. ../shared/data/real) instead of the generated one.
DATA ?=

.PHONY: runtime test demo bench

runtime:
	@$(RUNTIME) ensure

test: runtime
	$(RUNTIME) exec -- python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

demo: runtime
	$(RUNTIME) exec -- keras-video demo $(if $(DATA),--data $(DATA)) $(DEMO_ARGS)

bench: runtime
	$(RUNTIME) exec -- python benchmarks/run_all.py
