"""The gate protocol against consul-sim, through the real stdlib client: what it writes to Consul, how it
waits, and the failure cases (dead sessions, dead nodes, ACLs, a foreign lock on the prefix)."""

import base64
import json
import threading
import time

import pytest

from ansible_collections.baton.gate.plugins.module_utils.consul_client import ConsulClient, ConsulError
from ansible_collections.baton.gate.plugins.module_utils.gate_core import SEMAPHORE_FLAGS, GateError
from ansible_collections.baton.gate.plugins.module_utils.gate_protocol import Gate, GateConfig
from simfleet import Fleet

SLOTS = "baton/services/web/slots/"


def gate(fleet, node, token=None, **kw):
    kw.setdefault("wait", 0)
    kw.setdefault("job_id", "17")
    kw.setdefault("operator", "carol")
    return Gate(ConsulClient(fleet.agents[node], token=token, timeout=5), GateConfig("web", **kw))


def kv_listing(fleet, prefix):
    status, _, body = fleet.sim.api("GET", "/v1/kv/%s?recurse" % prefix)
    return dict((e["Key"], e) for e in json.loads(body)) if status == 200 else {}


@pytest.fixture
def fleet(tmp_path):
    with Fleet(tmp_path, nodes=4, max_offline="1") as f:
        yield f


def test_what_entering_writes_to_consul(fleet):
    r = gate(fleet, "web-2").enter()
    g = r["gate"]
    assert g["state"] == "entered" and g["node"] == "web-2"  # the node name came from the agent
    sid = g["session"]
    kv = kv_listing(fleet, SLOTS)
    lock = kv[SLOTS + ".lock"]
    assert lock["Flags"] == SEMAPHORE_FLAGS and "Session" not in lock
    assert base64.b64decode(lock["Value"]) == ('{"Limit":1,"Holders":{"%s":true}}' % sid).encode()
    contender = kv[SLOTS + sid]
    assert contender["Flags"] == SEMAPHORE_FLAGS and contender["Session"] == sid
    doc = json.loads(base64.b64decode(contender["Value"]))
    assert doc["node"] == "web-2" and doc["job"] == "17" and doc["operator"] == "carol"
    # The session: Behavior delete, no TTL, no health checks.
    status, _, body = fleet.sim.api("GET", "/v1/session/info/" + sid)
    info = json.loads(body)[0]
    assert info["Behavior"] == "delete" and info["TTL"] == "" and info["Node"] == "web-2"
    assert not info["NodeChecks"] and not info.get("Checks") and not info["ServiceChecks"]
    # Service-level maintenance with the job and operator in its notes.
    entries, _ = fleet.sim.health("web")
    checks = dict((c["CheckID"], c) for e in entries if e["Node"]["Node"] == "web-2" for c in e["Checks"])
    assert checks["_service_maintenance:web"]["Status"] == "critical"
    assert checks["_service_maintenance:web"]["Notes"] == "baton: job 17 by carol"
    assert fleet.in_maintenance() == ["web-2"]

    left = gate(fleet, "web-2", health_timeout=20).leave()
    assert left["gate"]["state"] == "left" and left["changed"]
    assert fleet.in_maintenance() == [] and fleet.slots() == {}
    assert json.loads(fleet.sim.api("GET", "/v1/session/info/" + sid)[2]) == []
    assert SLOTS + sid not in kv_listing(fleet, SLOTS)


def test_a_waiting_node_takes_a_freed_slot_within_its_attempt(fleet):
    gate(fleet, "web-1").enter()
    result = {}

    def wait_for_slot():
        result["r"] = gate(fleet, "web-2", wait=30).enter()

    t = threading.Thread(target=wait_for_slot)
    t.start()
    # web-2 is blocked on Consul (not polling): wait until its blocking queries are parked.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = json.loads(fleet.sim.api("GET", "/_sim/")[2])
        if status.get("parked_blocking_queries", status.get("parked", 0)) or fleet.in_maintenance() != ["web-1"]:
            break
        time.sleep(0.05)
    gate(fleet, "web-1", health_timeout=20).leave()
    t.join(40)
    assert not t.is_alive()
    r = result["r"]
    assert r["gate"]["state"] == "entered", r["gate"]["reason"]
    assert fleet.in_maintenance() == ["web-2"]
    # One attempt did it: the trace shows no second session and no timeout.
    assert sum("created session" in line for line in r["trace"]) == 1


def test_a_node_killed_in_its_slot_keeps_the_slot_and_stays_counted(fleet):
    r = gate(fleet, "web-1").enter()
    fleet.sim.kill_node("web-1", agent="keep")  # serfHealth critical: a session tied to it would die now
    status, _, body = fleet.sim.api("GET", "/v1/session/info/" + r["gate"]["session"])
    assert json.loads(body), "the gate's session has no checks, so a node's death does not end it"
    assert set(fleet.slots().values()) == {"web-1"}
    w = gate(fleet, "web-2").enter()
    assert w["gate"]["state"] == "waiting"
    assert w["gate"]["holders"] == ["web-1"]
    # Back from the dead, web-1 finishes its change.
    fleet.sim.revive_node("web-1")
    assert gate(fleet, "web-1", health_timeout=20).leave()["gate"]["state"] == "left"
    assert gate(fleet, "web-2").enter()["gate"]["state"] == "entered"


def test_a_holder_whose_session_died_still_counts_while_in_maintenance(fleet):
    r = gate(fleet, "web-1").enter()
    fleet.sim.sim("/_sim/session/%s/invalidate" % r["gate"]["session"])
    assert fleet.slots() == {}  # its contender key went with the session ...
    w = gate(fleet, "web-2").enter()
    assert w["gate"]["state"] == "waiting"  # ... but its maintenance still counts
    assert w["gate"]["offline"] == [{"node": "web-1", "reason": "maintenance: baton: job 17 by carol"}]
    rel = gate(fleet, "web-1").release()
    assert rel["changed"] and fleet.in_maintenance() == []
    fleet.wait_all_passing()
    assert gate(fleet, "web-2").enter()["gate"]["state"] == "entered"


def test_a_peer_failing_by_itself_uses_the_budget(fleet):
    fleet.sim.set_check("web-4", "web-http", "critical")
    fleet.apps["web-4"].stop()  # keep the HTTP check from turning it passing again
    w = gate(fleet, "web-1").enter()
    assert w["gate"]["state"] == "waiting"
    assert w["gate"]["offline"][0]["node"] == "web-4" and w["gate"]["offline"][0]["reason"].startswith("critical: ")
    fleet.set_max_offline("2")
    assert gate(fleet, "web-1").enter()["gate"]["state"] == "entered"


def test_released_cleans_up_a_killed_run(fleet):
    r = gate(fleet, "web-3").enter()
    out = gate(fleet, "web-3").release()
    assert out["gate"]["state"] == "released" and out["changed"]
    assert fleet.in_maintenance() == [] and fleet.slots() == {}
    assert json.loads(fleet.sim.api("GET", "/v1/session/info/" + r["gate"]["session"])[2]) == []
    assert not gate(fleet, "web-3").release()["changed"]


def test_malformed_max_offline_on_the_wire(fleet):
    fleet.set_max_offline("two")
    r = gate(fleet, "web-1").status()
    assert r["gate"]["limit"] == 1 and "two" in r["gate"]["max_offline_warning"]


def test_a_foreign_lock_on_the_prefix_is_refused(fleet):
    # A plain `consul lock` (flags 0x2ddccbc058a50c18) on the slots prefix: the gate must not touch it.
    status, _, body = fleet.sim.api("PUT", "/v1/kv/%s.lock?flags=3304740253564472344" % SLOTS, b"")
    assert body.strip() == b"true"
    with pytest.raises(GateError, match="not the semaphore"):
        gate(fleet, "web-1").enter()


def test_consul_down_answers_waiting_then_recovers(fleet):
    fleet.sim.sim("/_sim/agent/web-1/unreachable?mode=refuse")
    r = gate(fleet, "web-1", wait=1).enter()
    assert r["gate"]["state"] == "waiting" and "cannot reach" in r["gate"]["reason"]
    fleet.sim.sim("/_sim/agent/web-1/reachable")
    assert gate(fleet, "web-1").enter()["gate"]["state"] == "entered"


ACL = {"enabled": True, "default_policy": "deny",
       "tokens": [{"secret_id": "gate-canary-9f1c2d", "policy": {
           "key_prefix": {"baton/": "write"}, "session_prefix": {"": "write"}, "node_prefix": {"": "write"},
           "service_prefix": {"": "write"}, "agent_prefix": {"": "read"}}}]}


def test_acl_token_is_used_and_never_shown(tmp_path):
    with Fleet(tmp_path, nodes=2, max_offline="1", acl=ACL) as fleet:
        r = gate(fleet, "web-1", token="gate-canary-9f1c2d").enter()
        assert r["gate"]["state"] == "entered"
        with pytest.raises(ConsulError) as e:
            gate(fleet, "web-2", token="wrong-canary-77aa").enter()
        assert e.value.status == 403
        text = str(e.value) + json.dumps(r)
        assert "canary" not in text


# A token that may write the gate's keys but read only one node: Consul filters web-2 out of the health listing.
NARROW_ACL = {"enabled": True, "default_policy": "deny",
              "tokens": [{"secret_id": "narrow-canary-5e7a", "policy": {
                  "key_prefix": {"baton/": "write"}, "session_prefix": {"": "write"},
                  "node_prefix": {"web-1": "write"}, "service_prefix": {"": "write"},
                  "agent_prefix": {"": "read"}}}]}


def test_a_reading_cut_short_by_acls_is_refused_not_counted(tmp_path):
    with Fleet(tmp_path, nodes=2, max_offline="1", acl=NARROW_ACL) as fleet:
        fleet.apps["web-2"].stop()  # web-2 goes critical: a full reading would make web-1 wait
        deadline = time.monotonic() + 20
        while "web-2" not in fleet.offline() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "web-2" in fleet.offline()
        with pytest.raises(ConsulError) as e:
            gate(fleet, "web-1", token="narrow-canary-5e7a").enter()
        assert e.value.status == 403 and "Filtered-By-ACLs" in str(e.value)
        assert "canary" not in str(e.value)
        assert fleet.in_maintenance() == [] and fleet.slots() == {}


def test_release_that_sees_nothing_of_its_node_fails(tmp_path):
    with Fleet(tmp_path, nodes=2, max_offline="1", acl=ACL) as fleet:
        held = gate(fleet, "web-1", token="gate-canary-9f1c2d").enter()
        assert held["gate"]["state"] == "entered"
        # Without a token, deny-by-default Consul lists nothing and sends no filtered header.
        with pytest.raises(GateError, match="not registered, or the token may not read it"):
            Gate(ConsulClient(fleet.agents["web-1"], timeout=5), GateConfig("web", node="web-1", wait=0)).release()
        assert fleet.in_maintenance() == ["web-1"] and len(fleet.slots()) == 1
