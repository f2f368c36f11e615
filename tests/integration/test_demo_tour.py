"""The README's demo command without a display: the headless tour.

Runs scripts/demo/demo.py --headless against this build's binaries (BATON_BIN_DIR) and checks what it reports
and writes: the web rollout succeeded on every node with never more web instances offline at once than
max_offline (counted by the tour from consul-sim's health, not from Baton's own states), the db rollout halted
with its broken node holding its slot and was released, the console screenshots are real PNGs, and nothing
the tour started is left running.

The tour runs with a marker of this test's choosing in its environment; every process it starts inherits it,
so teardown finds and ends anything left (even when the tour itself was killed).
"""

import json
import os
import signal
import struct
import subprocess
import time
import uuid

import pytest

SOURCE_DIR = os.environ.get("BATON_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN_DIR = os.environ.get("BATON_BIN_DIR", "")
DEMO = os.path.join(SOURCE_DIR, "scripts", "demo", "demo.py")
# Views every console build offers; timeline and capacity are checked when the console lists them.
CORE_VIEWS = {"main", "services", "health", "max-offline", "wall"}


def marked(marker):
    needle = ("BATON_DEMO_MARKER=%s" % marker).encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % name, "rb") as f:
                if needle not in f.read().split(b"\0"):
                    continue
            with open("/proc/%s/stat" % name, "rb") as f:
                if f.read().rsplit(b")", 1)[-1].split()[0] == b"Z":
                    continue
            with open("/proc/%s/cmdline" % name, "rb") as f:
                found.append((int(name), f.read().replace(b"\0", b" ").decode(errors="replace")))
        except (OSError, IndexError):
            continue
    return found


def end_marked(marker):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid, _ in marked(marker):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and marked(marker):
            time.sleep(0.1)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", "%s is not a PNG" % path
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    for program in ("consul-sim", "baton-service", "baton-console"):
        assert os.access(os.path.join(BIN_DIR, program), os.X_OK), \
            "%s is not built in BATON_BIN_DIR=%r" % (program, BIN_DIR)
    base = tmp_path_factory.mktemp("tour")
    out, work, summary = base / "out", base / "work", base / "summary.json"
    marker = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CONSUL_", "BATON_URL", "BATON_TOKEN", "DISPLAY", "WAYLAND_"))}
    env["BATON_DEMO_MARKER"] = marker
    cmd = ["/usr/bin/python3", DEMO, "--bin", BIN_DIR, "--headless", "--out", str(out), "--work", str(work),
           "--summary", str(summary), "--change-seconds", "1", "--shot-after-ms", "4000", "--job-timeout", "180"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=env, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=210)  # inside CTest's 300 s, with room for the stop
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)  # the tour's own orderly stop
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
    finally:
        left = marked(marker)
        end_marked(marker)
    text = output.decode(errors="replace")
    print(text)
    doc = json.loads(summary.read_text()) if summary.exists() else None
    yield {"code": proc.returncode, "output": text, "summary": doc, "left": left, "out": str(out)}


def test_tour_exits_zero_and_writes_its_summary(tour):
    assert tour["summary"] is not None, "no summary written:\n" + tour["output"][-3000:]
    assert tour["code"] == 0, "tour exit %s, problems %s\n%s" % (tour["code"], tour["summary"].get("problems"),
                                                                tour["output"][-3000:])
    assert tour["summary"]["ok"] is True
    assert tour["summary"]["problems"] == []
    assert "Summary: job" in tour["output"] and tour["summary"]["out_dir"] in tour["output"]


def test_every_web_node_succeeded(tour):
    s = tour["summary"]
    assert s["job"]["state"] == "succeeded"
    assert sorted(r["node"] for r in s["nodes"]) == ["web-%d" % i for i in range(1, 7)]
    assert all(r["state"] == "succeeded" for r in s["nodes"]), s["nodes"]
    assert all(r["in_maintenance_s"] is not None and r["total_s"] is not None for r in s["nodes"])


def test_never_more_offline_than_max_offline(tour):
    s = tour["summary"]
    for service, m in s["offline_by_service"].items():
        assert m["samples"] > 0, service
        assert m["most_offline"] <= m["limit"], (service, m)
    # The rollout really overlapped (the limit is 2 and 6 nodes had to go) and really was watched.
    assert s["offline_by_service"]["web"]["most_offline"] >= 1
    assert s["most_slot_holders"] <= s["limit"]


def test_db_rollout_halted_with_the_broken_node_holding_its_slot_then_released(tour):
    halt = tour["summary"]["halt"]
    node = halt["failed_node"]
    assert node and node.startswith("db-"), halt
    assert halt["job"]["halt_reason"], halt
    assert halt["failed_node_kept_slot"] and halt["failed_node_offline"], halt
    assert sorted(st for n, st in halt["nodes"].items() if n != node) == ["cancelled", "cancelled"], halt
    assert halt["release"]["state"] == "succeeded", halt
    assert halt["release"]["slot_holders_after"] == [] and halt["release"]["offline_after"] == [], halt


def test_screenshots_are_pngs(tour):
    s = tour["summary"]
    views = set(s["console_views"])
    assert CORE_VIEWS <= views, views
    shots = s["screenshots"]
    taken = [shot for shot in shots if not shot["skipped"]]
    assert {shot["view"] for shot in taken} >= CORE_VIEWS
    # A view is skipped only when this console does not offer it.
    assert all(shot["view"] not in views for shot in shots if shot["skipped"])
    for shot in taken:
        path = os.path.join(tour["out"], shot["file"])
        assert os.path.getsize(path) > 1000, path
        width, height = png_size(path)
        assert (width, height) == (shot["width"], shot["height"]) and width >= 400 and height >= 300, shot


def test_nothing_left_running(tour):
    s = tour["summary"]
    assert s["leftover_processes"] == [] and s["still_running"] == []
    assert tour["left"] == [], tour["left"]
