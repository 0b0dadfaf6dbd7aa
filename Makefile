# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv messages messages-extract run test lint check serve worker beat demo bench-loop clean-venv
# Plain `make` (the Dockerfile's build step) only builds the virtual environment.
.DEFAULT_GOAL := venv

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

## Create .venv and install the pinned requirements (again only when requirements.txt changes).
venv: $(STAMP)

## Build the compiled translation catalogues (locale/*/LC_MESSAGES/django.mo) from the
## committed .po files: pure Python (Babel), no GNU gettext needed. README "Languages".
messages: $(STAMP)
	$(PY) -m commonset.i18n

## After changing interface strings: extract them into every .po (needs GNU gettext).
messages-extract: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) -m commonset.i18n extract

## Run the site on the embedded default (SQLite, eager tasks, local hub folder) with a demo.
run: messages
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(PY) manage.py demo_load
	DEBUG=$${DEBUG:-true} $(PY) manage.py runserver 127.0.0.1:8000

## Run the tests. With CI=true the PostgreSQL, Redis and browser suites must run.
## (The catalogues are compiled by tests/conftest.py, so a bare pytest has them too.)
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

check: lint test

## Production-style web process (the container's command): migrate, collect static, gunicorn.
## `exec` makes the server make's direct child, so make's SIGTERM reaches it (clean stop).
serve: messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	exec $(VENV)/bin/gunicorn commonset.wsgi:application --bind $${BIND:-0.0.0.0:8000} \
		--workers $${WEB_CONCURRENCY:-3} --access-logfile - --timeout 60

worker: $(STAMP)
	exec $(VENV)/bin/celery -A commonset worker --loglevel INFO --concurrency $${WORKER_CONCURRENCY:-2}

beat: $(STAMP)
	exec $(VENV)/bin/celery -A commonset beat --loglevel INFO --schedule $${COMMONSET_VAR_DIR:-var}/celerybeat-schedule

demo: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) manage.py demo_load

clean-venv:
	rm -rf $(VENV)
