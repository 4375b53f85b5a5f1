# Build with Node 24; run distroless-style: the runtime stage is FROM scratch with only node, the
# libraries it links, CA certificates, time zone data, the bundle, and a numeric non-root user.
# No shell and no package manager in it. Locally: bash test/image/build-and-run.sh.
FROM node:24.21.0-bookworm-slim AS build
# Only for registries reached through a TLS-intercepting proxy: a CA file passed in at build time.
ARG NODE_EXTRA_CA_CERTS
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
# Source maps stay out of the image, as out of the npm package.
RUN npm run build && find dist -name "*.map" -delete

FROM node:24.21.0-bookworm-slim AS rootfs
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/image/make-rootfs.sh /usr/local/bin/make-rootfs
RUN make-rootfs /rootfs

FROM scratch
COPY --from=rootfs /rootfs/ /
COPY --from=build /src/package.json /app/package.json
COPY --from=build /src/dist /app/dist
# HOME: without one os.homedir() throws (a uid with no passwd entry), and the CLI looks there.
ENV NODE_ENV=production HOME=/home/nonroot PATH=/usr/local/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
WORKDIR /app
# Exec form: node is PID 1 and receives SIGTERM itself (the sweep finishes the action in
# flight, prints the partial report and exits 4).
ENTRYPOINT ["/usr/local/bin/node", "/app/dist/main.mjs"]
CMD ["plan"]
