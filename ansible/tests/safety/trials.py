#!/usr/bin/python3
"""Safety trials of the gate: many concurrent ansible-playbook runs against one service in consul-sim, with
faults, while a sampler reads the service's health every 20 ms. It counts violations of the budget from
ground truth (health checks), never from the semaphore key.

    trials.py [--trials N] [--kinds none,sigkill,node-kill,peer-critical,limit,mixed] [--nodes 8]
              [--max-offline 2] [--seed S] [--workdir DIR] [--keep]

Prints one line per trial and a summary: trials, samples, admissions, violations, races the gate undid itself,
over-budget samples by cause, and the outcome of every run. Exit status 1 when any trial had a violation or a
run that neither finished nor halted safely.

What counts as a violation (docs/coordination.md, "Safety test"):
- an admission over budget: a node entered maintenance (the maintenance check's CreateIndex A) while the
  instances offline at index A, plus itself, exceeded the max_offline in force at A, and the gate did not
  undo it itself (its post-maintenance check leaves at once when it sees that);
- an over-budget sample not explained by a failure outside the gate's control (a peer failing by itself, a
  node dying outside a slot) or by max_offline being lowered after the nodes concerned were admitted.
Consul's raft indexes order admissions, failures and limit changes exactly; the 20 ms samples say which
instances were offline and until when.
"""

import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "support"))
sys.path.insert(0, TESTS)
if "ansible_collections" not in sys.modules:
    import conftest  # noqa: F401  (makes ansible_collections.baton.gate importable)

from ansible_collections.baton.gate.plugins.module_utils.gate_core import MaxOffline  # noqa: E402
from rollout import Run  # noqa: E402
from simfleet import Fleet  # noqa: E402

TRIAL_PLAYBOOK = os.path.join(HERE, "trial.yml")
KINDS = ["none", "sigkill", "node-kill", "peer-critical", "limit", "mixed"]
MAINT = ("_service_maintenance:", "_node_maintenance")


def is_maint(check_id):
    return check_id.startswith(MAINT[0]) or check_id == MAINT[1]


class Sampler(threading.Thread):
    """Every `interval` seconds: one consistent health read of the service, kept with its X-Consul-Index and,
    per offline instance, its critical checks with their Create/ModifyIndex."""

    def __init__(self, fleet, interval=0.02):
        threading.Thread.__init__(self, daemon=True)
        self.fleet = fleet
        self.interval = interval
        self.samples = []  # (t, index, {node: [(check id, create index, modify index)]}, instances)
        self.errors = 0
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            t = time.monotonic()
            try:
                entries, index = self.fleet.sim.health(self.fleet.service)
                offline = {}
                for e in entries:
                    crit = [(c["CheckID"], c.get("CreateIndex", 0), c.get("ModifyIndex", 0))
                            for c in e["Checks"] if c["Status"] == "critical"]
                    if crit:
                        offline[e["Node"]["Node"]] = crit
                self.samples.append((t, index, offline, len(entries)))
            except Exception:
                self.errors += 1
            self.halt.wait(max(0.0, self.interval - (time.monotonic() - t)))

    def stop(self):
        self.halt.set()
        self.join(10)


class Faults(threading.Thread):
    """Injects one trial's faults at random moments and records what it did, with Consul indexes."""

    def __init__(self, fleet, runs, kind, rng, base_limit):
        threading.Thread.__init__(self, daemon=True)
        self.fleet = fleet
        self.runs = runs
        self.kind = kind
        self.rng = rng
        self.limits = [(0, base_limit)]  # (KV ModifyIndex, max_offline text)
        self.killed_runs = []
        self.log = []
        self.halt = threading.Event()
        self.error = None

    def sleep(self, a, b):
        return not self.halt.wait(self.rng.uniform(a, b))

    def note(self, text):
        self.log.append("%.2f %s" % (time.monotonic(), text))

    def set_limit(self, text):
        self.fleet.set_max_offline(text)
        status, headers, _ = self.fleet.sim.api("GET", "/v1/kv/baton/services/%s/max_offline" % self.fleet.service)
        self.limits.append((int(headers.get("X-Consul-Index", "0")), text))
        self.note("max_offline=%s at index %s" % (text, self.limits[-1][0]))

    def run(self):
        try:
            kinds = ["sigkill", "node-kill", "peer-critical", "limit"] if self.kind == "mixed" else [self.kind]
            threads = [threading.Thread(target=getattr(self, "do_" + k.replace("-", "_")), daemon=True)
                       for k in kinds if k != "none"]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        except Exception as e:  # reported as a harness error, never as a pass
            self.error = repr(e)

    def do_sigkill(self):
        # Kill a run while its node is in maintenance (mid-change).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not self.halt.is_set():
            inside = [r for r in self.runs if r.poll() is None and r.node in self.fleet.in_maintenance()]
            if inside:
                if not self.sleep(0.1, 0.8):
                    return
                r = self.rng.choice(inside)
                if r.poll() is None and r.node in self.fleet.in_maintenance():
                    r.kill(signal.SIGKILL)
                    self.killed_runs.append(r.node)
                    self.note("SIGKILL run of %s in maintenance" % r.node)
                    return
            time.sleep(0.05)

    def do_node_kill(self):
        if not self.sleep(1.0, 20.0):
            return
        node = self.rng.choice(self.fleet.names)
        self.fleet.sim.kill_node(node, agent="refuse")
        self.note("killed node %s in consul-sim" % node)
        self.sleep(2.0, 5.0)
        self.fleet.sim.revive_node(node)
        self.note("revived node %s" % node)

    def do_peer_critical(self):
        for _ in range(2):
            if not self.sleep(0.5, 10.0):
                return
            node = self.rng.choice(self.fleet.names)
            self.fleet.sim.set_check(node, "fault", "critical")
            self.note("%s critical by itself" % node)
            self.sleep(1.0, 4.0)
            self.fleet.sim.set_check(node, "fault", "passing")
            self.note("%s passing again" % node)

    def do_limit(self):
        base = self.limits[0][1]
        for text in ("1", "3", base):
            if not self.sleep(1.0, 8.0):
                return
            self.set_limit(text)


def limit_at(limits, index, instances):
    text = limits[0][1]
    for idx, t in limits:
        if idx <= index:
            text = t
    return MaxOffline.from_kv(text.encode()).value.limit_for(instances)


def streaks(samples):
    """Per node, its offline streaks as seen by the sampler: (since index, last index seen offline, index of
    the first sample seeing it back, maintenance check create index or None, spontaneous?)."""
    out = {}
    open_ = {}
    for _t, index, offline, _n in samples:
        for node, checks in offline.items():
            if node not in open_:
                since = min((ci if is_maint(cid) else mi) for cid, ci, mi in checks)
                open_[node] = {"since": since, "last": index, "maint": None, "spont": False}
            s = open_[node]
            s["last"] = index
            for cid, ci, mi in checks:
                if is_maint(cid) and s["maint"] is None:
                    s["maint"] = ci
                if cid in ("fault", "serfHealth"):
                    s["spont"] = True
        for node in list(open_):
            if node not in offline:
                s = open_.pop(node)
                s["end"] = index
                out.setdefault(node, []).append(s)
    for node, s in open_.items():
        s["end"] = None
        out.setdefault(node, []).append(s)
    return out


def check_trial(samples, limits, runs_undid):
    """Returns (admissions, violations [text], races undone, over-budget samples by cause)."""
    st = streaks(samples)
    violations, undone = [], 0
    admissions = 0

    def offline_at(node, index):
        for s in st.get(node, []):
            if s["since"] <= index <= s["last"]:
                return True
        return False

    instances = max([s[3] for s in samples] or [0])
    # 1. Every admission (a maintenance check appearing) against the instances offline at its index.
    episodes = []
    for node, ss in st.items():
        for s in ss:
            # A maintenance check that appeared during a streak (e.g. after the node went critical) starts an
            # episode at its own create index.
            if s["maint"] is not None:
                episodes.append((s["maint"], node, s))
    undone_episodes = set()
    for a, node, s in sorted(episodes):
        admissions += 1
        others = sorted(m for m in st if m != node and offline_at(m, a))
        limit = limit_at(limits, a, instances)
        if len(others) + 1 > limit:
            if node in runs_undid and (s["end"] is not None):
                undone += 1
                undone_episodes.add((node, a))
            else:
                violations.append("admission of %s at index %d with %s offline, max_offline %d"
                                  % (node, a, ", ".join(others) or "none", limit))
    # 2. Every sample against the limit, excusing failures outside the gate and limits lowered after the fact.
    causes = {"spontaneous": 0, "lowered": 0, "undone": 0, "unexplained": 0}
    for _t, index, offline, n in samples:
        limit = limit_at(limits, index, n)
        if len(offline) <= limit:
            continue
        racing = [m for m, cs in offline.items() if any(is_maint(c[0]) and (m, c[1]) in undone_episodes for c in cs)]
        if len(offline) - len(racing) <= limit:
            causes["undone"] += 1
            continue
        maint = [m for m, cs in offline.items() if any(is_maint(c[0]) for c in cs)]
        spont = [m for m, cs in offline.items() if m not in maint and any(c[0] in ("fault", "serfHealth")
                                                                          for c in cs)]
        if len(offline) - len(spont) <= limit:
            causes["spontaneous"] += 1
            continue
        oldest = min([c[1] for m in maint for c in offline[m] if is_maint(c[0])] or [index])
        peak = max([limit_at(limits, i, n) for i, _ in limits if oldest <= i <= index] + [limit_at(limits, oldest, n)])
        if len(offline) - len(spont) <= peak:
            causes["lowered"] += 1
            continue
        causes["unexplained"] += 1
        violations.append("sample at index %d: %d offline (%s), max_offline %d"
                          % (index, len(offline), ", ".join(sorted(offline)), limit))
    return admissions, violations, undone, causes


def run_trial(workdir, kind, seed, nodes=8, max_offline="2", timeout=300):
    rng = random.Random(seed)
    result = {"kind": kind, "seed": seed}
    with Fleet(os.path.join(workdir, "fleet"), nodes=nodes, max_offline=max_offline, fault_check=True) as fleet:
        sampler = Sampler(fleet)
        sampler.start()
        runs = []
        for n in fleet.names:
            runs.append(Run(fleet, n, os.path.join(workdir, "runs"), playbook=TRIAL_PLAYBOOK, extra_vars={
                "baton_job_id": "trial-%d" % seed, "demo_version": "v%d" % seed,
                "demo_change_seconds": round(rng.uniform(0.2, 2.5), 2),
                "baton_jitter": 0.5, "baton_gate_wait": 10, "baton_node_timeout": 240,
                "baton_health_timeout": 30}))
        faults = Faults(fleet, runs, kind, rng, max_offline)
        faults.start()
        try:
            codes = {}
            deadline = time.monotonic() + timeout
            for r in runs:
                codes[r.node] = r.wait(max(1, deadline - time.monotonic()))
        finally:
            faults.halt.set()
            faults.join(30)
            sampler.stop()
            for r in runs:  # whatever happened, no run outlives its trial
                if r.poll() is None:
                    r.kill()
        # Let a node killed in consul-sim come back and settle before judging the end state.
        time.sleep(0.5)
        final_maint = fleet.in_maintenance()
        final_slots = set(fleet.slots().values())
        final_offline = fleet.offline()
        outcomes = {}
        undid = set()
        for r in runs:
            reasons = [e.get("gate", {}).get("reason", "") for e in r.events()]
            if any("left maintenance again at once" in x for x in reasons):
                undid.add(r.node)
            code = codes[r.node]
            healthy = r.node not in final_offline
            holds = r.node in final_slots
            if code == 0:
                # Finished: back in service, slot handed on.
                clean = healthy and not holds and r.node not in final_maint
                outcomes[r.node] = "finished" if clean else "finished, NOT CLEAN"
            elif r.node in faults.killed_runs:
                # Killed mid-change: its node must still be out of service *and* hold its slot.
                ok = r.node in final_maint and holds
                outcomes[r.node] = "killed, held" if ok else "killed, NOT HELD"
            else:
                # Failed (e.g. its node was killed under it): safe when the node is back in service without a
                # slot, or still holds its slot (the rollout halts on it); never unhealthy without a slot.
                outcomes[r.node] = ("failed, halted safely" if holds or (healthy and r.node not in final_maint)
                                    else "failed, UNSAFE")
        admissions, violations, undone, causes = check_trial(sampler.samples, faults.limits, undid)
        result.update({
            "samples": len(sampler.samples), "sampler_errors": sampler.errors, "admissions": admissions,
            "violations": violations, "undone": undone, "over_budget": causes, "outcomes": outcomes,
            "faults": faults.log, "harness_error": faults.error,
            "max_offline_seen": max([len(s[2]) for s in sampler.samples] or [0]),
            "versions": dict((n, fleet.apps[n].version()) for n in fleet.names),
        })
    return result


def trial_ok(r):
    return (not r["violations"] and not r["harness_error"] and r["samples"] > 0
            and all(("UNSAFE" not in o and "NOT HELD" not in o) for o in r["outcomes"].values()))


def summarize(results):
    outcomes = {}
    for r in results:
        for o in r["outcomes"].values():
            outcomes[o] = outcomes.get(o, 0) + 1
    causes = {"spontaneous": 0, "lowered": 0, "undone": 0, "unexplained": 0}
    for r in results:
        for k, v in r["over_budget"].items():
            causes[k] += v
    return {
        "trials": len(results),
        "samples": sum(r["samples"] for r in results),
        "admissions": sum(r["admissions"] for r in results),
        "violations": sum(len(r["violations"]) for r in results),
        "races_undone_by_the_gate": sum(r["undone"] for r in results),
        "over_budget_samples": causes,
        "outcomes": outcomes,
        "trials_ok": sum(1 for r in results if trial_ok(r)),
    }


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through every trial's clean-up


def main(argv=None):
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=12)
    p.add_argument("--kinds", default=",".join(KINDS), help="comma-separated, cycled: " + ", ".join(KINDS))
    p.add_argument("--nodes", type=int, default=8)
    p.add_argument("--max-offline", default="2")
    p.add_argument("--seed", type=int, default=int(time.time()))
    p.add_argument("--workdir")
    p.add_argument("--keep", action="store_true", help="keep each trial's folder (logs, events)")
    p.add_argument("--json", help="write every trial's result here")
    args = p.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    for k in kinds:
        if k not in KINDS:
            p.error("unknown kind %r" % k)
    base = args.workdir or tempfile.mkdtemp(prefix="baton-trials-")
    results = []
    for i in range(args.trials):
        kind = kinds[i % len(kinds)]
        seed = args.seed + i
        wd = os.path.join(base, "trial-%03d-%s" % (i, kind))
        t0 = time.monotonic()
        r = run_trial(wd, kind, seed, nodes=args.nodes, max_offline=args.max_offline)
        r["seconds"] = round(time.monotonic() - t0, 1)
        results.append(r)
        print("trial %3d %-13s seed %d: %5d samples, %2d admissions, max offline seen %d, violations %d, "
              "undone %d, over-budget %s, %s, %.0fs%s" % (
                  i, kind, seed, r["samples"], r["admissions"], r["max_offline_seen"], len(r["violations"]),
                  r["undone"], r["over_budget"], sorted(r["outcomes"].values()), r["seconds"],
                  "" if trial_ok(r) else "  <-- " + "; ".join(r["violations"][:3] + [str(r["harness_error"] or "")])),
              flush=True)
        if not args.keep and trial_ok(r):
            shutil.rmtree(wd, ignore_errors=True)
    s = summarize(results)
    print(json.dumps(s, indent=1, sort_keys=True))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"summary": s, "trials": results}, f, indent=1)
    if not args.keep and s["trials_ok"] == s["trials"]:
        shutil.rmtree(base, ignore_errors=True)
    else:
        print("trial folders kept in %s" % base)
    return 0 if s["trials_ok"] == s["trials"] else 1


if __name__ == "__main__":
    sys.exit(main())
