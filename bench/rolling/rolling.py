#!/usr/bin/python3
"""Rolling benchmark: Baton against Ansible's own `serial`, on the same nodes with the same change.

    rolling.py --bin BUILD/bin [--ks 1,2,4] [--reps 2] [--nodes 12] [--seed 7] [--min-seconds 0.5]
               [--max-seconds 4] [--json FILE] [--keep]

One datacenter for the whole run (scripts/demo/datacenter.py): consul-sim with one service, web, of --nodes
simulated nodes, a demo-node app per node checked over HTTP every second, and baton-service. Each node's change
takes its own time (drawn once from [--min-seconds, --max-seconds] with --seed; the same for both modes).

For each repetition and each k, in this order:
- serial: max_offline = k, then one `ansible-playbook serial.yml -e bench_serial=k -f N` over all nodes
  (the sample change of ansible/playbooks/deploy.yml in batches of k; the gate never blocks a batch);
- baton: max_offline = k, then a Baton job of deploy.yml on web through the REST API (one ansible-playbook per
  node, all dispatched at once, the gate admitting k at a time).

Per run it records the wall time (serial: the ansible-playbook process; baton: the job's created_at to
finished_at), the most instances offline at once (a blocking-query sampler on /v1/health/service/web: consul-sim
health, not Baton's states) and the hand-offs: for Baton, a slot given back to the next already-waiting node
taking it (the slot folder in Consul); for both, an instance back in service to the next one going out (health).
Then prints a table per k with medians and the ratio Baton / serial per k. It never fails on time; it exits 1
only when a run did not finish with every node succeeded (a bench of a broken rollout means nothing).
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
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts", "demo"))

from datacenter import Datacenter, DemoError, PYTHON  # noqa: E402
from observe import HealthSampler, SlotWatcher, fifo_handoffs, node_timings, parse_time, percentile  # noqa: E402

SERVICE = "web"
HEALTH_TIMEOUT = 60


def say(text=""):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def median(values):
    return percentile(values, 50) if values else float("nan")


def wait_idle(dc, sampler, slots, timeout=60):
    """Until every instance is passing and nobody holds a slot: each run starts from the same state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not sampler.current() and not slots.current():
            return
        time.sleep(0.2)
    raise DemoError("the service did not settle between runs: offline %s, holders %s"
                    % (sorted(sampler.current()), sorted(slots.current())))


def serial_inventory(dc, path, run_id):
    """The same host variables the job service gives each node (node-vars file), for a plain ansible-playbook."""
    with open(dc.path("node-vars.json")) as f:
        nv = json.load(f)
    hosts = {}
    for node, _service in dc.nodes:
        v = dict(nv["defaults"])
        v.update(nv["nodes"][node])
        v.update({"baton_service": SERVICE, "baton_node": node, "baton_job_id": run_id, "baton_operator": "bench",
                  # Jitter spreads the first CAS of nodes dispatched together; a serial batch has no race to
                  # spread, so the baseline gets none (the benefit of the doubt goes to serial).
                  "baton_jitter": 0})
        hosts[node] = v
    with open(path, "w") as f:
        json.dump({"all": {"hosts": hosts}}, f, indent=1)


def run_serial(dc, k, rep, work):
    run_id = "serial-k%d-r%d" % (k, rep)
    inv = os.path.join(work, run_id + ".json")
    serial_inventory(dc, inv, run_id)
    env = dc.child_env({"ANSIBLE_COLLECTIONS_PATH": os.path.join(os.path.dirname(dc.bin_dir), "collections"),
                        "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_RETRY_FILES_ENABLED": "False",
                        "ANSIBLE_NOCOLOR": "1", "ANSIBLE_PYTHON_INTERPRETER": PYTHON})
    log = os.path.join(work, run_id + ".log")
    t0 = time.time()
    with open(log, "wb") as out:
        r = subprocess.run(["ansible-playbook", "-i", inv, "-f", str(len(dc.nodes)), "-e", "bench_serial=%d" % k,
                            os.path.join(HERE, "playbooks", "serial.yml")], stdin=subprocess.DEVNULL, stdout=out,
                           stderr=subprocess.STDOUT, env=env, timeout=1800)
    t1 = time.time()
    return {"mode": "serial", "k": k, "rep": rep, "start": t0, "end": t1, "wall_s": t1 - t0,
            "ok": r.returncode == 0, "detail": "exit %d (%s)" % (r.returncode, log)}


def run_baton(dc, k, rep):
    job = dc.launch({"playbook": "deploy.yml", "target": {"service": SERVICE},
                     "extra_vars": {"demo_version": "bench-k%d-r%d" % (k, rep)},
                     "timeout_s": 1800, "node_timeout_s": 1800})
    job = dc.wait_for_job(job["id"], 1800)
    start = parse_time(job["created_at"])
    end = parse_time(job["finished_at"])
    rows = node_timings(job)
    ok = job["state"] == "succeeded" and all(r["state"] == "succeeded" for r in rows)
    return {"mode": "baton", "k": k, "rep": rep, "start": start, "end": end, "wall_s": end - start, "ok": ok,
            "detail": "job %d %s (%s)" % (job["id"], job["state"], job.get("summary", "")),
            "waiting_since": {r["node"]: r["waiting_since"] for r in rows if r["waiting_since"] is not None}}


def main(argv):
    p = argparse.ArgumentParser(prog="rolling.py", description="Baton rolling run vs Ansible serial, same nodes "
                                                                "and change; prints figures, never fails on time.")
    p.add_argument("--version", action="version", version="baton bench/rolling 0.1.0")
    p.add_argument("--bin", required=True, help="the build's bin folder (consul-sim, baton-service)")
    p.add_argument("--ks", default="1,2,4", help="numbers offline at once to compare (default 1,2,4)")
    p.add_argument("--reps", type=int, default=2, help="repetitions of each (mode, k) (default 2)")
    p.add_argument("--nodes", type=int, default=12, help="simulated nodes of the one service (default 12)")
    p.add_argument("--seed", type=int, default=7, help="seed of the per-node change durations")
    p.add_argument("--min-seconds", type=float, default=0.5)
    p.add_argument("--max-seconds", type=float, default=4.0)
    p.add_argument("--json", help="also write every run's figures here")
    p.add_argument("--keep", action="store_true", help="keep the working folder (logs, database)")
    args = p.parse_args(argv)
    try:
        ks = [int(x) for x in args.ks.split(",") if x.strip()]
    except ValueError:
        p.error("--ks takes numbers separated by commas, e.g. 1,2,4")
    if not ks or any(k < 1 or k > args.nodes for k in ks) or not 1 <= args.nodes <= 100 or args.reps < 1:
        p.error("need 1 <= k <= nodes <= 100 and reps >= 1")
    if not 0 <= args.min_seconds <= args.max_seconds <= 600:
        p.error("need 0 <= --min-seconds <= --max-seconds <= 600")

    rng = random.Random(args.seed)
    nodes = ["%s-%d" % (SERVICE, i) for i in range(1, args.nodes + 1)]
    seconds = {n: round(rng.uniform(args.min_seconds, args.max_seconds), 2) for n in nodes}
    work = tempfile.mkdtemp(prefix="baton-bench-rolling-")
    dc = Datacenter(work, args.bin, {SERVICE: args.nodes}, {SERVICE: str(ks[0])},
                    default_vars={"baton_health_timeout": HEALTH_TIMEOUT},
                    node_vars={n: {"demo_change_seconds": s} for n, s in seconds.items()},
                    # Every node gets its runner at once, as on a control node sized for the fleet; the default
                    # cap follows this machine's cores and would queue some nodes behind others.
                    service_args=["--max-runners", str(args.nodes)])
    runs = []
    code = 0
    try:
        dc.start()
        sampler = HealthSampler(dc.consul_url, SERVICE)
        slots = SlotWatcher(dc.consul_url, SERVICE)
        sampler.start()
        slots.start()
        say("rolling bench: %d nodes of %s, change seconds %s (sum %.1f s), ks %s, %d reps; work %s" % (
            args.nodes, SERVICE, " ".join("%g" % seconds[n] for n in nodes), sum(seconds.values()), ks, args.reps,
            work))
        for rep in range(1, args.reps + 1):
            for k in ks:
                for mode in ("serial", "baton"):
                    dc.set_max_offline(SERVICE, k)
                    wait_idle(dc, sampler, slots)
                    time.sleep(1.0)
                    r = run_serial(dc, k, rep, work) if mode == "serial" else run_baton(dc, k, rep)
                    time.sleep(1.5)  # the last node's health reaches the sampler
                    most, _, _ = sampler.most_offline(r["start"], r["end"] + 1)
                    r["most_offline"] = most
                    r["health_handoffs"] = fifo_handoffs(sampler.transitions(r["start"], r["end"] + 1), "back", "out")
                    if mode == "baton":
                        r["slot_handoffs"] = fifo_handoffs(slots.changes(r["start"], r["end"] + 1), "give", "take",
                                                           r.pop("waiting_since"))
                        r["most_holders"] = slots.most_holders(r["start"], r["end"] + 1)
                    say("  rep %d k=%d %-6s %7.1f s  most offline %d  %s%s" % (
                        rep, k, mode, r["wall_s"], most, r["detail"], "" if r["ok"] else "  NOT OK"))
                    runs.append(r)
                    if not r["ok"]:
                        code = 1
        sampler.stop()
        slots.stop()
    except DemoError as e:
        sys.stderr.write("rolling.py: %s\n" % e)
        code = 1
    except KeyboardInterrupt:
        code = 130
    finally:
        dc.stop()
        if args.keep or code:
            say("working folder kept: %s" % work)
        else:
            dc.remove()

    if runs:
        report(runs, ks)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"seconds": seconds, "runs": runs}, f, indent=1)
    return code


def report(runs, ks):
    say("")
    say("%-3s %-22s %-22s %-8s %-10s %-10s %-24s %-22s" % (
        "k", "serial wall s (runs)", "baton wall s (runs)", "ratio", "max off S", "max off B",
        "slot hand-off B p50/p99", "back->next out S / B p50"))
    for k in ks:
        s = [r for r in runs if r["k"] == k and r["mode"] == "serial"]
        b = [r for r in runs if r["k"] == k and r["mode"] == "baton"]
        sw, bw = [r["wall_s"] for r in s], [r["wall_s"] for r in b]
        slot = [x for r in b for x in r["slot_handoffs"]]
        hs = [x for r in s for x in r["health_handoffs"]]
        hb = [x for r in b for x in r["health_handoffs"]]
        ratio = median(bw) / median(sw) if sw and bw else float("nan")
        say("%-3d %-22s %-22s %-8s %-10s %-10s %-24s %-22s" % (
            k, "%.1f (%s)" % (median(sw), " ".join("%.1f" % x for x in sw)),
            "%.1f (%s)" % (median(bw), " ".join("%.1f" % x for x in bw)), "%.2f" % ratio,
            "/".join(str(r["most_offline"]) for r in s), "/".join(str(r["most_offline"]) for r in b),
            "%.0f / %.0f ms (n=%d)" % (percentile(slot, 50) * 1000, percentile(slot, 99) * 1000, len(slot))
            if slot else "- (none)",
            "%.2f / %.2f s" % (median(hs), median(hb))))
    say("(wall: medians, each run in brackets; ratio = median baton / median serial; max off = most instances "
        "offline at once per run, from consul-sim health; hand-offs over all runs of that k)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
