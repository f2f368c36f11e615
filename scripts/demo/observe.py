"""Watching a rollout from the outside, through Consul's HTTP API: the ground truth the demo's summary and
bench/rolling report.

- HealthSampler: a blocking query on /v1/health/service/<service> answered at every change of the service's
  health, re-issued at once. Each answer is a sample: which instances are offline (any critical check, Consul
  maintenance included) and why. The most offline at once is counted from these samples, never from Baton's own
  keys or the job service's states.
- SlotWatcher: a blocking query on the service's slot folder (baton/services/<service>/slots/, recursive): the
  holder set of the slot semaphore at every change, with the holders' node names from their contender keys.

Both stamp samples with time.time() (the job service's timestamps use the same clock). A blocking query sees
every change that is still visible when it is answered; a state that appears and vanishes again within the
round trip of one request (a millisecond on loopback) can be missed, which is why the count is called "most
offline observed".

Python standard library only.
"""

import base64
import json
import threading
import time
import urllib.parse

from datacenter import http


def parse_time(text):
    """RFC 3339 (the job service's "2026-01-02T03:04:05.678Z") to seconds since the epoch; None for empty."""
    if not text:
        return None
    from datetime import datetime
    t = text.replace("Z", "+00:00")
    return datetime.fromisoformat(t).timestamp()


class _Watch(threading.Thread):
    def __init__(self, url, wait="10s", token=None):
        threading.Thread.__init__(self, daemon=True)
        self.url = url
        self.headers = {"X-Consul-Token": token} if token else {}
        self.wait = wait
        self.halt = threading.Event()
        self.errors = 0
        self.last_error = ""
        self.requests = 0

    def run(self):
        index = 0
        while not self.halt.is_set():
            sep = "&" if "?" in self.url else "?"
            url = "%s%sindex=%d&wait=%s" % (self.url, sep, index, self.wait) if index else self.url
            status, headers, body = http("GET", url, headers=self.headers, timeout=30)
            self.requests += 1
            t = time.time()
            if status == 404:  # a KV folder that does not exist yet: empty, keep waiting on its index
                new_index = int(headers.get("X-Consul-Index", "0") or 0)
                self.observe(t, [])
            elif status != 200:
                self.errors += 1
                self.last_error = "%d %s" % (status, body[:200].decode(errors="replace"))
                self.halt.wait(0.2)
                index = 0
                continue
            else:
                new_index = int(headers.get("X-Consul-Index", "0") or 0)
                try:
                    self.observe(t, json.loads(body))
                except ValueError as e:
                    self.errors += 1
                    self.last_error = "malformed answer: %s" % e
            # Consul's rules: an index that went backwards resets; an index below 1 is 1.
            index = new_index if new_index >= index else 0
            index = max(index, 1)

    def stop(self):
        self.halt.set()
        self.join(40)


class HealthSampler(_Watch):
    def __init__(self, consul_url, service, token=None):
        _Watch.__init__(self, "%s/v1/health/service/%s" % (consul_url, urllib.parse.quote(service, safe="")),
                        token=token)
        self.service = service
        self.samples = []  # (t, {node: [reason, …]}, instances)
        self.lock = threading.Lock()

    def observe(self, t, entries):
        offline = {}
        for e in entries:
            reasons = ["%s: %s" % (c.get("CheckID", "?"), (c.get("Notes") or c.get("Output") or "")[:80])
                       for c in e.get("Checks", []) if c.get("Status") == "critical"]
            if reasons:
                offline[e["Node"]["Node"]] = reasons
        with self.lock:
            self.samples.append((t, offline, len(entries)))

    def snapshot(self):
        with self.lock:
            return list(self.samples)

    def current(self):
        """The instances offline in the latest sample."""
        with self.lock:
            return set(self.samples[-1][1]) if self.samples else set()

    def most_offline(self, since=None, until=None):
        """(count, time, nodes) of the sample with the most instances offline within [since, until]."""
        best = (0, None, [])
        for t, offline, _n in self.snapshot():
            if (since is not None and t < since) or (until is not None and t > until):
                continue
            if len(offline) > best[0]:
                best = (len(offline), t, sorted(offline))
        return best

    def transitions(self, since=None, until=None):
        """[(t, node, "out"|"back")] in time order: a node going offline, or coming back (no critical check)."""
        out = []
        prev = set()
        for t, offline, _n in self.snapshot():
            now = set(offline)
            if since is not None and t < since:
                prev = now
                continue
            if until is not None and t > until:
                break
            for node in sorted(now - prev):
                out.append((t, node, "out"))
            for node in sorted(prev - now):
                out.append((t, node, "back"))
            prev = now
        return out


class SlotWatcher(_Watch):
    def __init__(self, consul_url, service, prefix="baton/", token=None):
        _Watch.__init__(self, "%s/v1/kv/%sservices/%s/slots/?recurse" % (
            consul_url, prefix, urllib.parse.quote(service, safe="")), token=token)
        self.samples = []  # (t, frozenset of holder nodes)
        self.lock = threading.Lock()

    def observe(self, t, entries):
        contenders = {}
        holders = set()
        for e in entries:
            key = e.get("Key", "")
            raw = base64.b64decode(e.get("Value") or "") if e.get("Value") else b""
            name = key.rsplit("/", 1)[-1]
            try:
                doc = json.loads(raw) if raw else {}
            except ValueError:
                doc = {}
            if name == ".lock":
                holders = set((doc.get("Holders") or {}).keys())
            elif isinstance(doc, dict):
                contenders[name] = doc.get("node", name)
        nodes = frozenset(contenders.get(s, s) for s in holders)
        with self.lock:
            if not self.samples or self.samples[-1][1] != nodes:
                self.samples.append((t, nodes))

    def snapshot(self):
        with self.lock:
            return list(self.samples)

    def current(self):
        """The holder nodes in the latest sample."""
        with self.lock:
            return set(self.samples[-1][1]) if self.samples else set()

    def most_holders(self, since=None, until=None):
        best = 0
        for t, nodes in self.snapshot():
            if (since is None or t >= since) and (until is None or t <= until):
                best = max(best, len(nodes))
        return best

    def changes(self, since=None, until=None):
        """[(t, node, "take"|"give")] in time order."""
        out = []
        prev = frozenset()
        for t, nodes in self.snapshot():
            if since is not None and t < since:
                prev = nodes
                continue
            if until is not None and t > until:
                break
            for n in sorted(nodes - prev):
                out.append((t, n, "take"))
            for n in sorted(prev - nodes):
                out.append((t, n, "give"))
            prev = nodes
        return out


def fifo_handoffs(events, free, take, waiting_since=None):
    """Hand-off latencies from a list of (t, node, kind) events: each `free` event (a slot given back, a node
    back in service) is paired, first come first served, with the next `take` event after it (a slot taken, a
    node going out of service). With `waiting_since` ({node: t}) a take counts only if its node was already
    waiting when the capacity was freed (a hand-off to a node that was not there yet is not the gate's delay).
    Returns the latencies in seconds."""
    pending = []
    out = []
    for t, node, kind in events:
        if kind == free:
            pending.append(t)
        elif kind == take and pending:
            freed = pending[0]
            if waiting_since is not None:
                w = waiting_since.get(node)
                if w is None or w > freed:
                    continue
            pending.pop(0)
            out.append(t - freed)
    return out


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def node_timings(job):
    """Per node run of a job (GET /v1/jobs/{id}): when it started waiting for a slot, entered maintenance,
    started verifying and finished, relative to the job's creation, and the derived durations (seconds)."""
    created = parse_time(job.get("created_at"))
    rows = []
    for n in job.get("nodes", []):
        at = {}
        for tr in n.get("transitions", []):
            at.setdefault(tr["state"], parse_time(tr["at"]))
        finished = parse_time(n.get("finished_at"))
        waiting = at.get("waiting_for_slot")
        entered = at.get("in_maintenance")
        verifying = at.get("verifying")

        def span(a, b):
            return round(b - a, 3) if a is not None and b is not None else None

        rows.append({
            "node": n["node"], "state": n["state"], "reason": n.get("reason", ""),
            "started_s": span(created, at.get("starting")),
            "waited_for_slot_s": span(waiting, entered),
            "in_maintenance_s": span(entered, verifying),
            "verifying_s": span(verifying, finished),
            "total_s": span(created, finished),
            "waiting_since": waiting, "entered_at": entered,
        })
    return rows
