"""An in-memory stand-in for the few Consul calls the gate makes, for unit tests of the protocol's decisions.

It is deliberately small: one global index, KV with CAS/acquire/flags and Behavior=delete sessions, health as
checks per node, agent maintenance. It lets a test stop the gate between any two calls and change the world
(a peer fails, max_offline drops, a CAS loses), which a real Consul cannot do on cue. Wire behaviour is tested
against consul-sim in tests/integration."""

import base64
import itertools
import json
import uuid

from ansible_collections.baton.gate.plugins.module_utils.consul_client import ConsulError


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += max(0.0, seconds)


class FakeDatacenter:
    def __init__(self, service="web", nodes=8):
        self.clock = FakeClock()
        self.index = 10
        self.kv = {}  # key -> dict(Value bytes|None, Flags, Session, ModifyIndex, CreateIndex, LockIndex)
        self.sessions = {}  # id -> dict(Name, Node, Behavior)
        self.service = service
        self.nodes = {}  # node -> {"checks": {check id: check dict}, "services": {id: name}}
        for i in range(1, nodes + 1):
            self.add_node("%s-%d" % (service, i))
        self.hooks = {}  # event -> list of callables (each called once, in order)
        self.failures = {}  # event -> list of ConsulError to raise, one per call
        self.calls = []  # (event, detail)
        self.waits = 0
        self.on_wait = None  # callable run when a gate blocks; may change the world

    # --- world -------------------------------------------------------------------------------------------

    def bump(self):
        self.index += 1
        return self.index

    def add_node(self, name):
        self.nodes[name] = {
            "checks": {
                "serfHealth": {"CheckID": "serfHealth", "Name": "Serf Health Status", "Status": "passing",
                               "Notes": "", "ServiceID": ""},
                "service:web": {"CheckID": "service:%s" % self.service, "Name": "http", "Status": "passing",
                                "Notes": "", "ServiceID": self.service},
            },
            "services": {self.service: self.service},
        }
        self.bump()

    def set_check(self, node, check_id, status):
        self.nodes[node]["checks"][check_id]["Status"] = status
        self.bump()

    def set_max_offline(self, text):
        self.kv_write("baton/services/%s/max_offline" % self.service, text.encode(), flags=0)

    def kv_write(self, key, value, flags=0, session=None):
        idx = self.bump()
        old = self.kv.get(key)
        self.kv[key] = {"Value": value, "Flags": flags, "Session": session if session is not None else
                        (old["Session"] if old else ""), "ModifyIndex": idx,
                        "CreateIndex": old["CreateIndex"] if old else idx,
                        "LockIndex": old["LockIndex"] if old else 0}

    def offline_nodes(self):
        return sorted(n for n, d in self.nodes.items() if any(c["Status"] == "critical" for c in d["checks"].values()))

    def maintenance_nodes(self):
        return sorted(n for n, d in self.nodes.items()
                      if any(cid.startswith("_service_maintenance:") or cid == "_node_maintenance"
                             for cid in d["checks"]))

    def lock_holders(self):
        e = self.kv.get("baton/services/%s/slots/.lock" % self.service)
        if not e or not e["Value"]:
            return []
        return sorted(json.loads(e["Value"])["Holders"])

    def slot_nodes(self):
        out = []
        for sid in self.lock_holders():
            e = self.kv.get("baton/services/%s/slots/%s" % (self.service, sid))
            if e and e["Session"] == sid:
                out.append(json.loads(e["Value"])["node"])
        return sorted(out)

    def kill_session(self, sid):
        self._invalidate(sid)

    def _invalidate(self, sid):
        s = self.sessions.pop(sid, None)
        if s is None:
            return
        for key in [k for k, e in self.kv.items() if e["Session"] == sid]:
            if s["Behavior"] == "delete":
                del self.kv[key]
            else:
                self.kv[key]["Session"] = ""
        self.bump()

    # --- instrumentation ---------------------------------------------------------------------------------

    def on(self, event, fn):
        self.hooks.setdefault(event, []).append(fn)

    def fail(self, event, error):
        self.failures.setdefault(event, []).append(error)

    def event(self, name, detail=""):
        self.calls.append((name, detail))
        if self.failures.get(name):
            raise self.failures[name].pop(0)
        if self.hooks.get(name):
            self.hooks[name].pop(0)(self)

    def count(self, name):
        return sum(1 for n, _ in self.calls if n == name)

    def agent(self, node):
        return FakeAgent(self, node)


class FakeAgent:
    """The client interface Gate uses, bound to one node's agent."""

    def __init__(self, dc, node):
        self.dc = dc
        self.node = node
        self.address = "http://fake-%s:8500" % node

    # KV
    def kv_list(self, prefix, consistent=True, index=None, wait=None):
        self.dc.event("kv_list", prefix)
        out = []
        for k in sorted(self.dc.kv):
            if k.startswith(prefix):
                e = self.dc.kv[k]
                d = {"LockIndex": e["LockIndex"], "Key": k, "Flags": e["Flags"],
                     "Value": base64.b64encode(e["Value"]).decode() if e["Value"] else None,
                     "CreateIndex": e["CreateIndex"], "ModifyIndex": e["ModifyIndex"]}
                if e["Session"]:
                    d["Session"] = e["Session"]
                out.append(d)
        return out, self.dc.index

    def kv_put(self, key, value, cas=None, acquire=None, release=None, flags=None):
        name = "kv_put_lock" if key.endswith("/.lock") else "kv_put"
        self.dc.event(name, key)
        kv = self.dc.kv
        if cas is not None:
            cur = kv.get(key)
            if (cas == 0 and cur is not None) or (cas != 0 and (cur is None or cur["ModifyIndex"] != cas)):
                return False
        if acquire is not None:
            if acquire not in self.dc.sessions:
                raise ConsulError("Consul answered 500: invalid session", 500)
            cur = kv.get(key)
            if cur and cur["Session"] and cur["Session"] != acquire:
                return False
            self.dc.kv_write(key, value, flags or 0, session=acquire)
            if not cur or cur["Session"] != acquire:
                kv[key]["LockIndex"] += 1
            return True
        self.dc.kv_write(key, value, flags or 0)
        return True

    def kv_delete(self, key, cas=None):
        self.dc.event("kv_delete", key)
        if key in self.dc.kv:
            del self.dc.kv[key]
            self.dc.bump()
        return True

    # health
    def health_service(self, service, consistent=True, index=None, wait=None):
        self.dc.event("health", service)
        out = []
        for n in sorted(self.dc.nodes):
            d = self.dc.nodes[n]
            for sid, sname in d["services"].items():
                if sname != service:
                    continue
                checks = [dict(c, Node=n) for c in d["checks"].values()
                          if c["ServiceID"] in ("", sid)]
                out.append({"Node": {"Node": n}, "Service": {"ID": sid, "Service": sname}, "Checks": checks})
        return out, self.dc.index

    def wait_for_change(self, kv_prefix, kv_index, service, health_index, seconds):
        self.dc.event("wait", "%s" % seconds)
        self.dc.waits += 1
        before = self.dc.index
        if self.dc.on_wait is not None:
            self.dc.on_wait(self.dc)
        if self.dc.index == before:
            self.dc.clock.sleep(seconds)  # nothing happened: the blocking query times out
        return True

    # agent
    def agent_self(self):
        self.dc.event("agent_self")
        return {"Config": {"NodeName": self.node}}

    def agent_services(self):
        self.dc.event("agent_services")
        return dict((sid, {"ID": sid, "Service": name}) for sid, name in self.dc.nodes[self.node]["services"].items())

    def node_maintenance(self, enable, reason=None):
        self.dc.event("maintenance_%s" % ("on" if enable else "off"), "node")
        checks = self.dc.nodes[self.node]["checks"]
        if enable and "_node_maintenance" not in checks:
            checks["_node_maintenance"] = {"CheckID": "_node_maintenance", "Name": "Node Maintenance Mode",
                                           "Status": "critical", "Notes": reason or "", "ServiceID": ""}
        elif not enable:
            checks.pop("_node_maintenance", None)
        self.dc.bump()

    def service_maintenance(self, service_id, enable, reason=None):
        self.dc.event("maintenance_%s" % ("on" if enable else "off"), service_id)
        if service_id not in self.dc.nodes[self.node]["services"]:
            raise ConsulError('Consul answered 404: No service registered with ID "%s"' % service_id, 404)
        checks = self.dc.nodes[self.node]["checks"]
        cid = "_service_maintenance:" + service_id
        if enable and cid not in checks:
            checks[cid] = {"CheckID": cid, "Name": "Service Maintenance Mode", "Status": "critical",
                           "Notes": reason or "", "ServiceID": service_id}
        elif not enable:
            checks.pop(cid, None)
        self.dc.bump()

    # sessions
    def session_create(self, spec):
        self.dc.event("session_create")
        sid = str(uuid.UUID(int=next(_ids)))
        self.dc.sessions[sid] = {"ID": sid, "Name": spec.get("Name", ""), "Node": spec.get("Node", self.node),
                                 "Behavior": spec.get("Behavior", "release"), "Spec": spec}
        self.dc.bump()
        return sid

    def session_destroy(self, sid):
        self.dc.event("session_destroy", sid)
        self.dc._invalidate(sid)

    def sessions_of_node(self, node):
        self.dc.event("sessions_of_node", node)
        return [dict(s) for s in self.dc.sessions.values() if s["Node"] == node]


_ids = itertools.count(0x1000)
