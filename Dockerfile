# esrpipe image: build and test on Debian 12, package (cpack -G DEB), then a
# slim runtime that installs that .deb with apt (which pulls in its libraries).
#   docker build -t esrpipe .
#   docker run --rm -u "$(id -u):$(id -g)" -v "$PWD/out:/data" esrpipe run -o /data/sample \
#       /usr/local/share/esrpipe/fixtures/sample/esr_sample_2026-03-31.csv

# --- build: the README quick start's install and build, then the tests ----
FROM debian:bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y build-essential cmake pkg-config libxlsxwriter-dev libcsv-dev zlib1g-dev libssl-dev libcriterion-dev python3 python3-openpyxl gcovr
WORKDIR /src
COPY . .
RUN cmake -S . -B build && cmake --build build -j"$(nproc)" \
 && ./build/esrpipe run -o output/sample fixtures/sample/esr_sample_2026-03-31.csv
RUN ctest --test-dir build --output-on-failure -j"$(nproc)"
# the Debian package: /usr/bin/esrpipe, /usr/share/esrpipe/mappings, esrpipe(1),
# the systemd examples (packaging/package.cmake)
RUN cd build && cpack -G DEB -B /pkg && mv /pkg/esrpipe_*.deb /pkg/esrpipe.deb \
 && mkdir -p /stage/usr/local/share/esrpipe/fixtures \
 && cp -r /src/fixtures/sample /stage/usr/local/share/esrpipe/fixtures/

# --- runtime: the package and its dependencies only, non-root -------------
FROM debian:bookworm-slim
COPY --from=build /pkg/esrpipe.deb /tmp/
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/esrpipe.deb \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /tmp/esrpipe.deb \
 && esrpipe check-mappings >/dev/null
COPY --from=build /stage/usr/local/ /usr/local/
RUN useradd --system --create-home --home-dir /data --shell /usr/sbin/nologin esrpipe
USER esrpipe
WORKDIR /data
ENTRYPOINT ["esrpipe"]
CMD ["--help"]
