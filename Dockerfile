# syntax=docker/dockerfile:1.7
# Crosswire's four images, one target each, built from the repository root:
#   docker build --target orchestrator -t crosswire/orchestrator:0.1.0 .
#   docker build --target adapter      -t crosswire/adapter:0.1.0 .
#   docker build --target portal       -t crosswire/portal:0.1.0 .
#   docker build --target installer    -t crosswire/installer:0.1.0 .
#
# The runtime runs the TypeScript sources through tsx, exactly as the tests do: the workspace compiles
# nothing (tsconfig has noEmit and .ts import specifiers), and the orchestrator reads its migrations
# from orchestrator/migrations next to the sources. tsx is installed in its own prefix (/opt/tsx), so
# each image's node_modules stay `npm ci --omit=dev` for its own workspace: no vitest, eslint,
# typescript, type packages or jspurefix. Every image is distroless: no shell, no npm, no package
# manager; a numeric non-root user; files owned by root and read-only to it.
ARG NODE_VERSION=20
ARG TSX_VERSION=4.23.15

# npm ci needs every workspace's package.json to check the lockfile, even to install one of them.
FROM node:${NODE_VERSION}-bookworm-slim AS workspace-manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY orchestrator/package.json orchestrator/
COPY adapter/package.json adapter/
COPY installer/package.json installer/
COPY portal/package.json portal/

# Production dependencies, one stage per image so no image carries another's.
FROM workspace-manifests AS deps-orchestrator
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace=@crosswire/orchestrator
FROM workspace-manifests AS deps-adapter
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace=@crosswire/adapter
FROM workspace-manifests AS deps-portal
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace=@crosswire/portal
FROM workspace-manifests AS deps-installer
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace=@crosswire/installer

# The portal's SPA, built with every dependency (Vite is a dev dependency and stays here).
FROM workspace-manifests AS portal-build
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY orchestrator/ orchestrator/
COPY portal/ portal/
RUN npm run build --workspace=@crosswire/portal

# The TypeScript loader, pinned to the version in package-lock.json.
FROM node:${NODE_VERSION}-bookworm-slim AS tsx
ARG TSX_VERSION
RUN npm install --prefix /opt/tsx --omit=dev --no-audit --no-fund "tsx@${TSX_VERSION}"

# What every image runs on: Node.js, tsx, and the orchestrator's sources (the API contract every
# process imports).
FROM gcr.io/distroless/nodejs${NODE_VERSION}-debian12:nonroot AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    TSX_DISABLE_CACHE=1 \
    HOME=/tmp
COPY --from=tsx /opt/tsx /opt/tsx
COPY package.json tsconfig.base.json tsconfig.json ./
COPY orchestrator/package.json orchestrator/tsconfig.json orchestrator/
COPY orchestrator/src orchestrator/src
USER 10001:10001

# Control plane. 8080: the API. 9090: /healthz, /readyz, /metrics (keep it off the public network).
FROM runtime AS orchestrator
COPY --from=deps-orchestrator /app/node_modules ./node_modules
COPY orchestrator/migrations orchestrator/migrations
EXPOSE 8080 9090
# Kubernetes ignores HEALTHCHECK and uses the chart's probes; this one serves `docker run` and Compose.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:9090/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/nodejs/bin/node", "--import", "/opt/tsx/node_modules/tsx/dist/loader.mjs", "orchestrator/src/main.ts"]

# Adapter pod (FIX, WebSocket and NATS sessions under leases). 9090: /healthz, /readyz, /metrics.
# Acceptor ports are configured per adapter (chart: adapter.acceptors), 1024 and up: the container has
# no capabilities, so it cannot bind below 1024. SIGTERM logs every session out and releases the leases.
FROM runtime AS adapter
COPY --from=deps-adapter /app/node_modules ./node_modules
COPY adapter/package.json adapter/tsconfig.json adapter/
COPY adapter/src adapter/src
EXPOSE 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:9090/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/nodejs/bin/node", "--import", "/opt/tsx/node_modules/tsx/dist/loader.mjs", "adapter/src/main.ts"]

# Portal: the built SPA and its OIDC backend-for-frontend on 3000 (/healthz and /readyz there too).
FROM runtime AS portal
ENV PORT=3000
COPY --from=deps-portal /app/node_modules ./node_modules
COPY --from=portal-build /app/portal/package.json portal/
COPY --from=portal-build /app/portal/src portal/src
COPY --from=portal-build /app/portal/dist portal/dist
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:3000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/nodejs/bin/node", "--import", "/opt/tsx/node_modules/tsx/dist/loader.mjs", "portal/src/bff/main.ts"]

# Installer: the operations CLI and the Helm hook jobs (migrate, seed, apply, status). It carries the
# migrations (migrate, status) and the adapter's plugin manifests (seed).
#   docker run --rm -e DATABASE_URL=postgres://… crosswire/installer:0.1.0 migrate
FROM runtime AS installer
COPY --from=deps-installer /app/node_modules ./node_modules
COPY orchestrator/migrations orchestrator/migrations
COPY adapter/package.json adapter/tsconfig.json adapter/
COPY adapter/src adapter/src
COPY installer/package.json installer/tsconfig.json installer/
COPY installer/src installer/src
# A run-to-completion job, not a server: the Job's exit code is its health (backoffLimit,
# activeDeadlineSeconds in the chart).
HEALTHCHECK NONE
ENTRYPOINT ["/nodejs/bin/node", "--import", "/opt/tsx/node_modules/tsx/dist/loader.mjs", "installer/src/cli.ts"]
CMD ["--help"]
