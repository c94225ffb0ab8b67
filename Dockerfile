# livecred service image (docs/deploy.md): Debian's Python 3.11 and Node.js, the project in a venv,
# the zk prover's npm packages, and the default engine's models, verified by sha256 at build time.
#
#   podman build -t livecred .                      # models from their pinned public sources
#   cp -r ../shared/models .models-mirror && podman build -t livecred .   # offline: from a mirror
#
# Build args:
#   MODELS_MIRROR  a folder of the build context laid out like the models directory (default
#                  .models-mirror, git-ignored). When it exists the models are copied from it,
#                  otherwise downloaded; `livecred models fetch` checks every sha256 either way.
#   EXTRAS         optional dependency groups to install (default postgres,redis: PostgreSQL via
#                  pg8000 and Redis rate-limit storage, for several replicas).
#
# pip and npm get a build-time CA bundle as the secret `ca` when one is given
# (`--secret id=ca,src=/etc/ssl/certs/ca-certificates.crt`, for a TLS-intercepting proxy); it never
# lands in a layer, and without it the same file builds anywhere.

FROM debian:bookworm-slim AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1

# Dependencies first, from pyproject.toml alone: a change to the source does not reinstall them.
ARG EXTRAS=postgres,redis
WORKDIR /app
COPY pyproject.toml ./
RUN --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi; \
    python3 -c 'import sys, tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
print("\n".join(p["dependencies"] + [r for e in sys.argv[1].split(",") if e for r in p["optional-dependencies"][e]]))' \
      "$EXTRAS" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt "setuptools>=68"

# The zk worker's runtime packages (snarkjs) from the lockfile; the circuit tools (dev) are not needed.
COPY zk/package.json zk/package-lock.json zk/
RUN --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --prefix zk --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# The project, installed editable from /app: the zk worker's node_modules (npm ci above) sit next
# to zk/ in this tree, as in a checkout. (The wheel carries the web page, schemas and zk artifacts
# as package data too; an image built from it would run `livecred zk install` instead.)
COPY LICENSE README.md ./
COPY liveness liveness
COPY livecred livecred
COPY did did
COPY issuer issuer
COPY wallet wallet
COPY fhe fhe
COPY zk zk
RUN pip install --no-deps --no-build-isolation -e . \
 && python3 -m compileall -q liveness livecred did issuer wallet fhe zk

# Models: from the mirror in the build context when present, else from their pinned sources.
ARG MODELS_MIRROR=.models-mirror
RUN --mount=type=bind,target=/context --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export SSL_CERT_FILE=/run/secrets/ca; fi; \
    if [ -n "$MODELS_MIRROR" ] && [ -d "/context/$MODELS_MIRROR" ]; then set -- --from "/context/$MODELS_MIRROR"; fi; \
    livecred models fetch --models-dir /opt/livecred/models "$@" \
 && livecred models list --models-dir /opt/livecred/models


FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 nodejs ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/livecred --create-home --shell /usr/sbin/nologin livecred
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/livecred/models /opt/livecred/models
COPY --from=build /app /app

# Configuration is the environment (LIVECRED_*, PORT; livecred/settings.py). The state directory
# holds the SQLite database and the generated issuer key unless a database URL and a key are given.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    LIVECRED_HOST=0.0.0.0 \
    PORT=5003 \
    LIVECRED_MODELS_DIR=/opt/livecred/models \
    LIVECRED_STATE_DIR=/var/lib/livecred
VOLUME /var/lib/livecred
USER livecred
WORKDIR /var/lib/livecred
EXPOSE 5003

# The service loads, verifies and warms every model (LIVECRED_WARM_UP) before it opens its port,
# so /health answers only once a first request would be served warm; it is 503 while models
# are missing.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % (os.environ.get('PORT') or os.environ.get('LIVECRED_PORT') or '5003'), timeout=4)"]

# tini reaps the prover worker (Node.js) and forwards signals; arguments go to the livecred CLI,
# so `podman run IMAGE models list` works too.
ENTRYPOINT ["tini", "--", "livecred"]
CMD ["serve"]
