# One image for both the gateway and the worker; docker-compose.temporal.yml picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# tsx (a dev dependency) runs the TypeScript sources directly; no build step to drift from.
RUN npm ci && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
USER node
EXPOSE 4000
CMD ["npm", "run", "gateway"]
