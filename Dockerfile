# One image for the three processes of SaaS LiteLLM; the command picks which one runs:
#   web server (default)  node --import tsx scripts/serve.ts
#   worker                node --import tsx worker/index.ts
#   migrations            node --import tsx scripts/migrate.ts
# See docker-compose.yml and docs/deployment.md.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: install every dependency, build the Remix bundles, then drop the dev dependencies
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci

COPY . .
RUN npm run build \
 && npm prune --omit=dev

# ---- runtime: production dependencies, the source (run through tsx) and the built bundles
FROM ${NODE_IMAGE} AS runtime

# tini as PID 1 forwards SIGTERM to node, so `docker stop` lets the server and the worker shut down cleanly.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    PORT=3000 \
    API_PORT=8003 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app

# Files stay owned by root and read-only for the process; the app writes nothing here
# (tsx keeps its compile cache under /tmp).
COPY --from=build /app /app

# The unprivileged user that ships with the official Node image (uid 1000).
USER node

# 3000: admin panel and API; 8003: the API alone (the seed's SaaS API port).
EXPOSE 3000 8003
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "scripts/serve.ts"]
