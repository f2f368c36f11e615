#!/usr/bin/env bash
# Installs every Debian 12 package Baton needs to build, test and run its demo.
# Idempotent: asks apt only for what is missing, and prints nothing when all is there.
set -euo pipefail

packages=(
    # toolchain
    g++ cmake ninja-build pkg-config
    # Qt 6.4 and libraries (qt6-charts-dev needs the OpenGL dev packages on bookworm)
    qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev qt6-svg-dev
    qt6-httpserver-dev qt6-websockets-dev libqt6sql6-sqlite libqt6sql6-psql qtkeychain-qt6-dev
    nlohmann-json3-dev libexpected-dev zlib1g-dev
    # the gate, the job service's runners and their tests
    ansible-core python3-pytest python3-consul
    # PostgreSQL store tests, protocol model checking, SSE client from outside the project
    postgresql spin curl
    # headless GUI tests and screenshots
    xvfb xauth fonts-dejavu-core
    # process inspection used by integration tests and benchmarks
    procps
)
if [[ "${BATON_BOOTSTRAP_FUZZ:-0}" == 1 ]]; then
    packages+=(clang-14 libclang-rt-14-dev libfuzzer-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "bootstrap: installing ${missing[*]}"
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
