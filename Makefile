# FuGong — `make demo` to try it, `make test` to check it. Both set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_SIZE ?= 300
# Everything here runs in development mode: development keys, an in-process cache, plain HTTP (README,
# "Settings"). A production start (no FUGONG_DEV, DEBUG=0) refuses those.
export FUGONG_DEV ?= 1

.PHONY: setup demo serve test test-browser test-all lint format check-migrations clean bench-monitoring

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

src/fugong/static/vendor/.built: node_modules/.installed scripts/build_static.mjs
	node scripts/build_static.mjs
	touch $@

setup: $(VENV)/.installed src/fugong/static/vendor/.built
	$(PY) manage.py compile_translations

demo: setup
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo --size $(DEMO_SIZE)
	@echo "复工通已启动：http://$(HOST):$(PORT)/  （Ctrl-C 停止）"
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

serve: setup
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

test-browser: setup
	$(VENV)/bin/pytest -q -m browser -p no:xdist

# Daily monitoring at city scale on PostgreSQL through gunicorn and wrk (README, "Measuring").
# BENCH_ARGS=--fresh rebuilds the scratch database.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fugong_bench
bench-monitoring: $(VENV)/.installed
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) benchmarks/monitoring_http.py $(BENCH_ARGS)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-migrations: setup
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) node_modules src/fugong/static/vendor var
