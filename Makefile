# Capstan: `make up` starts the whole cluster on the embedded store; `make test` runs every test.
# Each target installs what it needs first.
SHELL := /bin/bash
ARGS ?=

.PHONY: deps docker python-client up test typecheck bench conformance

deps:
	@scripts/ensure-deps.sh

# A Docker engine answering on /var/run/docker.sock and the local images pods use (needs root).
docker:
	@scripts/ensure-docker.sh

# The official Python client (Debian's python3-kubernetes): the suite's second client library.
python-client:
	@scripts/ensure-python-client.sh

up: deps
	./bin/capstan.js up $(ARGS)

typecheck: deps
	npx tsc --noEmit -p .

test: deps docker python-client typecheck
	npx vitest run $(ARGS)

bench: deps
	node --import tsx bench/index.ts $(ARGS)

# The black-box suite alone, and conformance/REPORT.md from it.
conformance: deps docker python-client
	npx vitest run conformance --reporter=default --reporter=json --outputFile.json=.conformance.json $(ARGS); \
	status=$$?; node scripts/conformance-report.mjs .conformance.json conformance/REPORT.md; rm -f .conformance.json; exit $$status
