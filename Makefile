# The two set-up commands are `make demo` and `make test`; each builds the runtime on first use.
RUNTIME := tools/runtime
PYTEST_ARGS ?=
DEMO_ARGS ?=

.PHONY: runtime test demo bench

runtime:
	@$(RUNTIME) ensure

test: runtime
	$(RUNTIME) exec -- python -m pytest $(PYTEST_ARGS)

demo: runtime
	$(RUNTIME) exec -- keras-video demo $(DEMO_ARGS)

bench: runtime
	$(RUNTIME) exec -- python benchmarks/run_all.py
