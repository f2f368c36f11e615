"""Failure paths of a rollout with real ansible-playbook runs: a node that comes back unhealthy keeps its slot
and halts the rollout; a run SIGKILLed in maintenance leaves its node counted until it is relaunched or
released."""

import signal
import time

from rollout import Run
from simfleet import Fleet


def wait_until(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s" % what)


def test_unhealthy_node_keeps_its_slot_and_the_rollout_halts(tmp_path):
    with Fleet(tmp_path / "fleet", nodes=2, max_offline="1") as fleet:
        runs = tmp_path / "runs"
        broken = Run(fleet, "web-1", runs, extra_vars={"break_on": "web-1", "baton_health_timeout": 3})
        assert broken.wait() == 2
        left = [e for e in broken.gate_lines("runner_failed") if e["gate"]["state"] == "left"]
        assert left and "keeps its slot" in left[0]["gate"]["reason"]
        assert fleet.in_maintenance() == []  # out of maintenance ...
        assert set(fleet.slots().values()) == {"web-1"}  # ... but still holding its slot ...
        assert "web-1" in fleet.offline()  # ... and failing its check
        # The next node cannot go: the rollout halts instead of draining the service.
        halted = Run(fleet, "web-2", runs, extra_vars={"baton_node_timeout": 3, "baton_gate_wait": 1,
                                                      "baton_gate_report_after": 0})
        assert halted.wait() == 2
        retries = [e for e in halted.events() if e["event"] == "runner_retry"]
        assert retries and all("slots held by web-1" in e["gate"]["reason"] for e in retries)
        assert fleet.apps["web-2"].version() == "0"
        # Fixed and relaunched, web-1 re-enters with the slot it holds, heals, and hands the slot on.
        assert Run(fleet, "web-1", runs).wait() == 0
        assert fleet.slots() == {} and "web-1" not in fleet.offline()
        assert Run(fleet, "web-2", runs).wait() == 0


def test_run_killed_in_maintenance_keeps_the_node_counted_until_relaunched(tmp_path):
    with Fleet(tmp_path / "fleet", nodes=2, max_offline="1") as fleet:
        runs = tmp_path / "runs"
        doomed = Run(fleet, "web-1", runs, extra_vars={"demo_change_seconds": 60})
        wait_until(lambda: any(e.get("task", "").endswith("Work on the node for 60s") for e in doomed.events()),
                   what="web-1's change to start")
        doomed.kill(signal.SIGKILL)
        assert fleet.in_maintenance() == ["web-1"]
        assert set(fleet.slots().values()) == {"web-1"}
        waiting = Run(fleet, "web-2", runs, extra_vars={"baton_node_timeout": 2, "baton_gate_wait": 1})
        assert waiting.wait() == 2
        assert fleet.in_maintenance() == ["web-1"]
        # The relaunch finds its own slot and maintenance, runs the change and finishes properly.
        again = Run(fleet, "web-1", runs)
        assert again.wait() == 0, again.output()
        entered = [e for e in again.gate_lines() if e["gate"]["state"] == "entered"]
        assert entered[0]["event"] == "runner_ok" and "holds a slot" in entered[0]["gate"]["reason"]
        assert fleet.in_maintenance() == [] and fleet.slots() == {}
        assert Run(fleet, "web-2", runs).wait() == 0
