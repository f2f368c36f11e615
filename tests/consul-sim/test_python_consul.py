"""Wire compatibility of consul-sim with a Consul client written outside this project: python-consul
(Debian's python3-consul) doing KV with CAS and locks, sessions, health and blocking reads.

Run by CTest as /usr/bin/python3 -m pytest; BATON_BIN_DIR points at the built consul-sim.
"""

import base64
import json
import os
import pathlib
import signal
import subprocess
import tempfile
import threading
import time

import consul
import pytest

SEMAPHORE_FLAGS = 16210313421097356768  # api/semaphore.go SemaphoreFlagValue, above 2**63


def _binary():
    bin_dir = os.environ.get("BATON_BIN_DIR")
    if not bin_dir:
        pytest.fail("BATON_BIN_DIR is not set (run through CTest)")
    path = pathlib.Path(bin_dir) / "consul-sim"
    if not path.exists():
        pytest.fail(f"consul-sim not built: {path}")
    return path


@pytest.fixture(scope="module")
def sim():
    config = {
        "nodes": [
            {"name": "web-1", "meta": {"rack": "a"},
             "services": [{"id": "web", "name": "web", "port": 8080, "tags": ["blue"],
                           "checks": [{"id": "web-ttl", "ttl": "1h", "status": "passing"}]}]},
            {"name": "web-2",
             "services": [{"id": "web", "name": "web", "port": 8080, "tags": ["green"],
                           "checks": [{"id": "web-ttl", "ttl": "1h", "status": "passing"}]}]},
        ],
        "timing": {"session_ttl_multiplier": 1, "lock_delay_max": "1s"},
    }
    with tempfile.TemporaryDirectory() as tmp:
        cfg = pathlib.Path(tmp) / "dc.json"
        ready = pathlib.Path(tmp) / "ready.json"
        cfg.write_text(json.dumps(config))
        log = open(pathlib.Path(tmp) / "stderr.log", "wb")
        proc = subprocess.Popen([str(_binary()), "--config", str(cfg), "--ready-file", str(ready)],
                                stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + 10
            while not ready.exists():
                if proc.poll() is not None:
                    pytest.fail("consul-sim exited: " + (pathlib.Path(tmp) / "stderr.log").read_text())
                if time.monotonic() > deadline:
                    pytest.fail("consul-sim not ready in 10 s")
                time.sleep(0.01)
            urls = json.loads(ready.read_text())["nodes"]
            yield {name: url.rsplit(":", 1) for name, url in urls.items()}
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                assert proc.wait(timeout=5) == 0, "consul-sim must exit 0 on SIGTERM"
            finally:
                if proc.poll() is None:
                    proc.kill()
                log.close()


def client(sim, node="web-1"):
    host_url, port = sim[node]
    return consul.Consul(host=host_url.split("//", 1)[1], port=int(port))


def test_kv_put_get_and_missing(sim):
    c = client(sim)
    index, value = c.kv.get("py/missing")
    assert value is None
    assert int(index) >= 1
    assert c.kv.put("py/a", "hello") is True
    index, value = c.kv.get("py/a")
    assert value["Value"] == b"hello"
    assert value["Key"] == "py/a"
    assert int(index) == value["ModifyIndex"]
    # Every agent address serves the same KV.
    assert client(sim, "web-2").kv.get("py/a")[1]["Value"] == b"hello"


def test_kv_cas(sim):
    c = client(sim)
    assert c.kv.put("py/cas", "one", cas=0) is True
    assert c.kv.put("py/cas", "two", cas=0) is False
    _, value = c.kv.get("py/cas")
    assert c.kv.put("py/cas", "three", cas=value["ModifyIndex"] + 1000) is False
    assert c.kv.put("py/cas", "three", cas=value["ModifyIndex"]) is True
    assert c.kv.get("py/cas")[1]["Value"] == b"three"
    _, value = c.kv.get("py/cas")
    assert c.kv.delete("py/cas", cas=value["ModifyIndex"] + 1) is False
    assert c.kv.delete("py/cas", cas=value["ModifyIndex"]) is True
    assert c.kv.get("py/cas")[1] is None


def test_kv_flags_exact_uint64(sim):
    c = client(sim)
    assert c.kv.put("py/sem/.lock", '{"Limit":2,"Holders":{}}', cas=0, flags=SEMAPHORE_FLAGS) is True
    _, value = c.kv.get("py/sem/.lock")
    assert value["Flags"] == SEMAPHORE_FLAGS


def test_kv_recurse_and_keys(sim):
    c = client(sim)
    for key in ("py/tree/a", "py/tree/b", "py/tree/sub/c"):
        assert c.kv.put(key, "x") is True
    _, values = c.kv.get("py/tree/", recurse=True)
    assert [v["Key"] for v in values] == ["py/tree/a", "py/tree/b", "py/tree/sub/c"]
    _, keys = c.kv.get("py/tree/", keys=True, separator="/")
    assert keys == ["py/tree/a", "py/tree/b", "py/tree/sub/"]
    assert c.kv.delete("py/tree/", recurse=True) is True
    assert c.kv.get("py/tree/", recurse=True)[1] is None


def test_sessions_and_locks(sim):
    c = client(sim)
    s1 = c.session.create(name="py-lock", ttl=10, lock_delay=0)
    s2 = c.session.create(name="py-other", behavior="delete")
    info = c.session.info(s1)[1]
    assert info["Name"] == "py-lock"
    assert info["TTL"] == "10s"
    assert info["LockDelay"] == 0
    assert info["Node"] == "web-1"
    assert c.kv.put("py/lock", "held", acquire=s1) is True
    assert c.kv.put("py/lock", "stolen", acquire=s2) is False
    _, value = c.kv.get("py/lock")
    assert value["Session"] == s1
    assert value["LockIndex"] == 1
    renewed = c.session.renew(s1)
    assert renewed["ID"] == s1
    assert c.kv.put("py/lock", "done", release=s1) is True
    assert c.kv.put("py/lock", "mine", acquire=s2) is True
    # The delete behaviour removes the key when the session goes away.
    assert c.session.destroy(s2) is True
    assert c.kv.get("py/lock")[1] is None
    assert any(s["ID"] == s1 for s in c.session.list()[1])
    assert c.session.destroy(s1) is True
    assert c.session.info(s1)[1] is None
    with pytest.raises(consul.NotFound):
        c.session.renew(s1)


def test_lock_delay_after_invalidation(sim):
    c = client(sim)
    holder = c.session.create(lock_delay=15)  # capped at lock_delay_max (1s) by the config
    waiter = c.session.create()
    assert c.kv.put("py/delayed", "x", acquire=holder) is True
    assert c.session.destroy(holder) is True
    assert c.kv.put("py/delayed", "y", acquire=waiter) is False
    time.sleep(1.2)
    assert c.kv.put("py/delayed", "y", acquire=waiter) is True


def test_health_and_maintenance(sim):
    c = client(sim)
    _, nodes = c.health.service("web", passing=True)
    assert sorted(n["Node"]["Node"] for n in nodes) == ["web-1", "web-2"]
    for entry in nodes:
        assert {chk["CheckID"] for chk in entry["Checks"]} >= {"serfHealth", "web-ttl"}
    assert c.agent.maintenance("true", "python says so") is True
    _, nodes = c.health.service("web", passing=True)
    assert [n["Node"]["Node"] for n in nodes] == ["web-2"]
    _, checks = c.health.node("web-1")
    maint = [chk for chk in checks if chk["CheckID"] == "_node_maintenance"]
    assert maint and maint[0]["Status"] == "critical" and maint[0]["Notes"] == "python says so"
    _, critical = c.health.state("critical")
    assert any(chk["CheckID"] == "_node_maintenance" for chk in critical)
    assert c.agent.maintenance("false") is True
    other = client(sim, "web-2")
    assert other.agent.service.maintenance("web", "true") is True
    assert "_service_maintenance:web" in other.agent.checks()
    assert other.agent.service.maintenance("web", "false") is True
    assert len(c.health.service("web", passing=True)[1]) == 2


def test_agent_and_catalog(sim):
    c = client(sim, "web-2")
    assert c.agent.self()["Config"]["NodeName"] == "web-2"
    assert "web" in c.agent.services()
    assert {m["Name"] for m in c.agent.members()} == {"web-1", "web-2"}
    _, services = c.catalog.services()
    assert sorted(services["web"]) == ["blue", "green"]
    _, nodes = c.catalog.nodes()
    assert [n["Node"] for n in nodes] == ["web-1", "web-2"]
    _, node = c.catalog.node("web-1")
    assert node["Node"]["Meta"]["rack"] == "a"
    assert c.catalog.node("nobody")[1] is None
    _, checks = c.health.checks("web")
    assert len(checks) == 2
    # python-consul 0.7 marks TTL checks with GET; Consul (and consul-sim) only accept PUT there now.
    assert c.agent.check.ttl_pass("web-ttl") is False


def test_blocking_kv_read_wakes_on_change(sim):
    c = client(sim)
    c.kv.put("py/watch", "v1")
    index, _ = c.kv.get("py/watch")
    result = {}

    def watch():
        started = time.monotonic()
        result["index"], result["value"] = c.kv.get("py/watch", index=index, wait="20s")
        result["done"] = time.monotonic()
        result["started"] = started

    t = threading.Thread(target=watch)
    t.start()
    time.sleep(0.3)
    assert t.is_alive(), "a blocking read must wait for a change"
    changed = time.monotonic()
    client(sim, "web-2").kv.put("py/watch", "v2")
    t.join(10)
    assert not t.is_alive()
    assert result["value"]["Value"] == b"v2"
    assert int(result["index"]) > int(index)
    assert result["done"] - changed < 1.0


def test_blocking_health_read_times_out_with_current_data(sim):
    c = client(sim)
    index, nodes = c.health.service("web")
    started = time.monotonic()
    index2, nodes2 = c.health.service("web", index=index, wait="500ms")
    assert time.monotonic() - started >= 0.5
    assert index2 == index
    assert len(nodes2) == len(nodes)


def test_raw_session_create_body_like_the_go_client(sim):
    # The Go client's field names (PascalCase) as well as python-consul's lower-case ones are accepted.
    c = client(sim)
    sid = c.http.put(consul.base.CB.json(is_id=True), "/v1/session/create",
                     data=json.dumps({"Name": "go-style", "TTL": "15s", "Behavior": "release", "LockDelay": "15s"}))
    info = c.session.info(sid)[1]
    assert info["LockDelay"] == 15_000_000_000
    assert info["NodeChecks"] == ["serfHealth"]
    c.session.destroy(sid)
    # base64 values survive binary data.
    payload = bytes(range(256))
    assert c.kv.put("py/binary", payload) is True
    assert c.kv.get("py/binary")[1]["Value"] == payload
    assert base64.b64encode(payload).decode()


def test_large_bodies_are_gzipped_for_clients_that_ask(sim):
    import requests

    c = client(sim)
    for i in range(40):
        assert c.kv.put(f"py/gz/{i:03d}", "x" * 64) is True
    host_url, port = sim["web-1"]
    url = f"{host_url}:{port}/v1/kv/py/gz/?recurse"
    zipped = requests.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers.get("Content-Encoding") == "gzip"
    assert zipped.headers.get("Vary") == "Accept-Encoding"
    assert len(zipped.json()) == 40  # requests decompresses transparently
    plain = requests.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.json() == zipped.json()
    small = requests.get(f"{host_url}:{port}/v1/kv/py/gz/000", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers  # below 1400 bytes
