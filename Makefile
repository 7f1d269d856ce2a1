# Two commands do everything on a fresh machine with Python 3.11+, pip and make:
#   make demo   - the main job on the bundled example fleet
#   make test   - the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLEET  ?= fixtures/ghaf-laptop.yaml
OUT    ?= build/generated
REPORT ?= build/report.html

.PHONY: demo test lint docs rule-docs bench clean

# One venv, filled as far as the target needs: the demo gets the runtime dependencies only,
# `make test` adds the test extras, `make lint` the developer tools (ruff, mypy).
$(BIN)/ghafmemgen: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml $(BIN)/ghafmemgen
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(VENV)/.dev: pyproject.toml $(BIN)/ghafmemgen
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

# check and simulate exit 1 when they find something, which the bundled fleet has on purpose
# (that is what the demo shows): `|| [ $$? -eq 1 ]` accepts exactly that, and still stops on a
# usage or internal error (exit 2 or 70).
demo: $(BIN)/ghafmemgen
	@echo "== ghafmemgen check $(FLEET)"
	@echo "   (the bundled fleet has findings on purpose; exit 1 does not stop the demo)"
	@$(BIN)/ghafmemgen check $(FLEET) || [ $$? -eq 1 ]
	@echo
	@echo "== ghafmemgen plan $(FLEET)"
	@$(BIN)/ghafmemgen plan $(FLEET) 2>/dev/null
	@echo "== ghafmemgen simulate $(FLEET)  (S3 resume of the base fleet and every profile)"
	@$(BIN)/ghafmemgen simulate $(FLEET) || [ $$? -eq 1 ]
	@echo "== ghafmemgen render $(FLEET) --out $(OUT)  (warnings do not block rendering)"
	@$(BIN)/ghafmemgen render $(FLEET) --out $(OUT) 2>/dev/null
	@ls -1 $(OUT)
	@echo "== ghafmemgen report $(FLEET) -o $(REPORT)"
	@$(BIN)/ghafmemgen report $(FLEET) -o $(REPORT)
	@echo
	@echo "Done. Run the tool from this checkout as $(BIN)/ghafmemgen (or add $(BIN) to PATH)."

test: $(VENV)/.test
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict ghafmemgen
	$(BIN)/lint-imports

# The manual: --strict (set in mkdocs.yml) fails on a broken link or anchor and on a page
# missing from the nav. The site goes to build/site.
$(VENV)/.docs: pyproject.toml $(BIN)/ghafmemgen
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $@

# The rule pages of the manual, generated from the rule registry (a test fails when stale).
rule-docs: $(BIN)/ghafmemgen
	$(BIN)/python tools/rule_docs.py

docs: $(VENV)/.docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

bench: $(VENV)/.test
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis
