#!/usr/bin/env bash
# Installs the Debian packages murmur needs (only those missing), configures
# CMake in Release mode and builds everything into build/.
#   --tests  also the test suite (MURMUR_TESTS; without it only the program is
#            built) and what only it needs: the packages below and the fuzz
#            targets (MURMUR_FUZZ), which ctest then runs for a bounded time
#            each.
#   --torch  also libtorch, for model.kind = "torchscript" (MURMUR_TORCH),
#            and Python's torch for experiments/models/. Heavy: libtorch-dev
#            brings 150 Debian packages (OpenCV, GDAL...; 123 MB download,
#            500 MB on disk, 3 minutes), python3-torch 34 more (47 MB, 280
#            MB, 2 minutes), so the quick start leaves them out.
set -euo pipefail
cd "$(dirname "$0")/.."

tests=OFF
torch=OFF
python_torch=OFF
for arg in "$@"; do
  case "$arg" in
    --tests) tests=ON ;;
    --torch) torch=ON; python_torch=ON ;;
    *) echo "setup.sh: unknown option $arg; use --tests, --torch or nothing" >&2
       exit 2 ;;
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
  libcpp-httplib-dev          # the dashboard's web server (murmur run --dashboard)
  dataset-fashion-mnist       # the default data set
  gnuplot-nox                 # murmur plot (pngcairo and svg terminals)
)
# Only for the test suite (--tests), one reason per package.
test_packages=(
  doctest-dev                 # the test suite
  clang                       # compiles the fuzz targets (libFuzzer is clang's)
  libclang-rt-14-dev          # libFuzzer, ASan and UBSan runtimes for clang 14
  iproute2                    # ip and tc: network namespaces with shaped links
  chromium                    # headless browser for the dashboard's browser test
                              #   (driven over the DevTools pipe: no npm)
)
# Only for TorchScript models (--torch); its tests (libtorch as the oracle
# for the native layers' backprop) are skipped, visibly, without it.
torch_packages=(
  libtorch-dev                # libtorch 1.13: loads and runs TorchScript modules
)
# Only with --torch: the tests need none of it (the .pt files are in git).
python_torch_packages=(
  python3-torch               # the same torch for Python: experiments/models/
                              #   write_models.py and the PyTorch baseline
)
if [ "$tests" = ON ]; then
  packages+=("${test_packages[@]}")
fi
if [ "$torch" = ON ]; then
  packages+=("${torch_packages[@]}")
fi
if [ "$python_torch" = ON ]; then
  packages+=("${python_torch_packages[@]}")
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
  started=$SECONDS
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: installed in $((SECONDS - started)) s"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMURMUR_TESTS="$tests" \
  -DMURMUR_FUZZ="$tests" -DMURMUR_TORCH="$torch" >/dev/null
cmake --build build -j"$(nproc)"
