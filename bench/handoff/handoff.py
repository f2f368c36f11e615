#!/usr/bin/python3
"""Hand-off latency of the gate: from a node giving its slot back (the CAS that takes it out of .lock) to the
next waiting node being in maintenance (its maintenance call answered), over many hand-offs, for

  - blocking: the gate as shipped, waiting with blocking queries on the slots folder and on health;
  - retry-with-delay: the same gate asked once per attempt (wait=0) by a loop that sleeps between attempts,
    as `until:`/`retries:`/`delay:` loops and `consul lock`'s 5 s retry are commonly written.

Both run in the same invocation against one consul-sim datacenter, with one process per node, max_offline 1.
Prints count, p50, p95, p99 and max for each, and the ratio of the medians. Never fails on time.

    handoff.py [--nodes 5] [--handoffs 200] [--baseline-handoffs 20] [--baseline-delay 5] [--hold 0.05]
               [--consul-sim PATH]
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
ANSIBLE = os.path.join(SOURCE, "ansible")
sys.path.insert(0, os.path.join(ANSIBLE, "tests", "support"))


def collections_dir(base):
    path = os.path.join(base, "collections")
    link = os.path.join(path, "ansible_collections", "baton", "gate")
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link))
        os.symlink(ANSIBLE, link)
    return path


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


# --- worker: one node ------------------------------------------------------------------------------------------

def worker(args):
    sys.path.insert(0, args.collections)
    from ansible_collections.baton.gate.plugins.module_utils.consul_client import ConsulClient
    from ansible_collections.baton.gate.plugins.module_utils.gate_protocol import Gate, GateConfig

    out = open(args.out, "a", buffering=1)

    class TimedGate(Gate):
        """Stamps the two moments the benchmark measures, with the system-wide monotonic clock."""

        def _set_maintenance(self, enable):
            Gate._set_maintenance(self, enable)
            if enable:
                out.write(json.dumps({"node": args.node, "in": time.monotonic()}) + "\n")

        def _remove_holders(self, sessions, deadline):
            ok = Gate._remove_holders(self, sessions, deadline)
            if ok:
                out.write(json.dumps({"node": args.node, "out": time.monotonic()}) + "\n")
            return ok

    client = ConsulClient(args.agent, timeout=10)

    def barrier(round_no):
        """Every node takes one turn per round; the next round starts when all have had theirs. Within a round
        the nodes still waiting are the ones a freed slot is handed to."""
        with open(args.barrier, "a") as f:
            f.write("%d\n" % round_no)
        while True:
            with open(args.barrier) as f:
                if sum(1 for line in f if line.strip() == str(round_no)) >= args.count:
                    return
            time.sleep(0.005)

    for round_no in range(args.rounds):
        barrier(round_no)
        out.write(json.dumps({"node": args.node, "wait": time.monotonic()}) + "\n")
        if args.mode != "blocking":
            # The loops start at random phases, so they do not retry in lockstep (which would make every
            # hand-off take the whole delay).
            time.sleep(random.uniform(0, args.delay))
        while True:
            if args.mode == "blocking":
                r = TimedGate(client, GateConfig("bench", wait=30, job_id="bench")).enter()
            else:
                r = TimedGate(client, GateConfig("bench", wait=0, job_id="bench")).enter()
                if r["gate"]["state"] != "entered":
                    time.sleep(args.delay)
            if r["gate"]["state"] == "entered":
                break
        time.sleep(args.hold)
        TimedGate(client, GateConfig("bench", health_timeout=10)).leave()
    return 0


# --- driver ----------------------------------------------------------------------------------------------------

def run_mode(sim, nodes, mode, handoffs, delay, hold, workdir, coll):
    events = os.path.join(workdir, "%s.jsonl" % mode)
    barrier = os.path.join(workdir, "%s.barrier" % mode)
    # Each round gives len(nodes) - 2 hand-offs to a node that was already waiting (the first entry of a round
    # follows no release, the last release of a round has nobody left waiting).
    rounds = -(-handoffs // max(1, len(nodes) - 2)) + 1
    procs = []
    for n in nodes:
        procs.append(subprocess.Popen([sys.executable, __file__, "--worker", "--mode", mode, "--node", n,
                                       "--agent", sim.agents[n], "--out", events, "--rounds", str(rounds),
                                       "--delay", str(delay), "--hold", str(hold), "--barrier", barrier,
                                       "--count", str(len(nodes)), "--collections", coll]))
    for p in procs:
        p.wait()
    stamps = []
    with open(events) as f:
        for line in f:
            stamps.append(json.loads(line))
    entries = sorted((e["in"], e["node"]) for e in stamps if "in" in e)
    releases = sorted((e["out"], e["node"]) for e in stamps if "out" in e)
    waits = {}
    for e in stamps:
        if "wait" in e:
            waits.setdefault(e["node"], []).append(e["wait"])
    lat = []
    for t_out, node in releases:
        nxt = next(((t, n) for t, n in entries if t > t_out), None)
        if nxt is None or nxt[1] == node:
            continue  # the last release, or the same node came back first: not a hand-off
        # A hand-off only when the next node was already waiting when the slot was given back (not still
        # stepping aside after its own previous turn).
        started = max([w for w in waits.get(nxt[1], []) if w < nxt[0]] or [float("inf")])
        if started < t_out:
            lat.append(nxt[0] - t_out)
    return lat[:handoffs]


def report(name, lat):
    ms = [x * 1000.0 for x in lat]
    print("%-17s n=%4d  p50 %8.1f ms  p95 %8.1f ms  p99 %8.1f ms  max %8.1f ms" % (
        name, len(ms), percentile(ms, 50), percentile(ms, 95), percentile(ms, 99), max(ms) if ms else float("nan")))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nodes", type=int, default=5, help="nodes (processes) competing for one slot, at least 3")
    p.add_argument("--handoffs", type=int, default=200, help="hand-offs to measure with blocking queries")
    p.add_argument("--baseline-handoffs", type=int, default=20)
    p.add_argument("--baseline-delay", type=float, default=5.0,
                   help="seconds between attempts of the retry loop (Ansible's default delay is 5)")
    p.add_argument("--hold", type=float, default=0.05, help="seconds each node stays in maintenance")
    p.add_argument("--consul-sim", help="the consul-sim binary (default: $CONSUL_SIM or a build tree)")
    p.add_argument("--workdir")
    # worker mode (internal)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    for name in ("mode", "node", "agent", "out", "collections", "barrier"):
        p.add_argument("--" + name, help=argparse.SUPPRESS)
    for name, default in (("rounds", 0), ("count", 0), ("delay", 0.0)):
        p.add_argument("--" + name, type=type(default), default=default, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    if args.nodes < 3:
        p.error("--nodes must be at least 3")
    if args.consul_sim:
        os.environ["CONSUL_SIM"] = args.consul_sim
    from simfleet import ConsulSim

    workdir = args.workdir or tempfile.mkdtemp(prefix="baton-handoff-")
    coll = collections_dir(workdir)
    nodes = ["bench-%d" % i for i in range(1, args.nodes + 1)]
    config = {"datacenter": "dc1",
              "nodes": [{"name": n, "services": [{"id": "bench", "name": "bench", "port": 8000 + i,
                                                  "checks": [{"id": "ok", "status": "passing"}]}]}
                        for i, n in enumerate(nodes)],
              "kv": {"baton/services/bench/max_offline": "1"},
              "limits": {"http_max_conns_per_client": 0}}
    sim = ConsulSim(os.path.join(workdir, "sim"), config).start()
    try:
        print("hand-off latency, %d nodes, max_offline 1, %.0f ms in maintenance (consul-sim, loopback)"
              % (args.nodes, args.hold * 1000))
        blocking = run_mode(sim, nodes, "blocking", args.handoffs, 0.0, args.hold, workdir, coll)
        report("blocking", blocking)
        baseline = run_mode(sim, nodes, "retry", args.baseline_handoffs, args.baseline_delay, args.hold, workdir,
                            coll)
        report("retry, delay %gs" % args.baseline_delay, baseline)
        if blocking and baseline:
            print("median ratio retry/blocking: %.0fx" % (percentile(baseline, 50) / percentile(blocking, 50)))
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
