"""The rolling role and the sample playbooks with real ansible-playbook runs against consul-sim: one run per
node with --limit, as the job service starts them, each node a local-connection host with its own agent."""

import time

from rollout import Run, Sampler
from simfleet import Fleet


def wait_until(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s" % what)


def test_concurrent_rollout_waits_for_slots_and_deploys(tmp_path):
    with Fleet(tmp_path / "fleet", nodes=3, max_offline="1") as fleet:
        sampler = Sampler(fleet)
        sampler.start()
        try:
            first = Run(fleet, "web-1", tmp_path / "runs", extra_vars={"demo_version": "v2", "demo_change_seconds": 3})
            wait_until(lambda: fleet.in_maintenance() == ["web-1"], what="web-1 in maintenance")
            others = [Run(fleet, n, tmp_path / "runs", extra_vars={"demo_version": "v2", "baton_gate_wait": 1,
                                                                   "baton_gate_report_after": 0})
                      for n in ("web-2", "web-3")]
            codes = dict((r.node, r.wait()) for r in [first] + others)
        finally:
            sampler.stop()
        assert codes == {"web-1": 0, "web-2": 0, "web-3": 0}, [r.output() for r in [first] + others]
        for n in fleet.names:
            assert fleet.apps[n].version() == "v2"
            assert fleet.apps[n].get("/version")[2].strip() == b"v2"
        assert fleet.in_maintenance() == [] and fleet.slots() == {}
        # Ground truth: never more than one instance offline.
        assert sampler.samples and sampler.max_offline() == 1 and sampler.max_maintenance() == 1
        # The waiting nodes said why, on retry lines carrying the gate result.
        retries = [e for r in others for e in r.events() if e["event"] == "runner_retry"]
        assert retries, "web-2/web-3 never had to wait"
        for e in retries:
            assert e["gate"]["state"] == "waiting" and e["gate"]["limit"] == 1
            assert e["msg"] == e["gate"]["reason"] and e["msg"].startswith("waiting for a slot: ")
        assert any("web-1" in e["gate"]["holders"] for e in retries)
        # Every run: the entered task starts, enters, the change runs, left hands the slot on.
        for r in [first] + others:
            lines = r.events()
            starts = [e.get("gate_state") for e in lines if e["event"] == "task_start" and "gate_state" in e]
            assert starts == ["status", "entered", "left"]
            states = [e["gate"]["state"] for e in lines if e["event"] in ("runner_ok", "runner_changed")
                      and "gate" in e]
            assert states == ["status", "entered", "left"]
            assert lines[-1]["event"] == "playbook_end"


def test_failed_change_leaves_maintenance_and_hands_the_slot_on(tmp_path):
    with Fleet(tmp_path / "fleet", nodes=2, max_offline="1") as fleet:
        run = Run(fleet, "web-2", tmp_path / "runs", playbook="fail-on-node.yml", extra_vars={"fail_on": "web-2"})
        assert run.wait() == 2
        assert "the change fails on web-2 as asked" in run.output()
        assert fleet.in_maintenance() == [] and fleet.slots() == {}
        lines = run.events()
        failed = [e for e in lines if e["event"] == "runner_failed"]
        assert failed[0]["task"].endswith("Fail the change on the chosen node")
        left = [e for e in lines if e.get("gate", {}).get("state") == "left"]
        assert left and left[0]["event"] == "runner_changed"
        # The other node is not affected by fail_on.
        assert Run(fleet, "web-1", tmp_path / "runs", playbook="fail-on-node.yml",
                   extra_vars={"fail_on": "web-2"}).wait() == 0


def test_fail_on_node_requires_the_node(tmp_path):
    with Fleet(tmp_path / "fleet", nodes=1) as fleet:
        run = Run(fleet, "web-1", tmp_path / "runs", playbook="fail-on-node.yml")
        assert run.wait() == 2
        assert "pass the node(s) to fail on" in run.output()
        assert fleet.in_maintenance() == []


def test_check_mode_changes_nothing(tmp_path):
    with Fleet(tmp_path / "fleet", nodes=2, max_offline="1") as fleet:
        run = Run(fleet, "web-1", tmp_path / "runs", extra_vars={"demo_version": "v9"}, check=True)
        assert run.wait() == 0, run.output()
        assert fleet.apps["web-1"].version() == "0"
        assert fleet.in_maintenance() == [] and fleet.slots() == {}
        entered = [e for e in run.gate_lines() if e["gate"]["state"] == "entered"]
        assert entered and "check mode" in entered[0]["gate"]["reason"]


def test_restart_playbook_restarts_the_app(tmp_path):
    with Fleet(tmp_path / "fleet", nodes=1) as fleet:
        before = open(fleet.apps["web-1"].dir + "/pid").read()
        assert Run(fleet, "web-1", tmp_path / "runs", playbook="restart.yml").wait() == 0
        after = open(fleet.apps["web-1"].dir + "/pid").read()
        assert before != after
        assert fleet.apps["web-1"].get("/health")[0] == 200
