# warden alone: the static binary on an empty image, for COPY --from= in other images.
#   docker build -t warden .                   (BuildKit; the build machine's architecture)
#   docker buildx build --platform linux/amd64,linux/arm64,linux/arm/v7 -t REGISTRY/warden .
# The builder runs on the build machine's own architecture and cross-compiles for the
# image's (TARGETARCH): Debian's cross gcc and musl, libcap-ng from Debian's source package.
ARG BASE=debian:bookworm-slim

FROM --platform=$BUILDPLATFORM ${BASE} AS builder
ARG TARGETARCH
ARG TARGETVARIANT
COPY . /src
RUN sh /src/tools/install-cross-deps.sh "$TARGETARCH$TARGETVARIANT" \
    && cmake -S /src -B /build -DWARDEN_ARCH="$TARGETARCH$TARGETVARIANT" -DWARDEN_TESTS=OFF \
    && cmake --build /build -j"$(nproc)"

FROM scratch
COPY --from=builder /build/warden /usr/local/bin/warden
ENTRYPOINT ["/usr/local/bin/warden", "--"]
