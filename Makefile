# Front door of Koschei on Django.  `make demo` and `make test` set up everything
# they need (scripts/bootstrap) on a fresh Debian 12 machine.
PY := .venv/bin/python
export KOSCHEI_DEBUG ?= 1
DEMO_FOR ?=
DEMO_PORT ?= 8000
PYTEST_ARGS ?=
ARGS ?=

.PHONY: bootstrap test lint fmt typecheck pytest demo run worker migrate clean bench \
	bench-resolution bench-scheduler bench-web

bootstrap:
	scripts/bootstrap

test: bootstrap lint typecheck
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

fmt:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

typecheck:
	.venv/bin/mypy

pytest:
	$(PY) -m pytest $(PYTEST_ARGS)

demo: bootstrap
	DEMO_FOR=$(DEMO_FOR) DEMO_PORT=$(DEMO_PORT) scripts/demo

# Benchmarks print name=value figures; ARGS passes options, e.g.
# make bench-resolution ARGS="--sources 300"  (see python -m bench.resolution --help)
bench: bench-resolution bench-scheduler bench-web

bench-resolution:
	@$(PY) -m bench.resolution $(ARGS)

# make bench-scheduler ARGS="--packages 3000"  (see python -m bench.scheduler --help)
bench-scheduler:
	@$(PY) -m bench.scheduler $(ARGS)

# make bench-web ARGS="--packages 3000 --requests 50"  (see python -m bench.web --help)
bench-web:
	@$(PY) -m bench.web $(ARGS)

run:
	$(PY) manage.py runserver 127.0.0.1:$(DEMO_PORT)

worker:
	$(PY) manage.py sync-schedules
	$(PY) manage.py qcluster

migrate:
	$(PY) manage.py migrate

clean:
	rm -rf .venv var .mypy_cache .ruff_cache
