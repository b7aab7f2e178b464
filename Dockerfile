# syntax=docker/dockerfile:1
# One image for every loco process; the chart picks the program with its args:
#   dist/operator/main.js, dist/api/main.js, dist/resurrector/main.js, dist/db/admin.js, dist/cli/main.js
# Build: docker build -t registry.example.com/platform/loco:0.1.0 .
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Compile TypeScript to dist/ (tsconfig.build.json) and build the console, with every dependency.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the `node` devDependency would download a second Node; the base image already is Node 24.
# `npm install`, not `npm ci`: see hack/lib.sh (optional Biome packages missing from the lock file).
RUN npm install --no-audit --no-fund --ignore-scripts --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY crds/ crds/
COPY kube/ kube/
COPY operator/ operator/
COPY db/ db/
COPY resurrector/ resurrector/
COPY api/ api/
COPY cli/ cli/
RUN ./node_modules/.bin/tsc -p tsconfig.build.json
# The CLI ships bundled (dist/cli/main.js + dist/cli/bundle/): one file to load instead of twenty at start-up.
COPY hack/build-cli.ts hack/build-cli.ts
RUN node hack/build-cli.ts
# The web console's static files (dist/console), which the API serves at /.
COPY console/ console/
RUN ./node_modules/.bin/vite build --config console/vite.config.ts

# 2. Production dependencies only.
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund --ignore-scripts --loglevel=error && npm cache clean --force

# 3. The runtime: no npm, no compiler, no sources; a fixed non-root uid that the chart's securityContext matches,
#    and nothing written to the (read-only) root filesystem.
FROM ${NODE_IMAGE} AS runtime
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn* \
 && groupadd --system --gid 65532 loco && useradd --system --uid 65532 --gid loco --home-dir /app --shell /usr/sbin/nologin loco
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps --chown=root:root /src/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist ./dist
COPY --chown=root:root package.json ./
USER 65532:65532
ENTRYPOINT ["node"]
# The operator's V8 flags, as the chart sets them (operator.nodeFlags): a heap reserved near what is live.
CMD ["--max-semi-space-size=1", "--optimize-for-size", "dist/operator/main.js"]
