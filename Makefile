# The two set-up commands are `make demo` and `make test`; each builds the runtime on first use.
RUNTIME := tools/runtime
PYTEST_ARGS ?=
DEMO_ARGS ?=
# `make demo DATA=DIR`: run the demo on a dataset root (e.g. ../shared/data/real) instead of the generated one.
DATA ?=

.PHONY: runtime test demo bench

runtime:
	@$(RUNTIME) ensure

test: runtime
	$(RUNTIME) exec -- python -m pytest $(PYTEST_ARGS)

demo: runtime
	$(RUNTIME) exec -- keras-video demo $(if $(DATA),--data $(DATA)) $(DEMO_ARGS)

bench: runtime
	$(RUNTIME) exec -- python benchmarks/run_all.py
