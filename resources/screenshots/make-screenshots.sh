#!/usr/bin/env bash
# Renders the console screenshots for the docs against a real (local) datacenter: consul-sim with three services,
# baton-service running the test playbook on simulated nodes, a few jobs in every state, one node left in
# maintenance, one service frozen. Everything runs on 127.0.0.1 with port 0 and is stopped at the end.
#
#   resources/screenshots/make-screenshots.sh [BUILD_DIR] [OUT_DIR]
#
# BUILD_DIR defaults to build/debug, OUT_DIR to resources/screenshots. Needs consul-sim, baton-service and
# baton-console built, ansible-playbook, curl and /usr/bin/python3.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build/debug}" && pwd)
out=$(mkdir -p "${2:-$root/resources/screenshots}" && cd "${2:-$root/resources/screenshots}" && pwd)
bin=$build/bin
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

py=/usr/bin/python3
wait_file() { for _ in $(seq 1 200); do [[ -s "$1" ]] && return 0; sleep 0.1; done; echo "timed out waiting for $1" >&2; return 1; }

# A datacenter: web ×8 (tags blue/green), db ×3, cache ×4.
$py - "$work/dc.json" <<'EOF'
import json, sys
nodes = []
def node(name, service, port, tags):
    return {"name": name, "address": "127.0.0.1", "http": "127.0.0.1:0",
            "services": [{"id": service, "name": service, "port": port, "tags": tags,
                          "checks": [{"id": service + "-ttl", "ttl": "24h", "status": "passing"}]}]}
for i in range(1, 9):
    nodes.append(node("web-%d" % i, "web", 8080, ["blue" if i % 2 else "green"]))
for i in range(1, 4):
    nodes.append(node("db-%d" % i, "db", 5432, ["primary" if i == 1 else "replica"]))
for i in range(1, 5):
    nodes.append(node("cache-%d" % i, "cache", 6379, []))
json.dump({"datacenter": "dc1", "nodes": nodes}, open(sys.argv[1], "w"))
EOF
"$bin/consul-sim" --config "$work/dc.json" --ready-file "$work/sim.ready" 2>"$work/sim.log" &
pids+=($!)
wait_file "$work/sim.ready"
consul=$($py -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["nodes"]["web-1"])' "$work/sim.ready")

$py - "$work/sim.ready" "$work/node-vars.json" <<'EOF'
import json, sys
ready = json.load(open(sys.argv[1]))
json.dump({"defaults": {"ansible_connection": "local", "ansible_python_interpreter": "/usr/bin/python3"},
           "nodes": {n: {"baton_consul_http_addr": url} for n, url in ready["nodes"].items()}},
          open(sys.argv[2], "w"))
EOF
token=screenshot-operator-token
echo "{\"tokens\": [{\"name\": \"alice\", \"token\": \"$token\", \"role\": \"operator\"}]}" > "$work/tokens.json"
"$bin/baton-service" --listen 127.0.0.1:0 --consul "$consul" --playbooks "$root/tests/service/data/playbooks" \
    --db "$work/baton.db" --tokens "$work/tokens.json" --node-vars "$work/node-vars.json" \
    --collections "$build/collections" --ready-file "$work/svc.ready" 2>"$work/svc.log" &
pids+=($!)
wait_file "$work/svc.ready"
svc=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/svc.ready")

api() { curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
kv() { curl -sf -X PUT --data "$2" "$consul/v1/kv/baton/services/$1/max_offline" >/dev/null; }
launch() { api -X POST "$svc/v1/jobs" -d "$1" | $py -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

kv web 2
kv db 0
# History: a quick job that succeeds, one that partly fails, then a slow one still running with nodes waiting.
j1=$(launch '{"playbook":"rolling.yml","target":{"service":"cache"},"extra_vars":{"change_seconds":0}}')
j2=$(launch '{"playbook":"rolling.yml","target":{"service":"web","tag":"green"},"extra_vars":{"change_seconds":0,"fail_on":"web-4"},"halt_on_failure":false}')
for _ in $(seq 1 120); do
    s1=$(api "$svc/v1/jobs/$j1" | $py -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    s2=$(api "$svc/v1/jobs/$j2" | $py -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    [[ $s1 != queued && $s1 != running && $s2 != queued && $s2 != running ]] && break
    sleep 1
done
# An operator left web-7 in maintenance by hand after a Baton run: the Health page flags it.
curl -sf -X PUT "$(${py} -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"]["web-7"])' "$work/sim.ready")/v1/agent/maintenance?enable=true&reason=baton:%20job%2041%20by%20bob" >/dev/null
j3=$(launch '{"playbook":"rolling.yml","target":{"service":"web","tag":"blue"},"extra_vars":{"change_seconds":600}}')
# Wait until it has nodes in maintenance and others waiting for a slot.
for _ in $(seq 1 120); do
    n=$(api "$svc/v1/jobs/$j3" | $py -c 'import json,sys; j=json.load(sys.stdin); print(sum(1 for n in j["nodes"] if n["state"]=="in_maintenance"))')
    [[ $n -ge 1 ]] && break
    sleep 1
done
sleep 2

shot() {
    local view=$1 file=$2
    XDG_CONFIG_HOME="$work/console-config" BATON_TOKEN_STORE=file BATON_TOKEN=$token \
        "$bin/baton-console" --job-service "$svc" --consul "$consul" --screenshot "$out/$file" \
        --screenshot-view "$view" --screenshot-after 4000 ${3:-}
}
mkdir -p "$work/console-config/Baton"
# Select the running job when the window opens: the detail pane shows its node runs.
cat > "$work/console-config/Baton/baton-console.conf" <<EOF
[General]
theme=light
EOF
shot main console-main.png
shot launch console-launch.png
shot max-offline console-max-offline.png
shot services console-services.png
shot health console-health.png
shot main console-main-dark.png "--theme dark"
echo "screenshots in $out"
