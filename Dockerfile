# tend's image: only the static binary, /tend, FROM scratch. Build it from a clone:
#   docker build -t tend:$(cat VERSION) .
# then add tend to any image with one line (docs/containers.md, README.md#install):
#   COPY --from=tend:VERSION /tend /usr/bin/tend
#
# Build arguments:
#   BASE         the Debian image to compile in (default debian:bookworm-slim;
#                tests/containers/ passes its own, built offline by debootstrap)
#   TEND_COMMIT  the commit `tend --version` reports (.git is not in the context):
#                docker build --build-arg TEND_COMMIT=$(git rev-parse --short=7 HEAD) ...

ARG BASE=debian:bookworm-slim
FROM ${BASE} AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
         cmake make g++ libc6-dev libtomlplusplus-dev nlohmann-json3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
ARG TEND_COMMIT=
# Only the release preset's tend target: static, stripped, no tests.
RUN cmake --preset release -DTEND_COMMIT="${TEND_COMMIT}" >/dev/null \
    && cmake --build --preset release -j"$(nproc)" --target tend \
    && ./build/release/tend --version

FROM scratch
COPY --from=build /src/build/release/tend /tend
ENTRYPOINT ["/tend"]
