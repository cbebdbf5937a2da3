# testerbot container image.
#
# Build:  docker build -t testerbot .
# Run:    docker run -d --name testerbot \
#           -e SLACK_APP_TOKEN -e SLACK_BOT_TOKEN \
#           -e APPLIVERY_API_TOKEN -e APPLIVERY_ORGANIZATION \
#           -v testerbot-data:/data \
#           -v "$PWD/channels.yaml:/config/channels.yaml:ro" \
#           -p 8080:8080 testerbot
#
# Tokens come from the environment at run time and are never baked into the image.
# There is no HEALTHCHECK: the distroless runtime has no shell or curl to run one. Point your
# orchestrator's liveness/readiness probes at http://<container>:8080/healthz instead.

# --- build ------------------------------------------------------------------
FROM golang:1.26.8-bookworm AS build
WORKDIR /src

# Modules first, in a layer of their own: it is rebuilt only when go.mod or go.sum change,
# not on every source edit.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
# Static binary (pure-Go SQLite, so no cgo), without local paths or debug symbols.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/testerbot .

# An empty /data owned by the runtime's nonroot user (65532). The runtime image has no shell to
# mkdir or chown, and Docker seeds a new named volume from this directory, ownership included,
# so the bot can create its audit database there.
RUN mkdir -p /out/rootfs/data

# --- runtime ----------------------------------------------------------------
# distroless/static: CA certificates (for Slack and Applivery over HTTPS), tzdata, a passwd
# entry for nonroot, and nothing else.
FROM gcr.io/distroless/static-debian12:nonroot

COPY --from=build --chown=65532:65532 /out/rootfs/ /
# The binary stays root-owned: the process can run it but not replace it.
COPY --from=build /out/testerbot /testerbot

# The audit log (SQLite) lives on the volume so it survives upgrades. A bind-mounted host
# directory must be writable by uid 65532.
WORKDIR /data
VOLUME /data
ENV AUDIT_DB=/data/invites.db
# The channel -> Applivery app mapping is configuration, not code: mount it read-only.
ENV CHANNELS_FILE=/config/channels.yaml

# Health (/healthz) and Prometheus metrics: the default HTTP_ADDR is :8080.
EXPOSE 8080

# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
ENTRYPOINT ["/testerbot"]
