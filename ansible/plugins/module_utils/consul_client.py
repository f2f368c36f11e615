# -*- coding: utf-8 -*-
# Copyright: Baton contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small Consul HTTP client on the Python standard library, for the gate module (which must run on any node
Ansible reaches, so it cannot depend on python-consul or requests).

It speaks only what the gate needs: KV reads/writes with CAS and acquire, sessions, health, agent self,
services and maintenance, blocking queries, and waiting on several blocking queries at once. The token only
ever goes into the X-Consul-Token header; no message built here contains it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.client
import json
import os
import socket
import ssl
import threading
import time
from urllib.parse import quote, urlsplit

# A response larger than this is refused rather than read into memory. The gate reads one service's health
# and one service's slot folder; even a 10,000-instance service stays far below it.
MAX_BODY = 64 * 1024 * 1024

# Consul adds up to wait/16 of jitter to a blocking query; leave room for it and for a slow network.
_JITTER_FRACTION = 16.0


class ConsulError(Exception):
    def __init__(self, message, status=None, body=""):
        Exception.__init__(self, message)
        self.status = status
        self.body = body

    @property
    def transient(self):
        """Worth retrying: no answer at all, a server error, or rate limiting."""
        return self.status is None or self.status >= 500 or self.status == 429


class Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def index(self):
        """X-Consul-Index as an int >= 1 (Consul's rule: a 0 or a missing index is treated as 1)."""
        try:
            v = int(self.headers.get("x-consul-index", "1"))
        except ValueError:
            v = 1
        return v if v >= 1 else 1

    def json(self):
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise ConsulError("Consul answered with a body that is not JSON (%s)" % e, self.status)


class ConsulClient:
    """Talks to one Consul agent. `addr` is CONSUL_HTTP_ADDR's syntax: "http://host:port", "https://host:port"
    or "host:port" (https when `use_ssl`)."""

    def __init__(self, addr, token=None, ca_file=None, client_cert=None, client_key=None, verify=True,
                 timeout=10.0, use_ssl=False):
        addr = (addr or "").strip()
        if not addr:
            raise ConsulError("no Consul address given")
        if "://" not in addr:
            addr = ("https://" if use_ssl else "http://") + addr
        parts = urlsplit(addr)
        if parts.scheme not in ("http", "https"):
            raise ConsulError("Consul address %r: only http:// and https:// are supported" % _safe_addr(addr))
        if not parts.hostname:
            raise ConsulError("Consul address %r has no host" % _safe_addr(addr))
        try:
            port = parts.port
        except ValueError:
            raise ConsulError("Consul address %r has a bad port" % _safe_addr(addr))
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = port or (443 if parts.scheme == "https" else 8500)
        self.base_path = parts.path.rstrip("/")
        self.token = token or None
        self.timeout = float(timeout)
        self._ssl = None
        if self.scheme == "https":
            ctx = ssl.create_default_context(cafile=ca_file or None)
            if not verify:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            if client_cert:
                try:
                    ctx.load_cert_chain(client_cert, client_key or None)
                except (OSError, ssl.SSLError) as e:
                    raise ConsulError("cannot load the client certificate %s: %s" % (client_cert, e))
            self._ssl = ctx
        elif ca_file and not os.path.exists(ca_file):
            raise ConsulError("CA file %s does not exist" % ca_file)

    @property
    def address(self):
        return "%s://%s:%d" % (self.scheme, self.host, self.port)

    # ---------------------------------------------------------------------------------------------------------

    def _connection(self, timeout):
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=self._ssl)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    @staticmethod
    def _query(params):
        if not params:
            return ""
        parts = []
        for k, v in params:
            if v is None:
                parts.append(quote(k, safe=""))
            else:
                parts.append("%s=%s" % (quote(k, safe=""), quote(str(v), safe="")))
        return "?" + "&".join(parts)

    def request(self, method, path, params=None, body=None, timeout=None, ok=(200,), conn_sink=None):
        """One HTTP request. `path` starts with /v1/ and is already escaped. `params` is a list of (name,
        value) pairs; a value of None sends the name alone (Consul's presence flags). Answers a Response for
        the statuses in `ok`, raises ConsulError otherwise."""
        url = self.base_path + path + self._query(params)
        headers = {"Accept": "application/json", "User-Agent": "baton-gate"}
        if self.token:
            headers["X-Consul-Token"] = self.token
        if body is not None:
            headers["Content-Type"] = "application/octet-stream"
        conn = self._connection(self.timeout if timeout is None else timeout)
        try:
            try:
                if conn_sink is not None:
                    # Connected first, so that whoever holds the connection can cut it off at any time.
                    conn.connect()
                    conn_sink(conn)
                conn.request(method, url, body=body, headers=headers)
                resp = conn.getresponse()
                length = resp.getheader("Content-Length")
                if length is not None and length.isdigit() and int(length) > MAX_BODY:
                    raise ConsulError("Consul's answer to %s %s is too large (%s bytes)" % (method, path, length),
                                      resp.status)
                data = resp.read(MAX_BODY + 1)
                if len(data) > MAX_BODY:
                    raise ConsulError("Consul's answer to %s %s is too large" % (method, path), resp.status)
                hdrs = dict((k.lower(), v) for k, v in resp.getheaders())
            except (OSError, http.client.HTTPException, ssl.SSLError) as e:
                raise ConsulError("cannot reach Consul at %s (%s %s): %s" % (self.address, method, path,
                                                                             e.__class__.__name__ + ": " + str(e)))
        finally:
            conn.close()
        if resp.status not in ok:
            text = data[:300].decode("utf-8", errors="replace").strip()
            raise ConsulError("Consul answered %d to %s %s: %s" % (resp.status, method, path, text or "(no body)"),
                              resp.status, text)
        if method == "GET" and hdrs.get("x-consul-results-filtered-by-acls", "").lower() == "true":
            # A reading the ACLs cut short would count too few holders or offline peers: the budget rule cannot
            # be applied to it, so it is an error (403: not worth retrying), never a smaller answer.
            raise ConsulError("Consul left out part of its answer to %s %s because the token may not read all of "
                              "it (X-Consul-Results-Filtered-By-ACLs); the gate needs read on every key under the "
                              "prefix and on every node and instance of the service" % (method, path), 403)
        return Response(resp.status, hdrs, data)

    # --- typed calls -----------------------------------------------------------------------------------------

    @staticmethod
    def kv_path(key):
        return "/v1/kv/" + quote(key, safe="/")

    @staticmethod
    def blocking_params(index, wait):
        if index is None or wait is None:
            return []
        ms = max(1, int(wait * 1000))
        return [("index", max(1, int(index))), ("wait", "%dms" % ms)]

    def blocking_timeout(self, wait):
        return wait + wait / _JITTER_FRACTION + self.timeout

    def kv_list(self, prefix, consistent=True, index=None, wait=None):
        """(entries JSON list, X-Consul-Index). A prefix with nothing under it is an empty list."""
        params = [("recurse", None)]
        if consistent:
            params.append(("consistent", None))
        params += self.blocking_params(index, wait)
        r = self.request("GET", self.kv_path(prefix), params, ok=(200, 404),
                         timeout=self.blocking_timeout(wait) if wait else None)
        return (r.json() or [] if r.status == 200 else []), r.index

    def kv_put(self, key, value, cas=None, acquire=None, release=None, flags=None):
        params = []
        if flags is not None:
            params.append(("flags", flags))
        if cas is not None:
            params.append(("cas", cas))
        if acquire is not None:
            params.append(("acquire", acquire))
        if release is not None:
            params.append(("release", release))
        r = self.request("PUT", self.kv_path(key), params, body=value if value is not None else b"")
        return self._bool_answer(r, "PUT", key)

    def kv_delete(self, key, cas=None):
        params = [("cas", cas)] if cas is not None else []
        r = self.request("DELETE", self.kv_path(key), params)
        return self._bool_answer(r, "DELETE", key)

    @staticmethod
    def _bool_answer(r, method, key):
        text = r.body.strip()
        if text == b"true":
            return True
        if text == b"false":
            return False
        raise ConsulError("Consul answered %s of %s with %r instead of true/false" % (method, key, text[:40]),
                          r.status)

    def health_service(self, service, consistent=True, index=None, wait=None):
        params = [("consistent", None)] if consistent else []
        params += self.blocking_params(index, wait)
        r = self.request("GET", "/v1/health/service/" + quote(service, safe=""), params,
                         timeout=self.blocking_timeout(wait) if wait else None)
        return r.json(), r.index

    def wait_for_change(self, kv_prefix, kv_index, service, health_index, seconds):
        """Blocks until the KV folder `kv_prefix` or the health of `service` moves past the given indexes, or
        `seconds` pass. Two blocking queries run side by side; the first to answer wins and the other is cut
        off. False when a watch failed (the caller spaces its retries)."""
        wait = max(0.001, seconds)

        def kv(sink):
            return self.request("GET", self.kv_path(kv_prefix),
                                [("recurse", None)] + self.blocking_params(kv_index, wait), ok=(200, 404),
                                timeout=self.blocking_timeout(wait), conn_sink=sink)

        def health(sink):
            return self.request("GET", "/v1/health/service/" + quote(service, safe=""),
                                self.blocking_params(health_index, wait), timeout=self.blocking_timeout(wait),
                                conn_sink=sink)

        got = wait_any([kv, health], wait)
        return not any(isinstance(value, ConsulError) for _i, value in got)

    def agent_self(self):
        return self.request("GET", "/v1/agent/self").json()

    def agent_services(self):
        return self.request("GET", "/v1/agent/services").json()

    def node_maintenance(self, enable, reason=None):
        params = [("enable", "true" if enable else "false")]
        if enable and reason:
            params.append(("reason", reason))
        self.request("PUT", "/v1/agent/maintenance", params, body=b"")

    def service_maintenance(self, service_id, enable, reason=None):
        params = [("enable", "true" if enable else "false")]
        if enable and reason:
            params.append(("reason", reason))
        self.request("PUT", "/v1/agent/service/maintenance/" + quote(service_id, safe=""), params, body=b"")

    def session_create(self, spec):
        r = self.request("PUT", "/v1/session/create", body=json.dumps(spec).encode("utf-8"))
        doc = r.json()
        if not isinstance(doc, dict) or not isinstance(doc.get("ID"), str):
            raise ConsulError("Consul's session/create answer has no ID", r.status)
        return doc["ID"]

    def session_destroy(self, sid):
        self.request("PUT", "/v1/session/destroy/" + quote(sid, safe=""), body=b"")

    def session_info(self, sid):
        r = self.request("GET", "/v1/session/info/" + quote(sid, safe=""))
        doc = r.json()
        return doc[0] if isinstance(doc, list) and doc else None

    def sessions_of_node(self, node):
        r = self.request("GET", "/v1/session/node/" + quote(node, safe=""))
        doc = r.json()
        return doc if isinstance(doc, list) else []


def _safe_addr(addr):
    """An address for messages: user:password@ in a URL is dropped."""
    try:
        parts = urlsplit(addr)
        if parts.username or parts.password:
            return addr.replace(parts.netloc, parts.hostname + (":%d" % parts.port if parts.port else ""))
    except ValueError:
        pass
    return addr


class TokenBucket:
    """Keeps a loop of blocking queries from turning into a busy loop when a server answers at once every
    time (Consul's client rules). Never sleeps while tokens are left, so the happy path has no delay."""

    def __init__(self, capacity=10, per_second=10.0, clock=time.monotonic, sleep=time.sleep):
        self.capacity = float(capacity)
        self.rate = float(per_second)
        self.tokens = float(capacity)
        self.clock = clock
        self.sleep = sleep
        self.last = clock()

    def take(self):
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1.0:
            self.sleep((1.0 - self.tokens) / self.rate)
            self.tokens = 1.0
            self.last = self.clock()
        self.tokens -= 1.0


def wait_any(watches, timeout):
    """Runs blocking queries in parallel and returns as soon as one of them answers (or `timeout` seconds
    pass). `watches` is a list of callables taking a `conn_sink` (called with the connected connection before
    the request is sent); each performs one blocking request. Returns the results that arrived ([] on timeout),
    each (i, value or ConsulError).

    The others are cut off by shutting their sockets down — also a watch that connects only after the cut —
    so no blocking query stays parked on the agent after the gate has moved on, and nothing waits for them."""
    done = threading.Event()
    lock = threading.Lock()
    conns = []
    results = []
    state = {"cut": False}

    def shut(conn):
        sock = getattr(conn, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def sink(conn):
        with lock:
            conns.append(conn)
            cut = state["cut"]
        if cut:
            shut(conn)

    def run(i, fn):
        try:
            value = fn(sink)
        except ConsulError as e:
            value = e
        except Exception as e:  # a thread must never die silently with the gate waiting on it
            value = ConsulError("watch failed: %s" % e)
        with lock:
            if not state["cut"]:
                results.append((i, value))
        done.set()

    for i, fn in enumerate(watches):
        t = threading.Thread(target=run, args=(i, fn), name="baton-watch-%d" % i)
        t.daemon = True
        t.start()
    done.wait(max(0.0, timeout))
    with lock:
        state["cut"] = True
        got = list(results)
        to_close = list(conns)
    for conn in to_close:
        shut(conn)
    return got
