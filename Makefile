# Two entry points: `make qa` (the main job) and `make test` (the project's own tests).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: qa test install browser generate check golden clean bench bench-quick

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[parallel]'
	touch $(STAMP)

install: $(STAMP)

## Main job: generate the suite from specs/, run it on the built-in fakes, write reports/
## (report.html, junit.xml, checklist/index.html; every artifact is scanned for secrets).
qa: install
	$(BIN)/dataflow-qa generate
	$(BIN)/python -m pytest generated_tests -p no:cacheprovider

## The project's own tests; the drift gate first (generated_tests/ must match specs/).
test: install browser
	$(BIN)/dataflow-qa check
	$(BIN)/python -m pytest tests -p no:cacheprovider -n 2 --dist load

## Headless Chromium (Debian's package) for the checklist's browser test; without root the test skips.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing chromium for the browser test (apt-get)"; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
			|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
			|| echo "could not install chromium: the browser test will skip"; \
		else echo "chromium is not installed and this is not root: the browser test will skip"; fi; }

generate: install
	$(BIN)/dataflow-qa generate

check: install
	$(BIN)/dataflow-qa check

clean:
	rm -rf $(VENV) reports/*.html reports/*.xml reports/*.png reports/checklist

## Rewrite the golden files under tests/ after an intended change to the parser, lint or templates.
golden: install
	$(BIN)/dataflow-qa generate tests/data/specs --out tests/golden/generated
	$(BIN)/dataflow-qa inspect --json specs tests/data/specs > tests/golden/inspect.json
	$(BIN)/dataflow-qa lint tests/data/broken 2> tests/data/broken/expected.txt || true

## Benchmarks at the size of the real document family: 1,200 documents, one table (about 15 minutes on 2 cores).
bench: install
	$(BIN)/python benchmarks/run.py

## The same table on a tiny corpus and a slice of the suite: proves the benchmarks run (figures mean little).
bench-quick: install
	$(BIN)/python benchmarks/run.py --quick
