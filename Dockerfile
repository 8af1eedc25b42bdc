# syntax=docker/dockerfile:1
#
# Image for the production run: `kedro run` with KEDRO_ENV=prod (or staging, from the overlay's
# ConfigMap) as a Kubernetes CronJob (k8s/).
# Layers go from least to most often changed: locked deps -> dbt/ -> conf/ -> src/.
# The container writes only to /tmp and to mounted volumes, so it runs with a read-only root.

# The base image by digest, never by a tag that can move: python:3.11-slim@sha256:<digest>. The
# README's release steps look the digest up; there is no default, so a build without it fails.
ARG PYTHON_BASE

# ---------------------------------------------------------------------------------------------
# builder: a venv at /opt/venv holding the locked dependencies, then the project itself
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_BASE} AS builder

ENV UV_NO_CACHE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The installer itself, hash-checked too (make lock writes requirements-build.lock).
COPY requirements-build.lock /tmp/
RUN pip install --require-hashes -r /tmp/requirements-build.lock \
    && python -m venv --without-pip /opt/venv

WORKDIR /build

# Only the dependency list first, so this (slow, large) layer is rebuilt when the lock changes
# and not on every code change. Every package is checked against the lock's hashes; the lock
# holds the runtime only: no emulator, no kedro-viz, no test tools.
COPY pyproject.toml requirements-prod.lock ./
RUN uv pip sync --require-hashes --python /opt/venv/bin/python requirements-prod.lock

# pyproject.toml names README.md as the package's readme, so the build needs it.
COPY README.md ./
COPY src/ src/
# Built with the locked setuptools already in the venv: nothing is fetched at build time.
RUN uv pip install --python /opt/venv/bin/python --no-deps --no-build-isolation .

# ---------------------------------------------------------------------------------------------
# runtime
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_BASE} AS runtime

ARG VERSION=0.1.0
# The commit the image is built from (docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD)):
# each run records it in the run ledger beside the version.
ARG GIT_COMMIT=unknown
LABEL org.opencontainers.image.title="netflix-pipeline" \
      org.opencontainers.image.description="Kedro + dbt pipeline: which movie genres perform best, decade by decade, and which genre to back next." \
      org.opencontainers.image.source="https://github.com/example/netflix-pipeline" \
      org.opencontainers.image.licenses="Proprietary" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${GIT_COMMIT}"

# A fixed numeric user, so Kubernetes can verify runAsNonRoot and runAsUser: 10001 matches.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
       --shell /usr/sbin/nologin app

# KEDRO_DISABLE_TELEMETRY / DO_NOT_TRACK: kedro-telemetry otherwise asks for consent on a TTY
# and a cron job must never wait for an answer. HOME=/tmp: the Snowflake connector, s3fs and
# dbt keep caches under $HOME, and /tmp is the only writable place (an emptyDir in the pod).
# dbt writes target/ and logs/ below /tmp; it reads the partial-parse state baked below.
ENV PATH=/opt/venv/bin:$PATH \
    VIRTUAL_ENV=/opt/venv \
    KEDRO_DISABLE_TELEMETRY=true \
    DO_NOT_TRACK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    DBT_PROFILES_DIR=/app/dbt \
    DBT_TARGET_PATH=/tmp/dbt/target \
    DBT_LOG_PATH=/tmp/dbt/logs \
    KEDRO_LOGGING_CONFIG=/app/conf/prod/logging.yml \
    KEDRO_LOGGING_MODULE_ALLOWLIST=netflix_pipeline.jsonlog \
    NETFLIX_PIPELINE_BUILD=${GIT_COMMIT}

WORKDIR /app

COPY --from=builder /opt/venv /opt/venv
COPY dbt/ dbt/
COPY conf/base/ conf/base/
COPY conf/prod/ conf/prod/
# conf/staging links to conf/prod's files (its own: the dbt target), so both are copied.
COPY conf/staging/ conf/staging/
COPY src/ src/
COPY pyproject.toml ./

# Parse the dbt project once, at build time, so each run starts from a warm partial-parse
# state instead of re-parsing every model. Parsing opens no connection and needs no secret.
#
# How the runtime uses it: DBT_PARTIAL_PARSE_FILE_PATH (set below) makes dbt *read* its
# partial-parse state from the baked, read-only file, while it *writes* a fresh one to
# DBT_TARGET_PATH (/tmp). dbt reuses the state only when the run has the same dbt version,
# `--target prod`, no `--profile`/`--vars`, and the same account, user, role, warehouse and
# database: dbt hashes those connection values into the state. So these build args must equal
# the non-secret settings of the ConfigMap the image runs with (k8s/base/configmap.yaml; the
# defaults below are its values, and tests/test_deploy.py checks that they agree). With other
# values the run is still correct: dbt logs "profile has changed" and parses in full.
ARG SNOWFLAKE_ACCOUNT=example-account
ARG SNOWFLAKE_USER=NETFLIX_PIPELINE
ARG SNOWFLAKE_ROLE=NETFLIX_PIPELINE
ARG SNOWFLAKE_WAREHOUSE=NETFLIX_PIPELINE_WH
ARG SNOWFLAKE_DATABASE=NETFLIX
RUN DBT_TARGET_PATH=/app/dbt/target-baked \
    DBT_LOG_PATH=/tmp/dbt-build-logs \
    dbt parse --project-dir dbt --profiles-dir dbt --target prod \
    && test -f /app/dbt/target-baked/partial_parse.msgpack \
    && test -f /app/dbt/target-baked/manifest.json \
    && rm -rf /tmp/dbt-build-logs

ENV DBT_PARTIAL_PARSE_FILE_PATH=/app/dbt/target-baked/partial_parse.msgpack

USER 10001:10001

# The environment is KEDRO_ENV's: prod unless the ConfigMap says staging. dumb-init (from the
# locked dependencies) is PID 1: it hands SIGTERM on to the run, which stops cleanly
# (src/netflix_pipeline/runs/interrupt.py), and reaps dbt's and the connector's children.
ENV KEDRO_ENV=prod
ENTRYPOINT ["dumb-init", "--", "kedro", "run"]
