# Two commands do everything on a fresh machine with Python 3.11+, pip and make:
#   make demo   - the main job on the bundled example fleet
#   make test   - the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLEET  ?= fixtures/ghaf-laptop.yaml
OUT    ?= build/generated

.PHONY: demo test lint docs bench clean

$(BIN)/ghafmemgen: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

demo: $(BIN)/ghafmemgen
	@echo "== ghafmemgen check $(FLEET)  (findings are shown; they do not fail the demo)"
	-$(BIN)/ghafmemgen check $(FLEET)
	@echo
	@echo "== ghafmemgen plan $(FLEET)"
	$(BIN)/ghafmemgen plan $(FLEET) 2>/dev/null
	@echo "== ghafmemgen simulate $(FLEET)  (S3 resume of the base fleet)"
	$(BIN)/ghafmemgen simulate $(FLEET)
	@echo "== ghafmemgen render $(FLEET) --out $(OUT)  (warnings do not block rendering)"
	$(BIN)/ghafmemgen render $(FLEET) --out $(OUT) 2>/dev/null
	@ls -1 $(OUT)
	@echo "== ghafmemgen report $(FLEET) -o build/report.html"
	$(BIN)/ghafmemgen report $(FLEET) -o build/report.html

test: $(BIN)/ghafmemgen
	$(BIN)/python -m pytest

lint: $(BIN)/ghafmemgen
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict ghafmemgen

# The manual: --strict (set in mkdocs.yml) fails on a broken link or anchor and on a page
# missing from the nav. The site goes to build/site.
$(VENV)/.docs: pyproject.toml $(BIN)/ghafmemgen
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $@

docs: $(VENV)/.docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

bench: $(BIN)/ghafmemgen
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis
