# syntax=docker/dockerfile:1
# Cordon's container image: one image for every role (api, correlator, runner, worker); the
# role is chosen at run time with CORDON_ROLES. See README "Deployment".
#   docker build -t cordon .
#   docker run --rm -e REDIS_URL=redis://redis:6379 -p 8080:8080 -p 8081:8081 cordon
# Checked statically by test/deploy/dockerfile.test.ts (no Docker daemon where it was written).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript, copy the Lua scripts, build the browser console ----------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's `prepare` builds dist/, which needs src/ (copied below, so that
# a source change does not re-install every dependency); the build runs once, explicitly.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json vite.console.config.ts ./
COPY scripts/ scripts/
COPY src/ src/
RUN npm run build

# ---- runtime: production dependencies, dist/ and the shipped content -----------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; no install scripts (the one that has some, msgpackr-extract, is
# optional and disabled in package.json's allowScripts anyway).
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist/ dist/
# The shipped rules, playbooks and connectors: CORDON_CONTENT_DIR=/app reads them. Mount your own
# over these folders (the Helm chart can, from ConfigMaps) to replace them.
COPY correlations/ correlations/
COPY playbooks/ playbooks/
COPY connectors/ connectors/
COPY deploy/docker/healthcheck.mjs deploy/docker/healthcheck.mjs
# Private state (generated tokens when CORDON_TOKENS_FILE is not given), owned by the runtime user.
RUN mkdir -p /var/lib/cordon && chown 1000:1000 /var/lib/cordon

# Listen on every interface of the container; the ops port serves /healthz, /readyz and /metrics
# of a process without the api role (an api process serves them on CORDON_PORT).
# NODE_OPTIONS: the young-generation size that `npm start` and the cordon binary's shebang pass
# (README "Configuration"): the entrypoint below runs node directly, without the shebang.
ENV CORDON_HOST=0.0.0.0 \
    CORDON_PORT=8080 \
    CORDON_CONSOLE_PORT=8081 \
    CORDON_OPS_PORT=9090 \
    CORDON_CONTENT_DIR=/app \
    CORDON_HOME=/var/lib/cordon \
    CORDON_LOG_FORMAT=json \
    NODE_OPTIONS=--max-semi-space-size=64
EXPOSE 8080 8081 9090

# The image's "node" user, by number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 1000:1000

# Liveness of whichever port serves the probes for the roles in CORDON_ROLES (node, not curl:
# the slim image has no curl).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "deploy/docker/healthcheck.mjs"]

# The CLI bundled (scripts/bundle.mjs): a few files to load at start instead of ~100 modules.
ENTRYPOINT ["node", "dist/bundle/main.js"]
CMD ["start"]
