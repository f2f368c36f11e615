"""The gate's decisions, step by step, against an in-memory Consul that a test can change between any two calls
(tests/support/fakeconsul.py). Races that are rare on a real agent — a peer failing right after the CAS,
max_offline lowered under a waiting node, a lost CAS — happen here on cue."""

import pytest

from ansible_collections.baton.gate.plugins.module_utils.consul_client import ConsulError
from ansible_collections.baton.gate.plugins.module_utils.gate_core import GateError
from ansible_collections.baton.gate.plugins.module_utils.gate_protocol import Gate, GateConfig
from fakeconsul import FakeDatacenter


def gate(dc, node, **kw):
    kw.setdefault("wait", 0)
    kw.setdefault("job_id", "42")
    kw.setdefault("operator", "alice")
    cfg = GateConfig("web", **kw)
    return Gate(dc.agent(node), cfg, clock=dc.clock, sleep=dc.clock.sleep, wall=lambda: 1700000000.0)


@pytest.fixture
def dc():
    return FakeDatacenter()


def test_enter_on_an_idle_service(dc):
    r = gate(dc, "web-1").enter()
    assert r["changed"] is True
    g = r["gate"]
    assert g["state"] == "entered"
    assert g["node"] == "web-1" and g["service"] == "web"
    assert g["holders"] == ["web-1"]
    assert g["limit"] == 1 and g["max_offline"] == "1" and g["max_offline_warning"] == ""
    assert g["instances"] == 8
    assert g["session"] in dc.sessions
    assert dc.maintenance_nodes() == ["web-1"]
    assert dc.slot_nodes() == ["web-1"]
    notes = dc.nodes["web-1"]["checks"]["_service_maintenance:web"]["Notes"]
    assert notes == "baton: job 42 by alice"
    # The session cannot be invalidated by a health check and has no TTL (docs/coordination.md).
    spec = dc.sessions[g["session"]]["Spec"]
    assert spec["Checks"] == [] and spec["NodeChecks"] == [] and "TTL" not in spec
    assert spec["Behavior"] == "delete"


def test_entering_twice_holds_one_slot(dc):
    first = gate(dc, "web-1").enter()
    second = gate(dc, "web-1").enter()
    assert second["changed"] is False
    assert second["gate"]["state"] == "entered"
    assert second["gate"]["session"] == first["gate"]["session"]
    assert dc.lock_holders() == [first["gate"]["session"]]
    assert len(dc.sessions) == 1


def test_waits_when_the_budget_is_full(dc):
    gate(dc, "web-1").enter()
    dc.set_check("web-5", "service:web", "critical")
    dc.set_max_offline("2")
    r = gate(dc, "web-2").enter()
    g = r["gate"]
    assert r["changed"] is False and "failed" not in r
    assert g["state"] == "waiting"
    assert g["holders"] == ["web-1"]
    assert g["offline"] == [{"node": "web-5", "reason": "critical: http"}]
    assert g["limit"] == 2 and g["max_offline"] == "2"
    assert g["reason"] == "waiting for a slot: slots held by web-1; web-5 critical: http; max_offline 2"
    assert dc.maintenance_nodes() == ["web-1"]
    assert len(dc.sessions) == 1  # a waiting node holds no session


def test_frozen_service_admits_nobody(dc):
    dc.set_max_offline("0")
    r = gate(dc, "web-1").enter()
    assert r["gate"]["state"] == "waiting"
    assert "service frozen (max_offline 0)" in r["gate"]["reason"]
    assert dc.maintenance_nodes() == []


def test_malformed_max_offline_uses_one_and_says_so(dc):
    dc.set_max_offline("lots")
    r = gate(dc, "web-1").enter()
    assert r["gate"]["state"] == "entered"
    assert r["gate"]["limit"] == 1
    assert "lots" in r["gate"]["max_offline_warning"]
    assert gate(dc, "web-2").enter()["gate"]["state"] == "waiting"


def test_percent_budget(dc):
    dc.set_max_offline("25%")  # 8 instances -> 2
    assert gate(dc, "web-1").enter()["gate"]["state"] == "entered"
    assert gate(dc, "web-2").enter()["gate"]["state"] == "entered"
    r = gate(dc, "web-3").enter()
    assert r["gate"]["state"] == "waiting" and r["gate"]["limit"] == 2


def test_a_dead_holder_still_in_maintenance_counts(dc):
    r = gate(dc, "web-1").enter()
    dc.kill_session(r["gate"]["session"])  # its contender key is gone with it
    assert dc.slot_nodes() == []
    w = gate(dc, "web-2").enter()
    assert w["gate"]["state"] == "waiting"
    assert w["gate"]["offline"] == [{"node": "web-1", "reason": "maintenance: baton: job 42 by alice"}]


def test_a_freed_slot_is_taken_while_waiting(dc):
    first = gate(dc, "web-1").enter()

    def web1_leaves(d):
        d.on_wait = None
        gate(d, "web-1", health_timeout=5).leave()

    dc.on_wait = web1_leaves
    r = gate(dc, "web-2", wait=30).enter()
    assert r["gate"]["state"] == "entered"
    assert dc.maintenance_nodes() == ["web-2"]
    assert first["gate"]["session"] not in dc.sessions
    assert dc.waits == 1


def test_peer_fails_between_reading_and_cas_backs_off(dc):
    # The pre-CAS reading allowed web-2 in; web-5 fails before the CAS lands. The post-CAS consistent read
    # sees it, so web-2 gives its slot back without ever entering maintenance.
    dc.on("kv_put_lock", lambda d: d.set_check("web-5", "service:web", "critical"))
    r = gate(dc, "web-2").enter()
    assert r["gate"]["state"] == "waiting"
    assert "backed off after taking a slot" in r["gate"]["reason"]
    assert "web-5 critical: http" in r["gate"]["reason"]
    assert dc.count("maintenance_on") == 0
    assert dc.lock_holders() == [] and dc.sessions == {}


def test_peer_fails_while_entering_maintenance_leaves_again(dc):
    # web-5 fails after the post-CAS check but before web-2's maintenance shows: the check after maintenance
    # sees both, and web-2 leaves maintenance at once, before any change runs on it.
    dc.on("maintenance_on", lambda d: d.set_check("web-5", "service:web", "critical"))
    r = gate(dc, "web-2").enter()
    assert r["gate"]["state"] == "waiting"
    assert "left maintenance again at once" in r["gate"]["reason"]
    assert dc.maintenance_nodes() == []
    assert dc.lock_holders() == [] and dc.sessions == {}


def test_max_offline_lowered_after_cas_backs_off(dc):
    dc.set_max_offline("2")
    gate(dc, "web-1").enter()
    dc.on("kv_put_lock", lambda d: d.set_max_offline("1"))
    r = gate(dc, "web-2").enter()
    assert r["gate"]["state"] == "waiting"
    assert dc.maintenance_nodes() == ["web-1"]


def test_max_offline_raised_admits_at_once(dc):
    gate(dc, "web-1").enter()
    dc.on_wait = lambda d: (setattr(d, "on_wait", None), d.set_max_offline("2"))
    r = gate(dc, "web-2", wait=30).enter()
    assert r["gate"]["state"] == "entered"
    assert dc.maintenance_nodes() == ["web-1", "web-2"]


def test_lost_cas_race_rereads_and_respects_the_winner(dc):
    # web-3 takes the last slot between web-2's reading and web-2's CAS: web-2's CAS fails and it waits.
    dc.on("kv_put_lock", lambda d: gate(d, "web-3").enter())
    r = gate(dc, "web-2").enter()
    assert r["gate"]["state"] == "waiting"
    assert r["gate"]["holders"] == ["web-3"]
    assert dc.maintenance_nodes() == ["web-3"]
    assert dc.slot_nodes() == ["web-3"]
    assert len(dc.sessions) == 1  # web-2's unused session was destroyed


def test_lost_cas_with_room_left_still_enters(dc):
    dc.set_max_offline("2")
    dc.on("kv_put_lock", lambda d: gate(d, "web-3").enter())
    r = gate(dc, "web-2").enter()
    assert r["gate"]["state"] == "entered"
    assert dc.slot_nodes() == ["web-2", "web-3"]


def test_leave_gives_the_slot_back_only_when_healthy(dc):
    gate(dc, "web-1").enter()
    r = gate(dc, "web-1", health_timeout=5).leave()
    assert r["gate"]["state"] == "left" and r["changed"] is True
    assert dc.maintenance_nodes() == [] and dc.lock_holders() == [] and dc.sessions == {}
    again = gate(dc, "web-1", health_timeout=5).leave()
    assert again["changed"] is False and "failed" not in again


def test_unhealthy_node_keeps_its_slot_and_fails(dc):
    r = gate(dc, "web-1").enter()
    dc.set_check("web-1", "service:web", "critical")  # the change broke it
    out = gate(dc, "web-1", health_timeout=5).leave()
    assert out["failed"] is True
    assert out["gate"]["state"] == "left"
    assert "keeps its slot" in out["gate"]["reason"] and "critical: http" in out["gate"]["reason"]
    assert dc.maintenance_nodes() == []  # maintenance is off ...
    assert dc.slot_nodes() == ["web-1"]  # ... but the slot stays, so nobody else goes
    assert r["gate"]["session"] in dc.sessions
    assert gate(dc, "web-2").enter()["gate"]["state"] == "waiting"


def test_node_recovering_during_leave_is_waited_for(dc):
    gate(dc, "web-1").enter()
    dc.set_check("web-1", "service:web", "critical")
    dc.on_wait = lambda d: (setattr(d, "on_wait", None), d.set_check("web-1", "service:web", "passing"))
    r = gate(dc, "web-1", health_timeout=60).leave()
    assert "failed" not in r and dc.lock_holders() == []


def test_warning_is_not_healthy_enough_to_leave(dc):
    gate(dc, "web-1").enter()
    dc.set_check("web-1", "service:web", "warning")
    r = gate(dc, "web-1", health_timeout=1).leave()
    assert r["failed"] is True and "warning: http" in r["gate"]["reason"]


def test_resume_with_a_slot_but_no_maintenance(dc):
    # A run killed between the CAS and the maintenance call leaves a held slot; the next run finishes entering.
    dc.on("maintenance_on", lambda d: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        gate(dc, "web-1").enter()
    assert dc.slot_nodes() == ["web-1"] and dc.maintenance_nodes() == []
    assert gate(dc, "web-2").enter()["gate"]["state"] == "waiting"  # the held slot counts
    r = gate(dc, "web-1").enter()
    assert r["gate"]["state"] == "entered" and dc.maintenance_nodes() == ["web-1"]
    assert len(dc.sessions) == 1


def test_node_in_maintenance_without_slot_may_take_one(dc):
    dc.agent("web-1").service_maintenance("web", True, "by hand")
    r = gate(dc, "web-1").enter()
    assert r["gate"]["state"] == "entered"
    assert dc.slot_nodes() == ["web-1"]
    assert dc.nodes["web-1"]["checks"]["_service_maintenance:web"]["Notes"] == "by hand"


def test_orphaned_session_is_cleaned_before_a_new_one(dc):
    orphan = dc.agent("web-1").session_create({"Name": "baton gate: web on web-1", "Behavior": "delete"})
    other = dc.agent("web-1").session_create({"Name": "someone else"})
    gate(dc, "web-1").enter()
    assert orphan not in dc.sessions and other in dc.sessions


def test_release_cleans_up_after_a_killed_run(dc):
    r = gate(dc, "web-1").enter()
    dc.set_check("web-1", "service:web", "critical")
    out = gate(dc, "web-1").release()
    assert out["gate"]["state"] == "released" and out["changed"] is True
    assert dc.maintenance_nodes() == [] and dc.lock_holders() == []
    assert r["gate"]["session"] not in dc.sessions
    assert "stays counted as offline" in out["gate"]["reason"]
    # Still critical, so still counted: web-2 waits.
    assert gate(dc, "web-2").enter()["gate"]["state"] == "waiting"
    assert gate(dc, "web-1").release()["changed"] is False


def test_release_leaves_foreign_node_maintenance_alone(dc):
    dc.agent("web-1").node_maintenance(True, "hardware swap")
    out = gate(dc, "web-1").release()
    assert out["changed"] is False
    assert "_node_maintenance" in dc.nodes["web-1"]["checks"]


def test_status_changes_nothing(dc):
    gate(dc, "web-1").enter()
    before = (dict(dc.kv), dict(dc.sessions))
    r = gate(dc, "web-2").status()
    assert r["gate"]["state"] == "status" and r["changed"] is False
    assert r["gate"]["reason"] == "web-2 would wait; slots held by web-1; max_offline 1"
    assert (dict(dc.kv), dict(dc.sessions)) == before


def test_check_mode_writes_nothing(dc):
    r = gate(dc, "web-1", check_mode=True).enter()
    assert r["gate"]["state"] == "entered" and r["changed"] is True and "check mode" in r["gate"]["reason"]
    assert dc.kv == {} and dc.sessions == {} and dc.maintenance_nodes() == []
    gate(dc, "web-2").enter()
    w = gate(dc, "web-1", check_mode=True, wait=30).enter()
    assert w["gate"]["state"] == "waiting" and dc.waits == 0
    left = gate(dc, "web-2", check_mode=True).leave()
    assert left["changed"] is True and dc.maintenance_nodes() == ["web-2"]


def test_node_maintenance_mode(dc):
    r = gate(dc, "web-1", maintenance="node").enter()
    assert r["gate"]["state"] == "entered"
    assert "_node_maintenance" in dc.nodes["web-1"]["checks"]
    gate(dc, "web-1", maintenance="node", health_timeout=5).leave()
    assert "_node_maintenance" not in dc.nodes["web-1"]["checks"]


def test_transient_errors_are_retried(dc):
    dc.fail("health", ConsulError("Consul answered 503", 503))
    dc.fail("kv_list", ConsulError("cannot reach Consul"))
    assert gate(dc, "web-1").enter()["gate"]["state"] == "entered"


def test_consul_down_during_a_wait_answers_waiting(dc):
    for _ in range(200):
        dc.fail("kv_list", ConsulError("cannot reach Consul"))
    r = gate(dc, "web-1", wait=2).enter()
    assert r["gate"]["state"] == "waiting"
    assert "cannot read the budget" in r["gate"]["reason"]
    assert r["gate"]["limit"] == -1


def test_permission_denied_fails(dc):
    dc.fail("kv_list", ConsulError("Consul answered 403: Permission denied", 403))
    with pytest.raises(ConsulError):
        gate(dc, "web-1").enter()


def test_unregistered_node_is_refused(dc):
    dc.nodes["web-1"]["services"] = {}
    with pytest.raises(GateError, match="not registered on the Consul agent"):
        gate(dc, "web-1").enter()
    dc.nodes["web-1"]["services"] = {"web": "web"}
    g = gate(dc, "web-1")
    g.client.health_service = lambda *a, **k: ([], dc.index)  # the agent has it, the catalog does not
    with pytest.raises(GateError, match="no instance of service web"):
        g.enter()


def test_node_name_comes_from_the_agent(dc):
    g = Gate(dc.agent("web-4"), GateConfig("web", wait=0), clock=dc.clock, sleep=dc.clock.sleep)
    assert g.enter()["gate"]["node"] == "web-4"


def test_bad_configuration_is_refused():
    with pytest.raises(GateError):
        GateConfig("web/../db")
    with pytest.raises(GateError):
        GateConfig("web", node="a/b")
    with pytest.raises(GateError):
        GateConfig("web", maintenance="rack")


def test_many_nodes_never_exceed_the_budget(dc):
    """Every node races for the slots; each one's CAS lands at the worst moment (right after another node's
    reading). The holder count and the maintenance count never pass the limit."""
    dc.set_max_offline("3")
    nodes = sorted(dc.nodes)
    observed = []

    def check(d):
        observed.append(len(set(d.maintenance_nodes()) | set(d.offline_nodes())))

    for n in nodes:
        dc.on("kv_put_lock", check)
        gate(dc, n).enter()
        check(dc)
    assert max(observed) <= 3
    assert len(dc.maintenance_nodes()) == 3


def test_report_after_answers_when_the_reason_changes(dc):
    gate(dc, "web-1").enter()
    # While web-2 waits, web-5 fails: the reason changes, and after report_after the attempt says so instead
    # of blocking for the whole wait.
    dc.on_wait = lambda d: (setattr(d, "on_wait", None), d.set_check("web-5", "service:web", "critical"))
    started = dc.clock()
    r = gate(dc, "web-2", wait=60, report_after=3).enter()
    assert r["gate"]["state"] == "waiting"
    assert "web-5 critical: http" in r["gate"]["reason"]
    assert dc.clock() - started <= 3.0 + 1e-6


def test_without_report_after_an_attempt_waits_its_whole_wait(dc):
    gate(dc, "web-1").enter()
    dc.on_wait = lambda d: (setattr(d, "on_wait", None), d.set_check("web-5", "service:web", "critical"))
    started = dc.clock()
    r = gate(dc, "web-2", wait=60).enter()
    assert r["gate"]["state"] == "waiting"
    assert dc.clock() - started >= 60.0


def test_a_failed_cas_answer_is_resolved_by_the_next_reading(dc):
    # The CAS lands but its answer is lost: the gate reads again, finds its own slot and finishes entering.
    g = gate(dc, "web-1", wait=5)
    real_put = g.client.kv_put
    lost = []

    def put_then_lose(key, value, **kw):
        ok = real_put(key, value, **kw)
        if key.endswith("/.lock") and not lost:
            lost.append(ok)
            raise ConsulError("cannot reach Consul: connection reset")
        return ok

    g.client.kv_put = put_then_lose
    r = g.enter()
    assert lost == [True]
    assert r["gate"]["state"] == "entered"
    assert len(dc.sessions) == 1 and dc.slot_nodes() == ["web-1"]


def test_service_missing_on_the_agent_fails_before_taking_a_slot(dc):
    dc.nodes["web-1"]["services"] = {"other": "web"}  # registered under another ID in health ...
    g = gate(dc, "web-1")
    g.client.agent_services = lambda: {}  # ... but the agent does not know it
    with pytest.raises(GateError, match="not registered on the Consul agent"):
        g.enter()
    assert dc.kv == {} and dc.sessions == {}


def test_left_waits_out_a_stale_passing(dc):
    # Right after the restart the check still shows its old "passing"; it turns critical at its next run,
    # inside the settle time, so the slot is not given back.
    gate(dc, "web-1").enter()
    dc.on_wait = lambda d: (setattr(d, "on_wait", None), d.set_check("web-1", "service:web", "critical"))
    r = gate(dc, "web-1", health_timeout=30, health_settle=10).leave()
    assert r["failed"] is True and "critical: http" in r["gate"]["reason"]
    assert dc.slot_nodes() == ["web-1"]


def test_left_hands_on_after_the_settle_time(dc):
    gate(dc, "web-1").enter()
    started = dc.clock()
    r = gate(dc, "web-1", health_timeout=30, health_settle=10).leave()
    assert "failed" not in r and dc.slot_nodes() == []
    assert dc.clock() - started >= 10


def test_auto_settle_waits_one_check_interval(dc):
    dc.nodes["web-1"]["checks"]["service:web"]["Interval"] = "15s"
    gate(dc, "web-1").enter()
    started = dc.clock()
    r = gate(dc, "web-1", health_timeout=60).leave()  # health_settle defaults to auto
    assert "failed" not in r and dc.slot_nodes() == []
    assert 15 <= dc.clock() - started < 16
    assert any("settle time 15.0s" in line for line in r["trace"])


def test_auto_settle_without_interval_checks_is_immediate(dc):
    gate(dc, "web-1").enter()
    started = dc.clock()
    gate(dc, "web-1", health_timeout=60).leave()
    assert dc.clock() - started < 1


def test_a_session_destroyed_under_a_taking_gate_is_replaced(dc):
    # An operator's released destroys the gate's fresh session between its creation and its acquire: the
    # acquire answers 500 (invalid session); the gate starts over with a new session instead of retrying the
    # dead one until its deadline.
    g = gate(dc, "web-1", wait=5)
    real_put = g.client.kv_put

    def destroy_first(key, value, **kw):
        if kw.get("acquire") and not getattr(destroy_first, "done", False):
            destroy_first.done = True
            dc.kill_session(kw["acquire"])
        return real_put(key, value, **kw)

    g.client.kv_put = destroy_first
    r = g.enter()
    assert r["gate"]["state"] == "entered"
    assert len(dc.sessions) == 1 and dc.slot_nodes() == ["web-1"]
