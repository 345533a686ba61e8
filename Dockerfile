# syntax=docker/dockerfile:1
# Build: server (tsc) and dashboard (Vite) with every dev dependency; run: production
# dependencies only, non-root, SQLite under /data.
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
COPY apps/server/package.json apps/server/
COPY apps/ui/package.json apps/ui/
COPY packages/engine/package.json packages/engine/
COPY packages/outputs/package.json packages/outputs/
COPY e2e/package.json e2e/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages packages
COPY apps apps
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PEREGRINE_DB_PATH=/data/peregrine.db \
    PEREGRINE_INGEST_AUTH_TOKENS_FILE=/data/ingest-tokens.yaml \
    PEREGRINE_UI_DIR=/app/apps/ui/dist
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/packages/engine/package.json packages/engine/
COPY --from=build /src/packages/engine/dist packages/engine/dist
COPY --from=build /src/packages/outputs/package.json packages/outputs/
COPY --from=build /src/packages/outputs/dist packages/outputs/dist
COPY --from=build /src/apps/server/package.json apps/server/
COPY --from=build /src/apps/server/bin apps/server/bin
COPY --from=build /src/apps/server/dist apps/server/dist
COPY --from=build /src/apps/ui/dist apps/ui/dist
# Falco's k8s audit rules, loaded first; mount your own into /etc/peregrine/rules.d.
COPY rules rules
RUN mkdir -p /data /etc/peregrine/rules.d && chown node:node /data
USER node
VOLUME ["/data"]
# 2801 falcosidekick-compatible ingest (and /k8s-audit), 2802 dashboard + API + /k8s-audit.
EXPOSE 2801 2802
# https first (TLSSERVER_DEPLOY), then plain HTTP; unverified on purpose: loopback, and the
# question is whether the port answers, not whose certificate it has.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "const p='//127.0.0.1:2802/healthz',ok=(r)=>process.exit(r.statusCode===200?0:1),no=()=>process.exit(1);require('https').get('https:'+p,{rejectUnauthorized:false},ok).on('error',()=>require('http').get('http:'+p,ok).on('error',no))"
ENTRYPOINT ["node", "apps/server/bin/peregrine.js"]
CMD ["serve"]
