#!/usr/bin/python3
"""The Baton demo (run through scripts/demo.sh, which installs and builds first).

    demo.py --bin DIR [--interactive | --headless] [--out DIR] [--summary FILE] [--work DIR] [--keep]
            [--no-console] [--change-seconds S]

Starts a local datacenter (datacenter.py): consul-sim with services web (6 nodes, max_offline 2) and db
(3 nodes, max_offline 1), one demo-node app per node checked over HTTP, baton-service with the sample playbooks
(ansible/playbooks), an operator and a viewer token, and a node-vars file written from consul-sim's ready file.

--interactive (the default when there is a display): starts Baton Console connected to both, prints what to try,
and runs until the console is closed or Ctrl+C; then stops everything it started.

--headless: the scripted tour. Launches, through the REST API, deploy.yml on db with break_on naming every db
node (the first node to go comes back unhealthy, keeps db's only slot and halts the rollout) and deploy.yml on
web; watches both services' health and slot folders in consul-sim while they run; renders console screenshots
(offscreen) into the --out folder — the views this baton-console lists in its --help: timeline, capacity, wall
and main while web rolls, services and health after the halt, main and max-offline at the end —; fixes the
broken db node and releases it (POST /v1/nodes/<node>/release); prints a summary and writes it as JSON
(--summary, default OUT/summary.json): per-node timings, the most instances offline at once against
max_offline (from Consul's health), the slot hand-off latency, the halt and the release. Exit status 0 when
every web node succeeded, no service ever had more instances offline than max_offline, db halted with its
broken node holding its slot and was released, every screenshot taken was written and nothing was left
running; 1 otherwise; 2 for a bad command line.

--acl: consul-sim with ACLs on (deny by default) and the gate, the service and the console each given a token
with the policy docs/operator-guide.md gives it.
"""

import argparse
import json
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from datacenter import Datacenter, DemoError, SOURCE_DIR, tail  # noqa: E402
from observe import HealthSampler, SlotWatcher, fifo_handoffs, node_timings, parse_time, percentile  # noqa: E402

PROG = "demo"
SERVICES = {"web": 6, "db": 3}
MAX_OFFLINE = {"web": "2", "db": "1"}
# The sample playbooks' `left` waits up to this long for a node to be healthy again before the run fails and the
# node keeps its slot; the role's default (300 s) is right for real services, too long to watch in a demo.
DEMO_HEALTH_TIMEOUT = 20


class Stop(Exception):
    """Raised from a signal handler so that the orderly stop in `finally` runs."""


def say(text=""):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def limit_of(text, instances):
    """max_offline text → the limit, by the rule of docs/coordination.md (count, percentage, 0 = freeze,
    anything else 1)."""
    t = (text or "").strip()
    try:
        if t.endswith("%"):
            p = int(t[:-1])
            if not 0 <= p <= 100:
                return 1
            return 0 if p == 0 else max(1, instances * p // 100)
        return int(t) if t.isdigit() and len(t) <= 6 else 1
    except ValueError:
        return 1


def png_size(path):
    """(width, height) from a PNG's IHDR, or None when the file is not a PNG."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def make_datacenter(args, work):
    return Datacenter(work, args.bin, SERVICES, MAX_OFFLINE,
                      default_vars={"baton_health_timeout": DEMO_HEALTH_TIMEOUT},
                      log=lambda text: say("  " + text) if args.verbose else None, acl=args.acl)


# --- interactive --------------------------------------------------------------------------------------------

def what_to_try(dc, console_pid):
    web1 = dc.node_dir("web-3")
    lines = [
        "",
        "Baton demo is running.",
        "  Job service   %s" % dc.service_url,
        "      operator token  %s" % dc.operator_token,
        "      viewer token    %s   (read only)" % dc.viewer_token,
        "  Consul        %s   (consul-sim; every node's agent serves the whole API)" % dc.consul_url,
        "  Datacenter    web-1..web-6 (max_offline 2), db-1..db-3 (max_offline 1); each node runs a demo app",
        "  Consul ACLs   %s" % ("on (deny by default); console token %s, management token %s" % (
            dc.consul_tokens["console"], dc.consul_tokens["management"]) if dc.acl else "off"),
        "  Console       %s" % ("pid %d, connected as the operator" % console_pid if console_pid
                                else "not started (--no-console): run it with the environment below"),
        "  Work folder   %s (service.log, consul-sim.log, console.log, nodes/<node>/)" % dc.workdir,
        "",
        "What to try in the console:",
        "  1. Ctrl+L: playbook deploy.yml, service web, extra vars demo_change_seconds=5, Launch. On the Timeline",
        "     tab the nodes take turns: never more than 2 of web out of service at once.",
        "  2. While it runs: Services page, web, Edit max_offline... to 3 and the next waiting node starts at",
        "     once; 0 freezes web (nobody else leaves; the nodes already out finish).",
        "  3. Ctrl+L: fail-on-node.yml on web with fail_on=web-3: web-3's change fails and the rollout halts",
        "     (nodes not yet in maintenance end cancelled).",
        "  4. Ctrl+L: deploy.yml on web with break_on=web-3: web-3 comes back unhealthy and keeps its slot, so",
        "     web runs one slot short; after %d s its run fails and the rollout halts. Fix the node with" %
        DEMO_HEALTH_TIMEOUT,
        "       rm %s/broken" % web1,
        "     then Relaunch failed..., or release it: Health page, Release maintenance..., or",
        "       curl -X POST -H 'Authorization: Bearer %s' %s/v1/nodes/web-3/release" % (dc.operator_token,
                                                                                     dc.service_url),
        "  5. Launch deploy.yml with demo_change_seconds=30, then Ctrl+K: cancel gracefully (the nodes out finish)",
        "     or by force keeping maintenance (the Health page flags them kept for inspection; release them).",
        "",
        "From a shell:",
        "  export BATON_URL=%s BATON_TOKEN=%s CONSUL_HTTP_ADDR=%s" % (dc.service_url, dc.operator_token,
                                                                     dc.consul_url),
        "  curl -s -H \"Authorization: Bearer $BATON_TOKEN\" $BATON_URL/v1/jobs",
        "  curl -s $CONSUL_HTTP_ADDR/v1/health/service/web",
        "",
        "Close the console or press Ctrl+C here to stop everything.",
    ]
    say("\n".join(lines))


def run_interactive(args, dc):
    console = None if args.no_console else dc.start_console()
    what_to_try(dc, console.pid if console else None)
    while True:
        time.sleep(0.5)
        if console is not None and console.poll() is not None:
            say("\nThe console exited (status %s); stopping the demo." % console.returncode)
            if console.returncode != 0:
                say("  console.log: %s" % tail(dc.path("console.log")))
                return 1
            return 0
        for name, proc in (("consul-sim", dc._consul), ("baton-service", dc._service)):
            if proc.poll() is not None:
                say("\n%s exited unexpectedly (status %s); stopping the demo. Its log: %s" % (
                    name, proc.returncode, dc.path(name.replace("baton-", "") + ".log")))
                return 1


# --- headless tour ------------------------------------------------------------------------------------------

# The console views the tour renders, and when: while both jobs run (the web rollout live, db halted or about
# to), after both ended (db's broken node still holding its slot), and after the release. A view the console
# binary does not list in its --help is skipped and said so (timeline and capacity are newer than the others).
SHOTS_RUNNING = [
    ("01-timeline.png", "timeline", "the web job's per-node timeline while the nodes take turns"),
    ("03-wall.png", "wall", "the wall display during the rollout"),
    ("04-jobs-running.png", "main", "Jobs page: the web rollout live, db halted"),
]
# The capacity chart draws what the console recorded from Consul since it started, so this one console starts
# before the launch and renders well into the rollout (--capacity-after-ms).
SHOTS_RECORDED = [
    ("02-capacity.png", "capacity", "capacity of web while it rolls: offline and slots against max_offline"),
]
SHOTS_HALTED = [
    ("05-services.png", "services", "Services page: instances, slot holders, max_offline (db one slot short)"),
    ("06-health.png", "health", "Health page: the broken db node critical, still holding its slot"),
]
SHOTS_DONE = [
    ("07-jobs-finished.png", "main", "Jobs page with the finished jobs and their node runs"),
    ("08-max-offline.png", "max-offline", "max_offline editor with its preview"),
    ("09-launch.png", "launch", "launch dialog: the target's nodes with live health, budget and estimate"),
]
# The halt scenario on db: the sample change breaks every db node it reaches (deploy.yml with break_on), so
# whichever node goes first comes back unhealthy, keeps its slot (max_offline 1) and halts the rollout: the
# other two never leave service. The tour then fixes the node and releases it.
HALT_SERVICE = "db"


def console_views(dc):
    """The --screenshot-view values this baton-console lists in its --help."""
    try:
        r = subprocess.run([dc.binary("baton-console"), "--help"], stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=60, env=dict(dc.console_env(), QT_QPA_PLATFORM="offscreen"))
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DemoError("baton-console --help did not answer: %s" % e)
    text = r.stdout.decode(errors="replace").splitlines()
    views = set()
    for i, line in enumerate(text):
        if "--screenshot-view" not in line:
            continue
        desc = [line.split("--screenshot-view", 1)[1]]
        # The description may wrap onto indented continuation lines.
        for more in text[i + 1:]:
            if not more.startswith("    ") or more.strip().startswith("-"):
                break
            desc.append(more)
        joined = re.sub(r"\(default[^)]*\)", " ", " ".join(desc)).replace("VIEW", " ")
        views = {w for w in re.findall(r"[a-z][a-z-]*", joined) if w not in ("or", "and")}
        break
    return views


def take_shots(dc, out, shots, after_ms, views):
    procs = []
    for name, view, what in shots:
        path = os.path.join(out, name)
        if os.path.exists(path):
            os.unlink(path)
        if view not in views:
            procs.append((name, view, what, path, None))
            continue
        procs.append((name, view, what, path, dc.screenshot(path, view, after_ms)))
    return procs


def collect_shots(procs, timeout=180):
    results = []
    for name, view, what, path, proc in procs:
        if proc is None:
            results.append({"file": name, "view": view, "what": what, "skipped": True, "exit": None, "bytes": 0,
                            "width": 0, "height": 0,
                            "console_output": "this baton-console does not offer --screenshot-view %s" % view})
            continue
        try:
            output, _ = proc.communicate(timeout=timeout)
        except Exception:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
        size = png_size(path)
        results.append({"file": name, "view": view, "what": what, "skipped": False, "exit": proc.returncode,
                        "bytes": os.path.getsize(path) if os.path.exists(path) else 0,
                        "width": size[0] if size else 0, "height": size[1] if size else 0,
                        "console_output": output.decode(errors="replace").strip()[-400:]})
    return results


def not_taken(shots, why):
    return [{"file": name, "view": view, "what": what, "skipped": False, "exit": None, "bytes": 0, "width": 0,
             "height": 0, "console_output": why} for name, view, what in shots]


def wait_or_cancel(dc, job_id, timeout, progress=None):
    """The job once it ended; past the timeout the job is cancelled by force (maintenance released) so the tour
    can still report what happened, and the timeout is returned as a problem."""
    try:
        return dc.wait_for_job(job_id, timeout, progress), None
    except DemoError as e:
        dc.api("POST", "/v1/jobs/%d/cancel" % job_id, {"mode": "force", "maintenance": "release"})
        return dc.wait_for_job(job_id, 120), str(e)


def offline_figures(sampler, service, since, until):
    count, at, nodes = sampler.most_offline(since, until)
    return {"most_offline": count, "at": at, "nodes": nodes, "max_offline": MAX_OFFLINE[service],
            "limit": limit_of(MAX_OFFLINE[service], SERVICES[service]), "instances": SERVICES[service],
            "samples": len(sampler.snapshot()), "errors": sampler.errors}


def run_halt_release(dc, job, samplers, slots):
    """After the db job: who failed, whether it kept its slot and maintenance, then the fix and the release."""
    service = HALT_SERVICE
    failed = [n["node"] for n in job.get("nodes", []) if n["state"] in ("failed", "timed_out", "unreachable")]
    report = {"job": {"id": job["id"], "state": job["state"], "summary": job.get("summary", ""),
                      "halt_reason": job.get("halt_reason", "")},
              "nodes": {n["node"]: n["state"] for n in job.get("nodes", [])},
              "failed_node": failed[0] if len(failed) == 1 else None, "failed_nodes": failed}
    holders = slots.current()
    offline = samplers[service].current()
    report["slot_holders_after_halt"] = sorted(holders)
    report["offline_after_halt"] = sorted(offline)
    node = report["failed_node"]
    report["failed_node_kept_slot"] = bool(node) and node in holders
    report["failed_node_offline"] = bool(node) and node in offline
    if not node:
        return report
    # Fix the node (the app reports healthy again), then the operator's release: the gate's `released`.
    try:
        os.unlink(os.path.join(dc.node_dir(node), "broken"))
    except FileNotFoundError:
        pass
    t0 = time.time()
    status, doc, data = dc.api("POST", "/v1/nodes/%s/release" % node, {"service": service},
                               headers={"Idempotency-Key": "tour-release-%s" % node})
    if status != 201 or not isinstance(doc, dict):
        report["release"] = {"error": "%d %s" % (status, data[:300].decode(errors="replace"))}
        return report
    rel = dc.wait_for_job(doc["id"], 120)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (node in slots.current() or node in samplers[service].current()):
        time.sleep(0.2)
    report["release"] = {"job": rel["id"], "state": rel["state"], "seconds": round(time.time() - t0, 1),
                         "slot_holders_after": sorted(slots.current()),
                         "offline_after": sorted(samplers[service].current())}
    return report


def run_tour(args, dc, out):
    service = "web"
    instances = SERVICES[service]
    views = console_views(dc)
    token = dc.consul_tokens.get("management")
    samplers = {s: HealthSampler(dc.consul_url, s, token=token) for s in SERVICES}
    slots = {s: SlotWatcher(dc.consul_url, s, token=token) for s in SERVICES}
    watchers = list(samplers.values()) + list(slots.values())
    for w in watchers:
        w.start()
    time.sleep(0.3)
    recorded = take_shots(dc, out, SHOTS_RECORDED, args.capacity_after_ms, views)
    t_launch = time.time()
    # db first, so the web job is the newest: the console's screenshot views show the newest job.
    say("Tour: deploy.yml on %s with break_on every node (%d nodes, max_offline %s): the first node to go comes "
        "back broken" % (HALT_SERVICE, SERVICES[HALT_SERVICE], MAX_OFFLINE[HALT_SERVICE]))
    db_nodes = ["%s-%d" % (HALT_SERVICE, i) for i in range(1, SERVICES[HALT_SERVICE] + 1)]
    db_job = dc.launch({"playbook": "deploy.yml", "target": {"service": HALT_SERVICE},
                        "extra_vars": {"demo_version": "tour-broken", "demo_change_seconds": 1,
                                       "break_on": ",".join(db_nodes)},
                        "timeout_s": 600, "node_timeout_s": 300})
    say("Tour: deploy.yml on %s (%d nodes, max_offline %s), %g s of work per node" % (
        service, instances, MAX_OFFLINE[service], args.change_seconds))
    job = dc.launch({"playbook": "deploy.yml", "target": {"service": service},
                     "extra_vars": {"demo_version": "tour", "demo_change_seconds": args.change_seconds},
                     "timeout_s": 600, "node_timeout_s": 300})
    job_id = job["id"]
    say("  launched jobs %d (db) and %d (web) through %s/v1/jobs" % (db_job["id"], job_id, dc.service_url))

    state = {"running_shots": None, "last": ""}

    def progress(j):
        counts = j.get("counts", {})
        line = "  job %d %s: %s" % (job_id, j["state"], j.get("summary", ""))
        if line != state["last"] and args.verbose:
            say(line)
        state["last"] = line
        # Once a node is out of service and others still wait, the console has a live rollout to show.
        out_now = counts.get("in_maintenance", 0) + counts.get("verifying", 0)
        waiting = counts.get("queued", 0) + counts.get("starting", 0) + counts.get("waiting_for_slot", 0)
        if state["running_shots"] is None and out_now >= 1 and waiting >= 1:
            state["running_shots"] = take_shots(dc, out, SHOTS_RUNNING, args.shot_after_ms, views)

    problems = []
    job, timeout = wait_or_cancel(dc, job_id, args.job_timeout, progress)
    if timeout:
        problems.append(timeout)
    t_done = time.time()
    say("  job %d (web) %s: %s" % (job_id, job["state"], job.get("summary", "")))
    shots = collect_shots(state["running_shots"]) if state["running_shots"] else not_taken(
        SHOTS_RUNNING, "not taken: the web job never had a node out of service while others waited")
    shots = shots[:1] + collect_shots(recorded) + shots[1:]
    db_job, timeout = wait_or_cancel(dc, db_job["id"], args.job_timeout)
    if timeout:
        problems.append(timeout)
    say("  job %d (db) %s: %s%s" % (db_job["id"], db_job["state"], db_job.get("summary", ""),
                                    " (%s)" % db_job["halt_reason"] if db_job.get("halt_reason") else ""))
    time.sleep(1.0)  # the last health changes (the last node's settle) reach the samplers
    shots += collect_shots(take_shots(dc, out, SHOTS_HALTED, args.shot_after_ms, views))
    t_halted = time.time()
    halt = run_halt_release(dc, db_job, samplers, slots[HALT_SERVICE])
    if halt.get("release", {}).get("state"):
        say("  released %s (job %d %s): %s holds a slot now: %s" % (
            halt["failed_node"], halt["release"]["job"], halt["release"]["state"], HALT_SERVICE,
            ", ".join(halt["release"]["slot_holders_after"]) or "nobody"))
    shots += collect_shots(take_shots(dc, out, SHOTS_DONE, args.shot_after_ms, views))
    t_end = time.time()
    for w in watchers:
        w.stop()

    created = parse_time(job.get("created_at"))
    finished = parse_time(job.get("finished_at")) or t_done
    rows = node_timings(job)
    waiting_since = {r["node"]: r["waiting_since"] for r in rows if r["waiting_since"] is not None}
    slot_handoffs = fifo_handoffs(slots[service].changes(t_launch, finished + 1), "give", "take", waiting_since)
    health_handoffs = fifo_handoffs(samplers[service].transitions(t_launch, finished + 1), "back", "out")
    most = {service: offline_figures(samplers[service], service, t_launch, finished + 1),
            # db, over the whole tour: its broken node stays offline until the release.
            HALT_SERVICE: offline_figures(samplers[HALT_SERVICE], HALT_SERVICE, t_launch, t_end)}
    for r in rows:
        r.pop("waiting_since", None)
        r.pop("entered_at", None)
    return {
        "job": {"id": job_id, "state": job["state"], "summary": job.get("summary", ""), "playbook": "deploy.yml",
                "service": service, "halt_reason": job.get("halt_reason", "")},
        "service": service, "instances": instances, "max_offline": MAX_OFFLINE[service],
        "limit": limit_of(MAX_OFFLINE[service], instances),
        "nodes": rows,
        "total_s": round(finished - created, 3) if created else None,
        "most_offline": most[service]["most_offline"],
        "most_offline_nodes": most[service]["nodes"],
        "offline_by_service": most,
        "most_slot_holders": slots[service].most_holders(t_launch, finished + 1),
        "slot_handoff_ms": {"count": len(slot_handoffs),
                            "p50": round(percentile(slot_handoffs, 50) * 1000, 1) if slot_handoffs else None,
                            "p99": round(percentile(slot_handoffs, 99) * 1000, 1) if slot_handoffs else None,
                            "max": round(max(slot_handoffs) * 1000, 1) if slot_handoffs else None},
        "back_in_service_to_next_out_ms": {
            "count": len(health_handoffs),
            "p50": round(percentile(health_handoffs, 50) * 1000, 1) if health_handoffs else None},
        "halt": halt,
        "halted_at_s": round(t_halted - t_launch, 1),
        "screenshots": shots,
        "console_views": sorted(views),
        "out_dir": out,
        "tour_problems": problems,
    }


def print_summary(s):
    say("")
    say("Summary: job %d on %s %s (%s) in %.1f s" % (s["job"]["id"], s["service"], s["job"]["state"],
                                                     s["job"]["summary"], s["total_s"] or 0))
    say("  %-8s %-10s %9s %9s %11s %10s %9s" % ("node", "state", "started", "waited", "in maint.", "verifying",
                                               "finished"))

    def f(v):
        return "%8.1fs" % v if v is not None else "%9s" % "-"
    for r in s["nodes"]:
        say("  %-8s %-10s %s %s %10s %9s %s" % (r["node"], r["state"], f(r["started_s"]), f(r["waited_for_slot_s"]),
                                                f(r["in_maintenance_s"]), f(r["verifying_s"]), f(r["total_s"])))
    say("  (seconds; started and finished count from the launch)")
    for svc, m in s["offline_by_service"].items():
        say("  most %s instances offline at once: %d of %d (max_offline %s = %d), from %d health samples%s" % (
            svc, m["most_offline"], m["instances"], m["max_offline"], m["limit"], m["samples"],
            " (%s)" % ", ".join(m["nodes"]) if m["nodes"] else ""))
    h = s["slot_handoff_ms"]
    if h["count"]:
        say("  slot hand-off (a freed slot to the next waiting node taking it): p50 %.0f ms, p99 %.0f ms, max %.0f ms "
            "over %d" % (h["p50"], h["p99"], h["max"], h["count"]))
    else:
        say("  slot hand-off: no node was waiting when a slot was freed")
    halt = s.get("halt") or {}
    if halt:
        j = halt["job"]
        say("  db: job %d %s (%s); halt: %s" % (j["id"], j["state"], j["summary"], j["halt_reason"] or "none"))
        if halt.get("failed_node"):
            say("      %s failed, %s its slot and %s; the others: %s" % (
                halt["failed_node"], "kept" if halt["failed_node_kept_slot"] else "did NOT keep",
                "stayed offline" if halt["failed_node_offline"] else "was back in service",
                ", ".join("%s %s" % (n, st) for n, st in sorted(halt["nodes"].items())
                          if n != halt["failed_node"])))
        rel = halt.get("release") or {}
        if rel.get("state"):
            say("      fixed and released (job %d %s, %.1f s): slot holders now %s, offline now %s" % (
                rel["job"], rel["state"], rel["seconds"], ", ".join(rel["slot_holders_after"]) or "none",
                ", ".join(rel["offline_after"]) or "none"))
        elif rel.get("error"):
            say("      release refused: %s" % rel["error"])
    say("  screenshots in %s:" % s["out_dir"])
    for shot in s["screenshots"]:
        if shot.get("skipped"):
            say("    %-22s skipped: %s" % (shot["file"], shot["console_output"]))
        elif shot["bytes"]:
            say("    %-22s %4d x %-4d  %s" % (shot["file"], shot["width"], shot["height"], shot["what"]))
        else:
            say("    %-22s NOT WRITTEN (%s)" % (shot["file"], shot["console_output"] or "exit %s" % shot["exit"]))


def verdict(s):
    problems = list(s.get("tour_problems", []))
    if s["job"]["state"] != "succeeded":
        problems.append("job %s" % s["job"]["state"])
    bad = [r["node"] for r in s["nodes"] if r["state"] != "succeeded"]
    if bad:
        problems.append("nodes not succeeded: %s" % ", ".join(bad))
    if len(s["nodes"]) != s["instances"]:
        problems.append("%d node runs for %d instances" % (len(s["nodes"]), s["instances"]))
    for svc, m in s["offline_by_service"].items():
        if m["most_offline"] > m["limit"]:
            problems.append("%d %s instances offline at once, max_offline %d" % (m["most_offline"], svc, m["limit"]))
        if m["samples"] == 0:
            problems.append("no health samples of %s" % svc)
    halt = s.get("halt") or {}
    if not halt.get("failed_node"):
        problems.append("db: expected exactly one failed node, got %s" % (halt.get("failed_nodes") or "none"))
    else:
        if not halt["job"]["halt_reason"]:
            problems.append("db: the job did not halt")
        if not halt["failed_node_kept_slot"]:
            problems.append("db: %s did not keep its slot" % halt["failed_node"])
        others = [st for n, st in halt["nodes"].items() if n != halt["failed_node"]]
        if any(st != "cancelled" for st in others):
            problems.append("db: the other nodes were not all held back (%s)" % ", ".join(others))
        rel = halt.get("release") or {}
        if rel.get("state") != "succeeded":
            problems.append("db: the release did not succeed (%s)" % (rel.get("state") or rel.get("error")))
        elif rel["slot_holders_after"] or rel["offline_after"]:
            problems.append("db: after the release, holders %s, offline %s" % (rel["slot_holders_after"],
                                                                               rel["offline_after"]))
    for shot in s["screenshots"]:
        if shot.get("skipped"):
            continue
        if not shot["bytes"] or not shot["width"]:
            problems.append("screenshot %s not written" % shot["file"])
    if s.get("leftover_processes"):
        problems.append("%d processes were still running after the stop" % len(s["leftover_processes"]))
    if s.get("still_running"):
        problems.append("%d processes still running" % len(s["still_running"]))
    return problems


def finish(args, dc, work, out, summary, code, failed):
    found = dc.stop()
    remaining = dc.remaining()
    if found:
        say("stopped %d process(es) the orderly stop had left: %s" % (
            len(found), "; ".join("%d %s" % (pid, cmd[:80]) for pid, cmd in found)))
    if remaining:
        say("STILL RUNNING after the stop: %s" % "; ".join("%d %s" % (pid, cmd[:80]) for pid, cmd in remaining))
    else:
        say("Everything the demo started has stopped (checked the process table).")
    if summary is not None:
        summary["leftover_processes"] = [{"pid": pid, "command": cmd} for pid, cmd in found]
        summary["still_running"] = [{"pid": pid, "command": cmd} for pid, cmd in remaining]
        problems = verdict(summary)
        summary["problems"] = problems
        summary["ok"] = not problems
        path = args.summary or os.path.join(out, "summary.json")
        with open(path, "w") as f:
            json.dump(summary, f, indent=1)
        print_summary(summary)
        say("  summary: %s" % path)
        if problems:
            say("PROBLEMS: %s" % "; ".join(problems))
            code = 1
            failed = True
    if args.keep or failed:
        say("Working folder kept: %s" % work)
    else:
        dc.remove()
    return code


# --- main ---------------------------------------------------------------------------------------------------

class Parser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write("%s: %s (see --help)\n" % (PROG, message))
        sys.exit(2)


def main(argv):
    p = Parser(prog="demo.sh", description="Run the Baton demo: a local datacenter, the job service and the console "
                                           "(or, without a display, a scripted tour).")
    p.add_argument("--version", action="version", version="baton demo 0.1.0")
    p.add_argument("--bin", required=True, help="the build's bin folder (consul-sim, baton-service, baton-console)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--interactive", action="store_true", help="start the console (default with a display)")
    mode.add_argument("--headless", action="store_true", help="run the scripted tour (default without a display)")
    p.add_argument("--out", help="tour: folder for the screenshots and summary (default demo-out/tour-<time>)")
    p.add_argument("--summary", help="tour: where to write the JSON summary (default OUT/summary.json)")
    p.add_argument("--work", help="working folder (default: a new temporary folder, removed at the end)")
    p.add_argument("--keep", action="store_true", help="keep the working folder (logs, database) at the end")
    p.add_argument("--no-console", action="store_true", help="interactive: start everything but the console")
    p.add_argument("--change-seconds", type=float, default=2.0, help="tour: simulated work per node (default 2)")
    p.add_argument("--shot-after-ms", type=int, default=5000, help="tour: let the console load this long")
    p.add_argument("--capacity-after-ms", type=int, default=25000,
                   help="tour: the capacity chart's console records from the launch this long (default 25000)")
    p.add_argument("--job-timeout", type=int, default=300, help="tour: give up on the job after this long")
    p.add_argument("--acl", action="store_true",
                   help="consul-sim with ACLs on (deny by default): the gate, the service and the console each get a "
                        "token with the policy of docs/operator-guide.md")
    p.add_argument("--verbose", action="store_true", help="say more about what starts and how the job goes")
    args = p.parse_args(argv)
    if not args.interactive and not args.headless:
        args.headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if not os.path.isdir(args.bin):
        p.error("--bin %s is not a folder" % args.bin)
    if not 0 <= args.change_seconds <= 3600:
        p.error("--change-seconds must be between 0 and 3600")
    for name in ("shot_after_ms", "capacity_after_ms"):
        if not 0 <= getattr(args, name) <= 600000:
            p.error("--%s must be between 0 and 600000" % name.replace("_", "-"))
    if not 10 <= args.job_timeout <= 86400:
        p.error("--job-timeout must be between 10 and 86400 seconds")

    out = None
    if args.headless:
        out = os.path.abspath(args.out or os.path.join(SOURCE_DIR, "demo-out", "tour-" + time.strftime("%Y%m%d-%H%M%S")))
        try:
            os.makedirs(out, exist_ok=True)
        except OSError as e:
            sys.stderr.write("%s: cannot create %s: %s\n" % (PROG, out, e.strerror))
            return 2
    work = os.path.abspath(args.work) if args.work else tempfile.mkdtemp(prefix="baton-demo-")

    stopping = {"signal": None}

    def on_signal(signum, frame):
        if stopping["signal"] is None:
            stopping["signal"] = signum
            raise Stop()
        # Later signals: the orderly stop is already under way; let it finish.

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    dc = make_datacenter(args, work)
    code = 1
    summary = None
    failed = False
    try:
        say("Starting the demo datacenter in %s ..." % work)
        dc.start()
        if args.headless:
            summary = run_tour(args, dc, out)
            code = 0
        else:
            code = run_interactive(args, dc)
    except Stop:
        say("\nStopping (signal %d) ..." % stopping["signal"])
        code = 130 if stopping["signal"] == signal.SIGINT else 143
    except DemoError as e:
        sys.stderr.write("%s: %s\n" % (PROG, e))
        failed = True
        code = 1
    finally:
        # Stop is raised at most once (a second signal is ignored), so a signal that lands inside the first
        # attempt cannot interrupt the second: the orderly stop always runs to its end.
        try:
            code = finish(args, dc, work, out, summary, code, failed)
        except Stop:
            code = finish(args, dc, work, out, summary, 130, failed)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
