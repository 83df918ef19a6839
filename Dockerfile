# One image for both parts: the server (default command) and the station agent.
FROM node:20-bookworm-slim AS build
WORKDIR /opt/loa
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /opt/loa
# Debian's ffmpeg and ffprobe (one build, patched by Debian's security updates) are preferred over npm's.
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/loa/node_modules ./node_modules
COPY --from=build /opt/loa/dist ./dist
COPY package.json ./
# The program stays root-owned and read-only to the process; only its data folders are the user's.
# keys/ holds the seal key when several instances share it on a volume (docker-compose.yml).
RUN mkdir -p /var/lib/loa/data /var/lib/loa/media /var/lib/loa/keys /var/lib/loa-agent \
 && chown -R node:node /var/lib/loa /var/lib/loa-agent \
 && chmod 0700 /var/lib/loa/data /var/lib/loa/keys /var/lib/loa-agent
ENV DATA_DIR=/var/lib/loa/data MEDIA_DIR=/var/lib/loa/media
# The unprivileged user of the node image: a flaw in the server or in ffmpeg gets no root in the container.
USER node
EXPOSE 3000
CMD ["node", "dist/apps/server/src/main.js"]
