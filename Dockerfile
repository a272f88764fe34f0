# syntax=docker/dockerfile:1
# Build: npm ci (which also compiles, through the prepare script) and prune to production dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY blocks ./blocks
RUN npm ci && npm prune --omit=dev

# Run: compiled code, production dependencies and the templates, as an unprivileged user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000 PREFLIGHT_DATA_DIR=/data CHECKLISTS_DIR=/app/checklists
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY checklists ./checklists
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node itself is PID 1, so `docker stop`'s SIGTERM reaches the bot, which finishes in-flight work, closes the
# database (PGlite cleanly) and exits within 8 s, before docker's 10 s grace ends. Under `npm start`, npm was
# PID 1 and node never got the signal. test/e2e/container.test.ts runs this exact command. --expose-gc lets the
# bot give memory back once a burst of clicks is over (src/idle-gc.ts).
STOPSIGNAL SIGTERM
CMD ["node", "--expose-gc", "dist/src/main.js"]
