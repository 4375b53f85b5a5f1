# Build with Node 24, run on distroless Node 24: no shell, no package manager, non-root.
FROM node:24.11.1-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/dist ./dist
USER 65532:65532
# The image's node is the entrypoint; kube-sweeper's bundled CLI is its script.
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/main.mjs"]
CMD ["plan"]
