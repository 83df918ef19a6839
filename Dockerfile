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
ENV DATA_DIR=/var/lib/loa/data MEDIA_DIR=/var/lib/loa/media
EXPOSE 3000
CMD ["node", "dist/apps/server/src/main.js"]
