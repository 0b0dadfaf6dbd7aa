# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint check serve worker beat demo bench-loop clean-venv

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

## Run the site on the embedded default (SQLite, eager tasks, local hub folder) with a demo.
run: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(PY) manage.py demo_load
	DEBUG=$${DEBUG:-true} $(PY) manage.py runserver 127.0.0.1:8000

## Run the tests. With CI=true the PostgreSQL, Redis and browser suites must run.
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

check: lint test

## Production-style web process (the container's command): migrate, collect static, gunicorn.
serve: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/gunicorn commonset.wsgi:application --bind $${BIND:-0.0.0.0:8000} \
		--workers $${WEB_CONCURRENCY:-3} --access-logfile - --timeout 60

worker: $(STAMP)
	$(VENV)/bin/celery -A commonset worker --loglevel INFO --concurrency $${WORKER_CONCURRENCY:-2}

beat: $(STAMP)
	$(VENV)/bin/celery -A commonset beat --loglevel INFO --schedule var/celerybeat-schedule

demo: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) manage.py demo_load

clean-venv:
	rm -rf $(VENV)
