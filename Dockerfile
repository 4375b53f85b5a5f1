# Build with Node 24, run on Node 24 slim: the runtime stage holds only the bundled CLI
# (dist/ is self-contained: no node_modules), runs as a numeric non-root user and needs no shell.
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

FROM node:24.21.0-bookworm-slim
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/dist ./dist
ENV NODE_ENV=production
USER 65532:65532
# Exec form: node is PID 1 and receives SIGTERM itself (the sweep finishes the action in
# flight, prints the partial report and exits 4).
ENTRYPOINT ["node", "/app/dist/main.mjs"]
CMD ["plan"]
