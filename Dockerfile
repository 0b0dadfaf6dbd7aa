# Commonset: one image for the web process, the Celery worker and beat (docker-compose.yml).
# The container runs the same Makefile targets as a developer and CI do.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 commonset \
    && useradd --system --uid 1000 --gid commonset --home-dir /app --shell /usr/sbin/nologin commonset \
    && mkdir -p /app/var \
    && chown -R commonset:commonset /app

WORKDIR /app
USER commonset

# Dependencies first: this layer is rebuilt only when requirements.txt (or the Makefile) changes.
COPY --chown=commonset:commonset Makefile requirements.txt ./
RUN make venv

COPY --chown=commonset:commonset . .
# The stamp must stay newer than requirements.txt so `make serve` never reinstalls.
RUN touch .venv/.installed
# The compiled translation catalogues (not committed; `make serve` rebuilds only stale ones).
RUN make messages

ENV COMMONSET_VAR_DIR=/app/var \
    HF_HOME=/app/var/hf-home
VOLUME ["/app/var"]
EXPOSE 8000

CMD ["make", "serve"]
