# esrpipe image: build and test on Debian 12, then a slim runtime.
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
# bin/esrpipe and share/esrpipe/mappings, per CMakeLists.txt's install rules
RUN DESTDIR=/stage cmake --install build --prefix /usr/local \
 && mkdir -p /stage/usr/local/share/esrpipe/fixtures \
 && cp -r fixtures/sample /stage/usr/local/share/esrpipe/fixtures/

# --- runtime: shared libraries only, non-root -----------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libxlsxwriter4 libcsv3 zlib1g libssl3 \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY --from=build /stage/usr/local/ /usr/local/
RUN useradd --system --create-home --home-dir /data --shell /usr/sbin/nologin esrpipe
USER esrpipe
WORKDIR /data
ENTRYPOINT ["esrpipe"]
CMD ["--help"]
