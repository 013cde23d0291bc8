# Two commands for a fresh clone:  `make demo` (run servespec on the examples)  and  `make test`.
# Each creates what it needs: a virtualenv from pyproject.toml and, when Go is installed, a pinned
# kubeconform in .tools/bin. Nothing else needs installing by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := $(CURDIR)/.tools/bin
KUBECONFORM_VERSION := v0.6.7
HELM_VERSION := v4.3.1
SARIF_SCHEMA_PACKAGE := @microsoft/jest-sarif@1.0.0-beta.0
SARIF_SCHEMA := $(CURDIR)/.tools/sarif/sarif-2.1.0-rtm.5.json
export SERVESPEC_SARIF_SCHEMA := $(SARIF_SCHEMA)
export PATH := $(TOOLS):$(PATH)
CRD_SCHEMAS := $(abspath $(CURDIR)/../shared/crd-schemas)
ifneq ($(wildcard $(CRD_SCHEMAS)),)
export SERVESPEC_SCHEMA_LOCATION ?= $(CRD_SCHEMAS)/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json
endif

.PHONY: demo test check-code tools chromium venv test-venv schema bench clean rule

# The demo needs servespec and its dependencies; the tests and the benchmark add the `test` extra.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

venv: $(BIN)/.installed
test-venv: $(BIN)/.installed-test

$(TOOLS)/kubeconform:
	@if command -v go >/dev/null 2>&1; then \
		echo "installing kubeconform $(KUBECONFORM_VERSION) into .tools/bin"; \
		GOBIN=$(TOOLS) GOFLAGS=-mod=mod go install github.com/yannh/kubeconform/cmd/kubeconform@$(KUBECONFORM_VERSION); \
	else \
		echo "Go not found: compile falls back to the built-in schema validator"; \
	fi

# Helm renders benchmarks/helm-chart, the baseline of `make bench` (a test checks it renders servespec's objects).
$(TOOLS)/helm:
	@if command -v go >/dev/null 2>&1; then \
		echo "installing helm $(HELM_VERSION) into .tools/bin"; \
		GOBIN=$(TOOLS) GOFLAGS=-mod=mod go install helm.sh/helm/v4/cmd/helm@$(HELM_VERSION); \
	else \
		echo "Go not found: the Helm baseline test is skipped"; \
	fi

# The OASIS SARIF 2.1.0 JSON Schema, as shipped in Microsoft's SARIF SDK package on npm (tests only).
$(SARIF_SCHEMA):
	@if command -v npm >/dev/null 2>&1; then \
		echo "fetching the SARIF 2.1.0 schema from $(SARIF_SCHEMA_PACKAGE)"; \
		tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent $(SARIF_SCHEMA_PACKAGE) >/dev/null 2>&1) && \
		tar -xzf $$tmp/*.tgz -C $$tmp package/lib/schemas/sarif-2.1.0-rtm.5.json && \
		mkdir -p $(dir $(SARIF_SCHEMA)) && mv $$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json $@; \
		rm -rf $$tmp; \
	else \
		echo "npm not found: the SARIF schema test is skipped"; \
	fi

# Debian's Chromium renders the capacity chart in a test (installed when missing and apt-get is usable).
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the chart test"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
		(apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1) || \
		echo "could not install chromium: the chart rendering test is skipped"; \
	else \
		echo "chromium not found and cannot be installed here: the chart rendering test is skipped"; \
	fi

# What only the tests and the benchmark need (Helm, the SARIF schema, Chromium) is not the demo's.
tools: $(TOOLS)/kubeconform $(TOOLS)/helm $(SARIF_SCHEMA) chromium

demo: venv $(TOOLS)/kubeconform
	$(BIN)/servespec validate examples/*.yaml
	$(BIN)/servespec lint examples/*.yaml
	$(BIN)/servespec plan examples/agency.yaml --html out/agency-plan.html
	$(BIN)/servespec plan examples/large-models.yaml
	$(BIN)/servespec diff examples/changes/scale-down/old.yaml examples/changes/scale-down/new.yaml || [ $$? -eq 1 ]
	$(BIN)/servespec compile examples/operations-guide.yaml -o out/operations-guide
	$(BIN)/servespec check examples/*.yaml --golden golden

# ruff and mypy --strict over the library. mypy reads it as the installed package `servespec` through a
# tree of links (compiler/ -> servespec/, policies/ -> servespec/policies/) and reports source paths.
TYPECHECK := .tools/typecheck
check-code: test-venv
	$(BIN)/ruff check compiler policies tests benchmarks
	@rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)
	@cp -as $(CURDIR)/compiler $(TYPECHECK)/servespec && cp -as $(CURDIR)/policies $(TYPECHECK)/servespec/policies \
		&& cp -as $(CURDIR)/schemas $(TYPECHECK)/servespec/schemas && find $(TYPECHECK) -name __pycache__ -prune -exec rm -rf {} +
	@cd $(TYPECHECK) && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml -p servespec > mypy.log 2>&1; \
		status=$$?; sed -e 's#^servespec/policies/#policies/#' -e 's#^servespec/#compiler/#' mypy.log; exit $$status

test: test-venv tools check-code
	$(BIN)/python -m pytest

# A new lint rule: `make rule ID=GPU010 SLUG=cuda-too-new CATEGORY=gpu` writes its module and cases and
# registers it; then write its check and cases, and `make schema`.
rule: venv
	$(BIN)/python -m servespec.policies.scaffold $(ID) $(SLUG) $(CATEGORY)

schema: venv
	$(BIN)/servespec schema > schemas/servespec.schema.json
	$(BIN)/servespec schema --markdown > docs/spec.md
	$(BIN)/servespec rules --markdown > docs/rules.md
	$(BIN)/python -c 'import pathlib; from servespec.report.readme import refresh; \
		readme = pathlib.Path("README.md"); readme.write_text(refresh(readme.read_text()))'

bench: test-venv tools
	$(BIN)/python benchmarks/run.py --runs 5

clean:
	rm -rf $(VENV) .tools out .pytest_cache .hypothesis
