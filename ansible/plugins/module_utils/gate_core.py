# -*- coding: utf-8 -*-
# Copyright: Baton contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of the Baton gate: the max_offline rule, the budget rule, the semaphore's KV encoding and the
reading of Consul health bodies. Nothing here does I/O, so all of it is unit-tested without Consul.

The max_offline rule and the budget rule are the same as core/domain/maxoffline.cpp and servicebudget.cpp in
the C++ tree; docs/coordination.md is the shared definition and tests/unit/test_maxoffline.py runs the same
table of cases as tests/core/tst_maxoffline.cpp.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime
import json
import re
import unicodedata

# The flags value `consul lock -n` (api/semaphore.go) puts on the contender keys and on .lock, so that a
# plain `consul lock` on the same prefix detects the conflict instead of corrupting the holder set.
SEMAPHORE_FLAGS = 0xE0F69A2BAA414DE0  # 16210313421097356768
LOCK_KEY = ".lock"
DEFAULT_MAX_OFFLINE = 1
MAX_COUNT = 100000
REASON_PREFIX = "baton:"

NODE_MAINTENANCE_CHECK = "_node_maintenance"
SERVICE_MAINTENANCE_PREFIX = "_service_maintenance:"

# Consul service and node names as Baton accepts them in KV keys: no slashes, so a name can never walk out of
# its own folder of the key space.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
_SESSION_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class GateError(Exception):
    """An error an operator can read; the module turns it into a failed task with this message."""


def valid_name(name):
    return isinstance(name, str) and bool(_NAME_RE.match(name))


def valid_session_id(sid):
    return isinstance(sid, str) and bool(_SESSION_RE.match(sid))


def normalize_prefix(prefix):
    """'baton' / '/baton/' / 'baton/' -> 'baton/'. An empty prefix puts the keys at the KV root."""
    p = (prefix or "").strip().strip("/")
    if not p:
        return ""
    if any(not part or part in (".", "..") for part in p.split("/")):
        raise GateError("KV prefix %r is not a plain key path" % prefix)
    return p + "/"


def rfc3339_ms(epoch_seconds):
    dt = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO_DURATION_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def parse_go_duration(text):
    """Seconds of a Go duration ("10s", "1m30s", "250ms", "0"), or None when it is not one. Consul renders
    check intervals and timeouts this way."""
    if not isinstance(text, str):
        return None
    t = text.strip()
    if t in ("0", "+0", "-0"):
        return 0.0
    if not t or t[0] == "-":
        return None
    if t[0] == "+":
        t = t[1:]
    pos, total = 0, 0.0
    while pos < len(t):
        m = _GO_DURATION_RE.match(t, pos)
        if not m:
            return None
        total += float(m.group(1)) * _GO_UNITS[m.group(2)]
        pos = m.end()
    return total if pos else None


# --------------------------------------------------------------------------------------------------------------
# max_offline


def _is_qt_space(ch):
    # QChar::isSpace: ' ', \t..\r, U+0085, U+00A0 and the Unicode separator categories. Python's str.strip()
    # would also strip U+001C..U+001F, which Qt keeps; the C++ and Python readings must agree exactly.
    o = ord(ch)
    if o == 0x20 or 0x09 <= o <= 0x0D:
        return True
    if o < 0x80:
        return False
    if o in (0x85, 0xA0):
        return True
    return unicodedata.category(ch) in ("Zs", "Zl", "Zp")


def _qt_trimmed(text):
    start, end = 0, len(text)
    while start < end and _is_qt_space(text[start]):
        start += 1
    while end > start and _is_qt_space(text[end - 1]):
        end -= 1
    return text[start:end]


def _utf16_left(text, units):
    """QString::left(units) without splitting a surrogate pair."""
    out, used = [], 0
    for ch in text:
        need = 2 if ord(ch) > 0xFFFF else 1
        if used + need > units:
            break
        out.append(ch)
        used += need
    return "".join(out)


def _utf16_len(text):
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


class MaxOffline:
    """The value of <prefix>services/<service>/max_offline: "N" (a count), "P%" (of registered instances,
    rounded down, at least 1 when P > 0) or "0" / "0%" (freeze: nobody may leave)."""

    COUNT = "count"
    PERCENT = "percent"

    __slots__ = ("kind", "value")

    def __init__(self, kind=COUNT, value=DEFAULT_MAX_OFFLINE):
        if kind == MaxOffline.PERCENT:
            value = min(max(int(value), 0), 100)
        else:
            kind = MaxOffline.COUNT
            value = min(max(int(value), 0), MAX_COUNT)
        self.kind = kind
        self.value = value

    @classmethod
    def count(cls, n):
        return cls(cls.COUNT, n)

    @classmethod
    def percent(cls, p):
        return cls(cls.PERCENT, p)

    @classmethod
    def freeze(cls):
        return cls(cls.COUNT, 0)

    def __eq__(self, other):
        return isinstance(other, MaxOffline) and (self.kind, self.value) == (other.kind, other.value)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self.kind, self.value))

    def __repr__(self):
        return "MaxOffline(%r)" % self.to_string()

    @staticmethod
    def parse(text):
        """Strict parse of an operator's text; surrounding whitespace is allowed.
        Returns (MaxOffline, None) or (None, error message)."""
        if not isinstance(text, str):
            text = str(text)
        t = _qt_trimmed(text)
        invalid = (
            None,
            'max_offline "%s" is not a count ("2"), a percentage ("25%%") or 0 (freeze)' % _utf16_left(text, 40),
        )
        if not t:
            return invalid
        is_percent = t.endswith("%")
        digits = t[:-1] if is_percent else t
        if not digits or _utf16_len(digits) > 6:
            return invalid
        if any(c < "0" or c > "9" for c in digits):
            return invalid
        n = int(digits)
        if is_percent:
            if n > 100:
                return None, 'max_offline "%s" is above 100%%' % t
            return MaxOffline.percent(n), None
        if n > MAX_COUNT:
            return invalid
        return MaxOffline.count(n), None

    @staticmethod
    def from_kv(raw):
        """What the budget rule uses when reading the key: a missing key (None) gives the default silently; a
        malformed value gives the default and a warning naming the value."""
        if raw is None:
            return MaxOfflineReading(MaxOffline(), "", False)
        if isinstance(raw, bytes):
            text = raw.decode("utf-8", errors="replace")
        else:
            text = str(raw)
        value, error = MaxOffline.parse(text)
        if value is None:
            return MaxOfflineReading(MaxOffline(), "%s; using the default of %d" % (error, DEFAULT_MAX_OFFLINE), True)
        return MaxOfflineReading(value, "", True)

    def is_frozen(self):
        return self.value == 0

    def limit_for(self, registered_instances):
        """How many instances may be offline at once when the service has this many registered."""
        if self.kind == MaxOffline.COUNT:
            return self.value
        if self.value == 0:
            return 0
        n = max(int(registered_instances), 0)
        return max(1, (n * self.value) // 100)

    def to_string(self):
        if self.kind == MaxOffline.PERCENT:
            return "%d%%" % self.value
        return "%d" % self.value

    def describe(self, registered_instances):
        if self.is_frozen():
            return "%s (frozen)" % self.to_string()
        if self.kind == MaxOffline.PERCENT:
            return "%s (= %d of %d)" % (self.to_string(), self.limit_for(registered_instances), registered_instances)
        return self.to_string()


class MaxOfflineReading:
    __slots__ = ("value", "warning", "key_present")

    def __init__(self, value, warning, key_present):
        self.value = value
        self.warning = warning
        self.key_present = key_present


# --------------------------------------------------------------------------------------------------------------
# The budget rule


class OfflinePeer:
    __slots__ = ("node", "reason")

    def __init__(self, node, reason):
        self.node = node
        self.reason = reason

    def __eq__(self, other):
        return isinstance(other, OfflinePeer) and (self.node, self.reason) == (other.node, other.reason)

    def __repr__(self):
        return "OfflinePeer(%r, %r)" % (self.node, self.reason)

    def to_json(self):
        return {"node": self.node, "reason": self.reason}


class Budget:
    """One service's disruption budget at a moment. A node may enter only if
    |slot holders ∪ offline peers| + 1 ≤ limit, where the node itself is left out of both sets."""

    def __init__(self, service, max_offline, instances, holders, offline, warning=""):
        self.service = service
        self.max_offline = max_offline
        self.warning = warning
        self.instances = int(instances)
        self.holders = sorted(set(holders))  # node names holding a slot
        self.offline = list(offline)  # OfflinePeer for every instance offline now (any node)

    @property
    def limit(self):
        return self.max_offline.limit_for(self.instances)

    def _occupied(self):
        nodes = set(self.holders)
        nodes.update(p.node for p in self.offline)
        return nodes

    def occupied_excluding(self, node):
        nodes = self._occupied()
        nodes.discard(node)
        return sorted(nodes)

    def can_enter(self, node):
        return len(self.occupied_excluding(node)) + 1 <= self.limit

    def free_slots(self):
        return max(0, self.limit - len(self._occupied()))

    def others_holding(self, node):
        return [h for h in self.holders if h != node]

    def offline_peers_of(self, node):
        """Offline instances other than `node` that do not hold a slot (those are reported as holders)."""
        seen, out = set(), []
        for p in self.offline:
            if p.node == node or p.node in self.holders or p.node in seen:
                continue
            seen.add(p.node)
            out.append(p)
        return out

    def describe_for(self, node):
        """Why `node` waits, in the same words as WaitInfo::describe:
        "slots held by web-1, web-3; web-5 critical: http; max_offline 2"."""
        parts = []
        holders = self.others_holding(node)
        if holders:
            parts.append("slots held by %s" % ", ".join(holders))
        for p in self.offline_peers_of(node):
            parts.append("%s %s" % (p.node, p.reason))
        limit = self.limit
        if limit == 0:
            parts.append("service frozen (max_offline 0)")
        else:
            parts.append("max_offline %s" % (self.max_offline.to_string() if self.max_offline else limit))
        return "; ".join(parts)


# --------------------------------------------------------------------------------------------------------------
# KV encoding


def decode_value(entry):
    """The bytes of a KV entry's base64 Value (None for a JSON null)."""
    v = entry.get("Value")
    if v is None:
        return None
    if not isinstance(v, str):
        raise GateError("KV entry %r has a Value that is not base64 text" % entry.get("Key"))
    try:
        return base64.b64decode(v.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise GateError("KV entry %r has a Value that is not valid base64" % entry.get("Key"))


class KvEntry:
    __slots__ = ("key", "value", "flags", "session", "modify_index", "lock_index")

    def __init__(self, key, value, flags, session, modify_index, lock_index=0):
        self.key = key
        self.value = value
        self.flags = flags
        self.session = session
        self.modify_index = modify_index
        self.lock_index = lock_index


def parse_kv_listing(body):
    """A ?recurse listing (parsed JSON) -> {key: KvEntry}. Anything that is not Consul's shape is an error:
    the gate refuses to decide on data it cannot read."""
    if body is None:
        return {}
    if not isinstance(body, list):
        raise GateError("Consul KV listing is not a JSON array")
    out = {}
    for e in body:
        if not isinstance(e, dict) or not isinstance(e.get("Key"), str):
            raise GateError("Consul KV listing has an entry without a Key")
        flags = e.get("Flags", 0)
        mi = e.get("ModifyIndex", 0)
        li = e.get("LockIndex", 0)
        if not isinstance(flags, int) or not isinstance(mi, int) or not isinstance(li, int):
            raise GateError("KV entry %r has non-integer Flags or indexes" % e["Key"])
        session = e.get("Session") or ""
        if not isinstance(session, str):
            raise GateError("KV entry %r has a Session that is not text" % e["Key"])
        out[e["Key"]] = KvEntry(e["Key"], decode_value(e), flags, session, mi, li)
    return out


class SemaphoreLock:
    """The .lock key of the slot semaphore: {"Limit": N, "Holders": {"<session>": true}} as api/semaphore.go
    writes it. Only ever written by CAS on its ModifyIndex (0 = create)."""

    def __init__(self, limit, holders, modify_index):
        self.limit = limit
        self.holders = list(holders)  # session ids, in the order read
        self.modify_index = modify_index

    @staticmethod
    def from_entry(entry, key_name):
        if entry is None:
            return SemaphoreLock(0, [], 0)
        if entry.flags != SEMAPHORE_FLAGS:
            raise GateError(
                "%s has flags %d, not the semaphore's %d: something other than a semaphore uses this prefix"
                % (key_name, entry.flags, SEMAPHORE_FLAGS)
            )
        if entry.value is None or entry.value == b"":
            return SemaphoreLock(0, [], entry.modify_index)
        try:
            doc = json.loads(entry.value.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise GateError("%s does not hold semaphore JSON; refusing to decide on it" % key_name)
        if not isinstance(doc, dict):
            raise GateError("%s does not hold a semaphore JSON object" % key_name)
        limit = doc.get("Limit", 0)
        holders = doc.get("Holders") or {}
        if not isinstance(limit, int) or isinstance(limit, bool) or not isinstance(holders, dict):
            raise GateError("%s has a malformed Limit or Holders" % key_name)
        return SemaphoreLock(limit, [h for h, held in holders.items() if held is True], entry.modify_index)


def encode_lock(limit, holders):
    """Byte-for-byte what Go's json.Marshal writes for api/semaphore.go's semaphoreLock: fields in declaration
    order (Limit, Holders), map keys sorted, compact."""
    hmap = json.dumps(dict((h, True) for h in holders), sort_keys=True, separators=(",", ":"))
    return ('{"Limit":%d,"Holders":%s}' % (int(limit), hmap)).encode("utf-8")


def encode_contender(node, service, job_id, operator, since_epoch):
    doc = {
        "node": node,
        "service": service,
        "job": job_id or "",
        "operator": operator or "",
        "since": rfc3339_ms(since_epoch),
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("utf-8")


def decode_contender(value):
    """The contender value -> dict with at least "node"; None when it is not ours (e.g. `consul lock -n`'s
    empty value)."""
    if not value:
        return None
    try:
        doc = json.loads(value.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("node"), str):
        return None
    return doc


class SlotView:
    """The slots folder of one service as read in one listing: the .lock holder set, pruned to live holders
    the way api/semaphore.go prunes (a holder is alive while some entry of the folder is locked by its
    session), and which node each session stands for."""

    def __init__(self, slots_prefix, entries):
        self.prefix = slots_prefix
        lock_key = slots_prefix + LOCK_KEY
        self.lock = SemaphoreLock.from_entry(entries.get(lock_key), lock_key)
        self.contenders = {}  # session -> node (or None when the value is not ours)
        self.contender_keys = {}  # session -> key
        locked_by = set()
        for key, e in entries.items():
            if not key.startswith(slots_prefix) or key == lock_key:
                continue
            if e.session:
                locked_by.add(e.session)
                sid = key[len(slots_prefix):]
                if sid == e.session:
                    doc = decode_contender(e.value)
                    self.contenders[sid] = doc.get("node") if doc else None
                    self.contender_keys[sid] = key
        self.live_holders = [h for h in self.lock.holders if h in locked_by]
        self.dead_holders = [h for h in self.lock.holders if h not in locked_by]

    def holder_node(self, sid):
        node = self.contenders.get(sid)
        return node if node else "session %s" % sid[:8]

    def holder_nodes(self):
        return sorted(set(self.holder_node(h) for h in self.live_holders))

    def sessions_of(self, node):
        """Live holder sessions that stand for `node`."""
        return [h for h in self.live_holders if self.contenders.get(h) == node]

    def contenders_of(self, node):
        """Every contender session of `node`, holder or not."""
        return sorted(s for s, n in self.contenders.items() if n == node)


# --------------------------------------------------------------------------------------------------------------
# Health


def is_maintenance_check(check_id):
    return check_id == NODE_MAINTENANCE_CHECK or check_id.startswith(SERVICE_MAINTENANCE_PREFIX)


class Instance:
    __slots__ = ("node", "service_id", "checks")

    def __init__(self, node, service_id, checks):
        self.node = node
        self.service_id = service_id
        self.checks = checks  # list of dicts: CheckID, Name, Status, Notes, Output, ServiceID


def _check_label(c):
    return c.get("Name") or c.get("CheckID") or "?"


def offline_reason(checks):
    """Why an instance is out of service, or None when it is not: maintenance first (with its notes), then
    the first critical check by name. Only `critical` counts; `warning` does not make an instance offline."""
    for c in checks:
        if c.get("Status") == "critical" and is_maintenance_check(c.get("CheckID", "")):
            notes = (c.get("Notes") or "").strip()
            return "maintenance: %s" % notes if notes else "maintenance"
    for c in checks:
        if c.get("Status") == "critical":
            return "critical: %s" % _check_label(c)
    return None


def unhealthy_reason(checks):
    """Why an instance is not fully healthy (anything but passing), or None."""
    r = offline_reason(checks)
    if r:
        return r
    for c in checks:
        if c.get("Status") != "passing":
            return "%s: %s" % (c.get("Status", "unknown"), _check_label(c))
    return None


def parse_health_service(body):
    """/v1/health/service/<service> (parsed JSON) -> [Instance]."""
    if not isinstance(body, list):
        raise GateError("Consul health response is not a JSON array")
    out = []
    for e in body:
        if not isinstance(e, dict):
            raise GateError("Consul health response has an entry that is not an object")
        node = e.get("Node") or {}
        svc = e.get("Service") or {}
        checks = e.get("Checks")
        if checks is None:
            checks = []
        if not isinstance(node, dict) or not isinstance(svc, dict) or not isinstance(checks, list):
            raise GateError("Consul health response has an entry of the wrong shape")
        name = node.get("Node")
        if not isinstance(name, str) or not name:
            raise GateError("Consul health response has an entry without a node name")
        clean = []
        for c in checks:
            if not isinstance(c, dict) or not isinstance(c.get("Status"), str):
                raise GateError("Consul health response has a check of the wrong shape on %s" % name)
            clean.append(c)
        out.append(Instance(name, svc.get("ID") or "", clean))
    return out


class HealthView:
    def __init__(self, instances):
        self.instances = instances

    @property
    def count(self):
        return len(self.instances)

    def offline(self):
        """One OfflinePeer per node with an offline instance of the service (maintenance counts)."""
        out, seen = [], set()
        for inst in self.instances:
            if inst.node in seen:
                continue
            r = offline_reason(inst.checks)
            if r:
                seen.add(inst.node)
                out.append(OfflinePeer(inst.node, r))
        out.sort(key=lambda p: p.node)
        return out

    def of_node(self, node):
        return [i for i in self.instances if i.node == node]

    def node_registered(self, node):
        return any(i.node == node for i in self.instances)

    def node_checks(self, node):
        seen, out = set(), []
        for inst in self.of_node(node):
            for c in inst.checks:
                cid = (c.get("CheckID"), c.get("ServiceID"))
                if cid not in seen:
                    seen.add(cid)
                    out.append(c)
        return out

    def in_maintenance(self, node, mode, service_ids=None):
        """Whether the node's instance(s) of the service show the maintenance `mode` ("service" or "node")."""
        for c in self.node_checks(node):
            cid = c.get("CheckID", "")
            if mode == "node" and cid == NODE_MAINTENANCE_CHECK:
                return True
            if mode == "service" and cid.startswith(SERVICE_MAINTENANCE_PREFIX):
                if service_ids is None or cid[len(SERVICE_MAINTENANCE_PREFIX):] in service_ids:
                    return True
        return False

    def maintenance_notes(self, node):
        """{check id: notes} of the maintenance checks on the node's instance(s)."""
        return dict(
            (c.get("CheckID"), c.get("Notes") or "")
            for c in self.node_checks(node)
            if is_maintenance_check(c.get("CheckID", ""))
        )

    def check_interval(self, node):
        """The longest run interval among the checks of the node's instance(s) (HTTP, TCP, script, … checks;
        TTL checks and maintenance have none), in seconds; 0 when there is none."""
        longest = 0.0
        for c in self.node_checks(node):
            v = parse_go_duration(c.get("Interval") or "")
            if v:
                longest = max(longest, v)
        return longest

    def healthy(self, node):
        """(True, None) when every check of the node's instance(s), node-level ones included, passes."""
        checks = self.node_checks(node)
        if not self.node_registered(node):
            return False, "no instance registered"
        r = unhealthy_reason(checks)
        return r is None, r
