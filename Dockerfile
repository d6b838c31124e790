# syntax=docker/dockerfile:1
# lorawan-fuota service image: `fuota serve` beside a ChirpStack v4 (docs/deploy-chirpstack.md).
#
# Any other command runs in it too, e.g. the demo (embedded MQTT broker + simulated ChirpStack,
# all inside the container):  docker run --rm lorawan-fuota demo
# Not built on our machines (no Docker engine there): checked by reading only.
#
# The build stage compiles src/ to dist/ (`npm ci` runs `prepare`: scripts/build-dist.ts) and
# better-sqlite3's native addon (when no prebuilt binary is reachable) with a toolchain that then
# stays out of the runtime image, and type-checks what is shipped. The runtime stage ships dist/
# and no src/, so bin/fuota.js runs the compiled JavaScript (tsx is a dev dependency, pruned).

# Both stages on the same base: the addon built here must load against the runtime's glibc and
# Node ABI.
FROM node:20-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The sources before `npm ci`: its `prepare` script builds dist/ from them.
COPY package.json package-lock.json tsconfig.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
COPY proto ./proto
COPY config ./config
# Everything (dev too: tsc, esbuild, tsx). better-sqlite3's install script fetches a prebuilt
# addon or, failing that, compiles it with node-gyp (python3, make, g++ above).
RUN npm ci
# Type-check what ships (tests and benchmarks are not in the build context: tsc finds no input
# there), then drop dev dependencies; the compiled addon stays in node_modules/better-sqlite3/build.
RUN npx tsc --noEmit -p . \
 && npm prune --omit=dev \
 && node -e "new (require('better-sqlite3'))(':memory:').close()"

FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# The node image's unprivileged user (uid 1000) owns only the data directory; the code and the
# configuration are read-only to it.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
# Read at run time by dist/status/status-proto.js and dist/api/grpc/ (paths relative to dist/).
COPY --from=build /app/proto ./proto
COPY --from=build /app/config/fuota.yaml /etc/fuota/fuota.yaml
RUN mkdir -p /var/lib/fuota && chown node:node /var/lib/fuota \
 && ln -s /app/bin/fuota.js /usr/local/bin/fuota
# /etc/fuota: fuota.yaml (mount your own, read-only); /var/lib/fuota: the SQLite database
# (store.path), which must outlive the container: a restart carries on from it.
VOLUME ["/etc/fuota", "/var/lib/fuota"]
USER node
# Node as PID 1 does not reap children or get default signal handling: run with `--init`
# (compose: `init: true`) so SIGTERM reaches `fuota serve` for a clean shutdown.
ENTRYPOINT ["node", "--max-semi-space-size=64", "/app/bin/fuota.js"]
CMD ["serve", "--config", "/etc/fuota/fuota.yaml"]
