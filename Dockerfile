# testerbot container image.
#
# Build:  docker build -t testerbot .
# Run:    mkdir -p channels && cp channels.example.yaml channels/channels.yaml   # then edit it
#         docker run -d --name testerbot --stop-timeout 40 \
#           -e SLACK_APP_TOKEN -e SLACK_BOT_TOKEN \
#           -e APPLIVERY_API_TOKEN -e APPLIVERY_ORGANIZATION \
#           -v testerbot-data:/data \
#           -v "$PWD/channels:/config:ro" \
#           -p 127.0.0.1:8080:8080 testerbot
# Or:     compose.yaml, with PostgreSQL.
#
# Tokens come from the environment at run time and are never baked into the image. The mapping
# is a mounted folder, not a file, so that an editor's atomic save (a new file renamed over the
# old) reaches the container; it must be readable by uid 65532. --stop-timeout is longer than
# SHUTDOWN_TIMEOUT (25s), so in-flight invites finish before Docker kills the process.

# Base images are pinned by digest, so a build today and one in a year start from the same
# bytes; the tag each digest stands for is in the comment above it. To move to a newer build of
# the same tag (security fixes), read its digest where a registry is reachable and replace it:
#   docker buildx imagetools inspect golang:1.26.8-bookworm        (or: crane digest …)
#   docker buildx imagetools inspect gcr.io/distroless/static-debian12:nonroot

# --- build ------------------------------------------------------------------
# golang:1.26.8-bookworm, the multi-platform index of its 2026-09-19 build, as Docker's official
# images record it (github.com/docker-library/repo-info, repos/golang/remote/1.26.8-bookworm.md).
FROM golang:1.26.8-bookworm@sha256:f4191582e1522dfc5980a6bdc0309a756f9697f3e7d0f199c7e26fc82ab324fd AS build
WORKDIR /src

# Modules first, in a layer of their own: it is rebuilt only when go.mod or go.sum change,
# not on every source edit.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
# Static binary (pure-Go SQLite, so no cgo), without local paths or debug symbols. The context
# includes .git, so the build records the commit and whether the tree was modified, which
# `testerbot version` and the start-up log print (-buildvcs=auto: a context without .git builds
# all the same, and says "commit unknown").
RUN CGO_ENABLED=0 go build -buildvcs=auto -trimpath -ldflags="-s -w" -o /out/testerbot .

# An empty /data owned by the runtime's nonroot user (65532). The runtime image has no shell to
# mkdir or chown, and Docker seeds a new named volume from this directory, ownership included,
# so the bot can create its audit database there.
RUN mkdir -p /out/rootfs/data

# --- runtime ----------------------------------------------------------------
# distroless/static: CA certificates (for Slack and Applivery over HTTPS), tzdata, a passwd
# entry for nonroot, and nothing else.
# gcr.io/distroless/static-debian12:nonroot, its multi-platform index as of 2026-08-26.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab

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

# The image has no shell or curl: the binary asks its own /readyz (HTTP_ADDR's port). Kubernetes
# ignores this; point its probes at /healthz and /readyz.
HEALTHCHECK --interval=15s --timeout=6s --start-period=30s --retries=3 CMD ["/testerbot", "healthcheck"]

# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
ENTRYPOINT ["/testerbot"]
