"""KV encoding of the slot semaphore and the reading of Consul health bodies, against the recorded Consul
samples in tests/data/consul-samples."""

import base64
import json
import os

import pytest

from ansible_collections.baton.gate.plugins.module_utils.gate_core import (
    SEMAPHORE_FLAGS,
    GateError,
    HealthView,
    SemaphoreLock,
    SlotView,
    decode_contender,
    encode_contender,
    encode_lock,
    normalize_prefix,
    parse_health_service,
    parse_kv_listing,
    rfc3339_ms,
    valid_name,
)

SAMPLES = os.path.join(os.environ.get("BATON_TESTDATA_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "tests", "data"), "consul-samples")


def sample(name):
    with open(os.path.join(SAMPLES, name), "rb") as f:
        return f.read()


def entry(key, value, flags=SEMAPHORE_FLAGS, session=None, modify_index=10):
    e = {"LockIndex": 1 if session else 0, "Key": key, "Flags": flags,
         "Value": base64.b64encode(value).decode() if value is not None else None,
         "CreateIndex": modify_index, "ModifyIndex": modify_index}
    if session:
        e["Session"] = session
    return e


S1 = "4ca8fe4a-fe3f-55ed-6a86-2d029a52cd6c"
S2 = "9b1e2f61-2a3c-4b8e-a1d0-3c5e7f9a0b12"
S3 = "11111111-2222-3333-4444-555555555555"


def test_semaphore_flag_is_the_one_consul_lock_uses():
    assert SEMAPHORE_FLAGS == 16210313421097356768


def test_lock_value_is_byte_for_byte_what_go_writes():
    assert encode_lock(2, [S1]) == sample("semaphore-lock-value.json").strip()
    # map keys sorted, no spaces, fields in declaration order
    assert encode_lock(3, [S2, S1]) == ('{"Limit":3,"Holders":{"%s":true,"%s":true}}' % (S1, S2)).encode()
    assert encode_lock(1, []) == b'{"Limit":1,"Holders":{}}'


def test_recorded_semaphore_listing():
    listing = json.loads(sample("kv-get-recurse-semaphore.json"))
    entries = parse_kv_listing(listing)
    # The 64-bit flag survives JSON parsing exactly (it is above 2^63).
    assert entries["locks/deploy/.lock"].flags == SEMAPHORE_FLAGS
    view = SlotView("locks/deploy/", entries)
    assert view.lock.limit == 2
    assert view.lock.modify_index == 44
    assert view.live_holders == [S1]
    assert view.dead_holders == []
    # consul lock's contender values are empty: the holder is shown by its session.
    assert view.holder_nodes() == ["session 4ca8fe4a"]
    assert sorted(view.contenders) == [S1, S2]


def test_pruning_of_dead_holders():
    prefix = "baton/services/web/slots/"
    listing = [
        entry(prefix + ".lock", encode_lock(2, [S1, S2]), modify_index=50),
        entry(prefix + S1, encode_contender("web-1", "web", "7", "alice", 0), session=S1),
        # S2's session died: Behavior=delete removed its contender key.
    ]
    view = SlotView(prefix, parse_kv_listing(listing))
    assert view.live_holders == [S1]
    assert view.dead_holders == [S2]
    assert view.holder_nodes() == ["web-1"]
    assert view.sessions_of("web-1") == [S1]
    assert view.sessions_of("web-2") == []


def test_a_contender_is_not_a_holder_until_listed_in_lock():
    prefix = "baton/services/web/slots/"
    listing = [
        entry(prefix + ".lock", encode_lock(1, [S1])),
        entry(prefix + S1, encode_contender("web-1", "web", "", "", 0), session=S1),
        entry(prefix + S3, encode_contender("web-3", "web", "", "", 0), session=S3),
    ]
    view = SlotView(prefix, parse_kv_listing(listing))
    assert view.holder_nodes() == ["web-1"]
    assert view.contenders_of("web-3") == [S3]
    assert view.sessions_of("web-3") == []


def test_missing_lock_is_an_empty_semaphore():
    view = SlotView("baton/services/web/slots/", {})
    assert view.lock.modify_index == 0  # CAS 0 = create only
    assert view.live_holders == []


def test_lock_with_other_flags_is_a_conflict():
    prefix = "baton/services/web/slots/"
    listing = [entry(prefix + ".lock", b"x", flags=3304740253564472344)]
    with pytest.raises(GateError, match="not the semaphore"):
        SlotView(prefix, parse_kv_listing(listing))


@pytest.mark.parametrize("value", [b"not json", b"[1,2]", b'{"Limit":"two","Holders":{}}',
                                   b'{"Limit":1,"Holders":[1]}', b"\xff"])
def test_malformed_lock_is_refused(value):
    prefix = "baton/services/web/slots/"
    with pytest.raises(GateError):
        SlotView(prefix, parse_kv_listing([entry(prefix + ".lock", value)]))


def test_empty_lock_value_reads_as_no_holders():
    lock = SemaphoreLock.from_entry(parse_kv_listing([entry("p/.lock", None)])["p/.lock"], "p/.lock")
    assert lock.holders == [] and lock.modify_index == 10


def test_contender_round_trip():
    value = encode_contender("web-1", "web", "42", "alice", 1700000000.5)
    doc = decode_contender(value)
    assert doc == {"node": "web-1", "service": "web", "job": "42", "operator": "alice",
                   "since": "2023-11-14T22:13:20.500Z"}
    assert decode_contender(None) is None
    assert decode_contender(b"garbage") is None
    assert decode_contender(b'{"no":"node"}') is None


@pytest.mark.parametrize("body", [{"not": "a list"}, [1], [{"Key": 5}], [{"Key": "k", "Value": 5}],
                                  [{"Key": "k", "Value": "!!notbase64"}], [{"Key": "k", "Flags": "1"}]])
def test_malformed_listing_is_an_error(body):
    with pytest.raises(GateError):
        parse_kv_listing(body)


def test_recorded_health_with_both_maintenance_levels():
    view = HealthView(parse_health_service(json.loads(sample("health-service-ce-full-shape.json"))))
    assert view.count == 1
    off = view.offline()
    assert [p.node for p in off] == ["node-a"]
    assert off[0].reason.startswith("maintenance: ")
    assert view.in_maintenance("node-a", "node")
    assert view.in_maintenance("node-a", "service", ["gate-1"])
    assert not view.in_maintenance("node-a", "service", ["other"])
    assert view.healthy("node-a")[0] is False


def test_recorded_health_passing():
    view = HealthView(parse_health_service(json.loads(sample("health-service.json"))))
    assert view.offline() == []
    assert view.healthy("foobar") == (True, None)
    assert view.healthy("nobody")[0] is False


def _inst(node, *checks):
    return {"Node": {"Node": node}, "Service": {"ID": "web", "Service": "web"},
            "Checks": [dict({"Node": node, "Notes": "", "Output": "", "ServiceID": ""}, **c) for c in checks]}


def test_offline_reasons():
    body = [
        _inst("a", {"CheckID": "serfHealth", "Name": "Serf Health Status", "Status": "passing"}),
        _inst("b", {"CheckID": "service:web", "Name": "http", "Status": "critical"}),
        _inst("c", {"CheckID": "service:web", "Name": "http", "Status": "warning"}),
        _inst("d", {"CheckID": "service:web", "Name": "http", "Status": "critical"},
              {"CheckID": "_service_maintenance:web", "Name": "Service Maintenance Mode", "Status": "critical",
               "Notes": "baton: job 3 by bob"}),
        _inst("e", {"CheckID": "serfHealth", "Name": "Serf Health Status", "Status": "critical"}),
    ]
    view = HealthView(parse_health_service(body))
    assert [(p.node, p.reason) for p in view.offline()] == [
        ("b", "critical: http"), ("d", "maintenance: baton: job 3 by bob"), ("e", "critical: Serf Health Status")]
    # warning is not offline, but it is not healthy either
    assert view.healthy("c") == (False, "warning: http")
    assert view.maintenance_notes("d") == {"_service_maintenance:web": "baton: job 3 by bob"}


@pytest.mark.parametrize("body", [{}, [1], [{"Node": {}}], [{"Node": {"Node": "a"}, "Checks": [{"x": 1}]}],
                                  [{"Node": {"Node": "a"}, "Checks": "no"}]])
def test_malformed_health_is_an_error(body):
    with pytest.raises(GateError):
        parse_health_service(body)


def test_names_and_prefixes():
    assert valid_name("web-1") and valid_name("db.internal_2")
    for bad in ["", "../x", "a/b", "-x", "x" * 200, None, 5]:
        assert not valid_name(bad)
    assert normalize_prefix("baton") == "baton/"
    assert normalize_prefix("/baton/") == "baton/"
    assert normalize_prefix("a/b/") == "a/b/"
    assert normalize_prefix("") == ""
    for bad in ["a//b", "a/../b", "./x"]:
        with pytest.raises(GateError):
            normalize_prefix(bad)


def test_rfc3339_ms():
    assert rfc3339_ms(0) == "1970-01-01T00:00:00.000Z"
    assert rfc3339_ms(1.2345) == "1970-01-01T00:00:01.234Z"


@pytest.mark.parametrize("text,seconds", [("10s", 10.0), ("1m30s", 90.0), ("250ms", 0.25), ("1.5h", 5400.0),
                                          ("0", 0.0), ("2us", 2e-6), ("300\u00b5s", 3e-4), ("1h2m3s4ms", 3723.004)])
def test_go_durations(text, seconds):
    from ansible_collections.baton.gate.plugins.module_utils.gate_core import parse_go_duration
    assert abs(parse_go_duration(text) - seconds) < 1e-9


@pytest.mark.parametrize("text", ["", "10", "s", "-1s", "1d", "1 s", None, 5, "1s2"])
def test_not_go_durations(text):
    from ansible_collections.baton.gate.plugins.module_utils.gate_core import parse_go_duration
    assert parse_go_duration(text) is None


def test_check_interval_is_the_longest_of_the_node():
    body = [_inst("a", {"CheckID": "serfHealth", "Status": "passing", "Interval": ""},
                  {"CheckID": "http", "Status": "passing", "Interval": "10s"},
                  {"CheckID": "tcp", "Status": "passing", "Interval": "1m"}),
            _inst("b", {"CheckID": "ttl", "Status": "passing", "Interval": ""})]
    view = HealthView(parse_health_service(body))
    assert view.check_interval("a") == 60.0
    assert view.check_interval("b") == 0.0
