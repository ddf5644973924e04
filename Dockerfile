# The GitHub Action's image: the fully static binary on an empty base, with a CA bundle.
# Nothing here names an architecture (debian:12 is multi-arch; the release-static preset is the host's
# native build), so `docker build` on an arm64 host, or `docker buildx build --platform linux/arm64`,
# builds an arm64 image natively. scripts/release cross-builds the arm64 binary without Docker.
FROM debian:12 AS build
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      cmake make g++ libboost-dev libssl-dev rapidjson-dev ca-certificates >/dev/null
WORKDIR /src
COPY . .
RUN cmake --preset release-static -DBUILD_TESTING=OFF -DBUILD_BENCHMARKS=OFF >/dev/null \
 && cmake --build --preset release-static -j "$(nproc)" --target codeartifact-token \
 && strip build/release-static/plugin/codeartifact-token

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/build/release-static/plugin/codeartifact-token /codeartifact-token
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/codeartifact-token"]
