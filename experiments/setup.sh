#!/usr/bin/env bash
# Installs the Debian packages murmur needs (only those missing), configures
# CMake in Release mode and builds everything into build/.
#   --tests  also what only the test suite needs: the packages below and the
#            fuzz targets (MURMUR_FUZZ), which ctest then runs for a bounded
#            time each.
set -euo pipefail
cd "$(dirname "$0")/.."

tests=OFF
for arg in "$@"; do
  case "$arg" in
    --tests) tests=ON ;;
    *) echo "setup.sh: unknown option $arg; use --tests or nothing" >&2; exit 2 ;;
  esac
done

packages=(
  g++ cmake make              # toolchain
  libcaf-dev                  # CAF 0.17.6: actors and networking
  libcaf-openssl0.17 libssl-dev  # TLS between hosts (CAF's OpenSSL module)
  openssl                     # certificates for runs across hosts and tests
  libeigen3-dev libtbb-dev    # numerics and parallel loops
  zlib1g-dev                  # gzip'ed IDX files
  libcli11-dev                # command line
  libtomlplusplus-dev         # TOML configs
  nlohmann-json3-dev          # summary.json
  doctest-dev                 # tests
  dataset-fashion-mnist       # the default data set
  gnuplot-nox                 # murmur plot (pngcairo and svg terminals)
)
# Only for the test suite (--tests), one reason per package.
test_packages=(
  clang                       # compiles the fuzz targets (libFuzzer is clang's)
  libclang-rt-14-dev          # libFuzzer, ASan and UBSan runtimes for clang 14
)
if [ "$tests" = ON ]; then
  packages+=("${test_packages[@]}")
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMURMUR_FUZZ="$tests" >/dev/null
cmake --build build -j"$(nproc)"
