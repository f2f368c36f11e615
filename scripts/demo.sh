#!/usr/bin/env bash
# The README's demo command. On a fresh Debian 12 machine: installs what is missing (scripts/bootstrap.sh),
# configures and builds the tree the test command builds (preset debug, build/debug: a newcomer who ran the tests
# does not build twice), then starts a local datacenter — consul-sim with services web (6 nodes) and db (3), a
# demo app per node, baton-service with the sample playbooks — and Baton Console connected to both. Without a
# display it runs a scripted tour instead and writes screenshots and a summary to a folder it names.
#
#   scripts/demo.sh [--headless | --interactive] [--no-build] [--build-dir DIR] [demo options]
#
#   --headless       the scripted tour (the default when neither $DISPLAY nor $WAYLAND_DISPLAY is set)
#   --interactive    the console (the default with a display)
#   --no-build       skip bootstrap, configure and build: use the binaries already in the build folder
#   --build-dir DIR  the build folder (default build/$BATON_PRESET, i.e. build/debug; or $BATON_BUILD_DIR).
#                    With a folder that is not a preset's, an existing build there is reused as it is.
#   --help           this text, then the demo's own options
#
# Demo options (scripts/demo/demo.py): --out DIR, --summary FILE, --work DIR, --keep, --no-console,
# --change-seconds S, --shot-after-ms MS, --capacity-after-ms MS, --job-timeout S, --verbose. Ctrl+C, or closing the console, stops everything the demo started.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

preset=${BATON_PRESET:-debug}
build_dir=${BATON_BUILD_DIR:-}
do_build=1
demo_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-build) do_build=0 ;;
        --build-dir) [[ $# -ge 2 ]] || { echo "demo.sh: --build-dir needs a folder" >&2; exit 2; }
                     build_dir=$2; shift ;;
        --build-dir=*) build_dir=${1#*=} ;;
        --version) exec /usr/bin/python3 "$root/scripts/demo/demo.py" --bin /nonexistent --version ;;
        --help|-h)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exec /usr/bin/python3 "$root/scripts/demo/demo.py" --bin /nonexistent --help ;;
        *) demo_args+=("$1") ;;
    esac
    shift
done
[[ -n "$build_dir" ]] || build_dir="$root/build/$preset"
build_dir=$(mkdir -p "$build_dir" && cd "$build_dir" && pwd)

if [[ $do_build == 1 ]]; then
    scripts/bootstrap.sh
    if [[ "$build_dir" == "$root/build/$preset" ]]; then
        [[ -f "$build_dir/CMakeCache.txt" ]] || cmake --preset "$preset" >/dev/null
    else
        [[ -f "$build_dir/CMakeCache.txt" ]] || cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null
    fi
    echo "demo.sh: building consul-sim, baton-service and baton-console in $build_dir"
    cmake --build "$build_dir" --target consul-sim baton-service baton-console
fi
for program in consul-sim baton-service baton-console; do
    if [[ ! -x "$build_dir/bin/$program" ]]; then
        echo "demo.sh: $build_dir/bin/$program is missing: run without --no-build, or pass --build-dir" >&2
        exit 1
    fi
done

# exec: the demo's own signal handling (Ctrl+C, a closed terminal) is then the only one, and it stops everything.
exec /usr/bin/python3 "$root/scripts/demo/demo.py" --bin "$build_dir/bin" "${demo_args[@]}"
