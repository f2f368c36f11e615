"""The stdlib Consul client on its own: addresses, errors, body limits, token handling and cutting off
blocking queries, against a tiny local HTTP server."""

import http.server
import json
import threading

import pytest

from ansible_collections.baton.gate.plugins.module_utils import consul_client
from ansible_collections.baton.gate.plugins.module_utils.consul_client import ConsulClient, ConsulError


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        self.server.seen.append((self.path, dict(self.headers)))
        if self.path.startswith("/v1/slow"):
            self.server.release.wait(30)  # a parked blocking query
            self.server.slow_done.set()
        if self.path.startswith("/v1/huge"):
            body = b"x" * 200
        elif self.path.startswith("/v1/denied"):
            self.send_response(403)
            body = b"Permission denied: token with AccessorID 'abc' lacks permission 'key:read'"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        else:
            body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Consul-Index", "0" if "zero" in self.path else "42")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PUT = do_GET


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.seen = []
    srv.release = threading.Event()
    srv.slow_done = threading.Event()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()


def client(server, **kw):
    return ConsulClient("127.0.0.1:%d" % server.server_address[1], **kw)


def test_addresses():
    assert ConsulClient("127.0.0.1:8500").address == "http://127.0.0.1:8500"
    assert ConsulClient("consul.local:8501", use_ssl=True).address == "https://consul.local:8501"
    assert ConsulClient("http://10.0.0.1").address == "http://10.0.0.1:8500"
    for bad in ["", "unix:///tmp/consul.sock", "http://", "http://h:notaport"]:
        with pytest.raises(ConsulError):
            ConsulClient(bad)


def test_password_in_an_address_is_not_repeated():
    with pytest.raises(ConsulError) as e:
        ConsulClient("ftp://user:s3cret@host:1")
    assert "s3cret" not in str(e.value)


def test_token_goes_in_the_header_only(server):
    c = client(server, token="canary-token-123")
    r = c.request("GET", "/v1/agent/self", [("recurse", None), ("index", 5)])
    path, headers = server.seen[-1]
    assert path == "/v1/agent/self?recurse&index=5"
    assert headers["X-Consul-Token"] == "canary-token-123"
    assert r.index == 42


def test_index_zero_is_read_as_one(server):
    assert client(server).request("GET", "/v1/zero").index == 1


def test_errors_are_plain_and_never_carry_the_token(server):
    c = client(server, token="canary-token-123")
    with pytest.raises(ConsulError) as e:
        c.request("GET", "/v1/denied")
    assert e.value.status == 403 and not e.value.transient
    assert "Permission denied" in str(e.value) and "canary" not in str(e.value)


def test_connection_refused_is_transient():
    c = ConsulClient("127.0.0.1:9", timeout=2, token="canary-token-123")
    with pytest.raises(ConsulError) as e:
        c.request("GET", "/v1/agent/self")
    assert e.value.status is None and e.value.transient and "canary" not in str(e.value)


def test_large_bodies_are_refused(server, monkeypatch):
    monkeypatch.setattr(consul_client, "MAX_BODY", 100)
    with pytest.raises(ConsulError, match="too large"):
        client(server).request("GET", "/v1/huge")


def test_a_cut_off_watch_does_not_hold_the_caller(server):
    c = client(server, timeout=10)
    got = consul_client.wait_any([
        lambda sink: c.request("GET", "/v1/slow", conn_sink=sink),
        lambda sink: c.request("GET", "/v1/fast", conn_sink=sink),
    ], 20)
    assert [i for i, _ in got] == [1]
    assert not server.slow_done.is_set()  # returned with the fast one while the slow one was still parked


def test_wait_any_times_out_empty(server):
    c = client(server, timeout=10)
    assert consul_client.wait_any([lambda sink: c.request("GET", "/v1/slow", conn_sink=sink)], 0.2) == []


def test_token_bucket_only_sleeps_when_spent():
    now = [0.0]
    slept = []
    b = consul_client.TokenBucket(capacity=3, per_second=10, clock=lambda: now[0],
                                  sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s)))
    for _ in range(3):
        b.take()
    assert slept == []
    b.take()
    assert slept and abs(slept[0] - 0.1) < 1e-9
