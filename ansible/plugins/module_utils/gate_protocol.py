# -*- coding: utf-8 -*-
# Copyright: Baton contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate protocol: enter (take a slot, then maintenance), leave (maintenance off, wait for health, then give
the slot back), release (operator clean-up) and status, on top of ConsulClient.

docs/coordination.md explains the protocol and why it is safe; docs/coordination/gate.pml is its model. The
comments here say which step of that argument a piece of code carries.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time

from ansible_collections.baton.gate.plugins.module_utils.consul_client import ConsulError, TokenBucket
from ansible_collections.baton.gate.plugins.module_utils.gate_core import (
    LOCK_KEY,
    NODE_MAINTENANCE_CHECK,
    REASON_PREFIX,
    SEMAPHORE_FLAGS,
    Budget,
    GateError,
    HealthView,
    MaxOffline,
    SlotView,
    encode_contender,
    encode_lock,
    normalize_prefix,
    parse_health_service,
    parse_kv_listing,
    valid_name,
)

# How long a single step may keep retrying a Consul that does not answer, when the step must finish whatever
# the attempt's deadline says (confirming or undoing an entry).
_STEP_RETRY_SECONDS = 15.0
_MAX_CAS_TRIES = 50
AUTO_SETTLE_MAX = 120.0


class GateConfig:
    def __init__(self, service, node=None, prefix="baton/", job_id="", operator="", reason="",
                 maintenance="service", service_ids=None, wait=30.0, health_timeout=300.0, check_mode=False,
                 report_after=0.0, health_settle=None):
        if not valid_name(service):
            raise GateError("service %r is not a valid Consul service name for Baton (letters, digits, '.', '_', "
                            "'-'; no slashes)" % (service,))
        if node is not None and not valid_name(node):
            raise GateError("node %r is not a valid Consul node name for Baton" % (node,))
        if maintenance not in ("service", "node"):
            raise GateError("maintenance must be 'service' or 'node', not %r" % (maintenance,))
        self.service = service
        self.node = node
        self.prefix = normalize_prefix(prefix)
        self.job_id = "" if job_id is None else str(job_id)
        self.operator = operator or ""
        self.reason = reason or ""
        self.maintenance = maintenance
        self.service_ids = list(service_ids) if service_ids else None
        self.wait = max(0.0, float(wait))
        self.health_timeout = max(0.0, float(health_timeout))
        # An attempt that has waited this long answers `waiting` as soon as its reason changes, so the reason a
        # console shows stays current without many short attempts (each attempt is a new module process).
        self.report_after = max(0.0, float(report_after))
        # `left` gives the slot back only once the node's checks have passed for this long (see _wait_healthy);
        # None = "auto": the longest run interval of the node's checks, at most AUTO_SETTLE_MAX.
        self.health_settle = None if health_settle is None else max(0.0, float(health_settle))
        self.check_mode = bool(check_mode)


class State:
    """One reading of a service's budget: the service's KV folder (max_offline and the slots) in one consistent
    listing, and the service's health in one consistent read."""

    def __init__(self, gate, entries, kv_index, instances, health_index):
        self.kv_index = kv_index
        self.health_index = health_index
        self.entries = entries
        self.slots = SlotView(gate.slots_prefix, entries)
        entry = entries.get(gate.max_offline_key)
        raw = None if entry is None else (entry.value if entry.value is not None else b"")
        self.reading = MaxOffline.from_kv(raw)
        self.health = HealthView(instances)
        self.budget = Budget(gate.cfg.service, self.reading.value, self.health.count, self.slots.holder_nodes(),
                             self.health.offline(), self.reading.warning)


class Gate:
    def __init__(self, client, cfg, clock=time.monotonic, sleep=time.sleep, wall=time.time, rng=random.random):
        self.client = client
        self.cfg = cfg
        self.clock = clock
        self.sleep = sleep
        self.wall = wall
        self.rng = rng
        self.service_prefix = "%sservices/%s/" % (cfg.prefix, cfg.service)
        self.slots_prefix = self.service_prefix + "slots/"
        self.lock_key = self.slots_prefix + LOCK_KEY
        self.max_offline_key = self.service_prefix + "max_offline"
        self._node = cfg.node
        self._service_ids = cfg.service_ids
        self.trace = []  # what the gate did, step by step, returned to the operator

    # --- small helpers --------------------------------------------------------------------------------------

    def _log(self, text):
        self.trace.append("%.3f %s" % (self.wall(), text))

    @property
    def node(self):
        return self.resolve_node(self.clock() + _STEP_RETRY_SECONDS)

    def resolve_node(self, deadline):
        if self._node is None:
            doc = self._retry(lambda: self.client.agent_self(), deadline)
            name = None
            if isinstance(doc, dict) and isinstance(doc.get("Config"), dict):
                name = doc["Config"].get("NodeName")
            if not valid_name(name):
                raise GateError("the Consul agent at %s did not name its node (agent/self Config.NodeName)"
                                % self.client.address)
            self._node = name
        return self._node

    def session_name(self):
        return "baton gate: %s on %s" % (self.cfg.service, self.node)

    def maintenance_reason(self):
        who = "job %s" % self.cfg.job_id if self.cfg.job_id else "a manual run"
        text = "%s %s by %s" % (REASON_PREFIX, who, self.cfg.operator or "unknown operator")
        if self.cfg.reason:
            text += " (%s)" % self.cfg.reason
        return text[:500]

    def _retry(self, fn, deadline):
        """Runs fn, retrying transient Consul errors with a growing back-off until `deadline`."""
        delay = 0.05
        while True:
            try:
                return fn()
            except ConsulError as e:
                if not e.transient or self.clock() + delay >= deadline:
                    raise
                self._log("retrying after: %s" % e)
                self.sleep(delay)
                delay = min(delay * 2, 2.0)

    def read_state(self, deadline=None):
        if deadline is None:
            deadline = self.clock() + _STEP_RETRY_SECONDS

        def read():
            listing, kv_index = self.client.kv_list(self.service_prefix, consistent=True)
            entries = parse_kv_listing(listing)
            health, health_index = self.client.health_service(self.cfg.service, consistent=True)
            return State(self, entries, kv_index, parse_health_service(health), health_index)

        return self._retry(read, deadline)

    def service_ids(self):
        """The IDs of this node's instances of the service, from its own agent."""
        if self._service_ids is None:
            services = self._retry(lambda: self.client.agent_services(), self.clock() + _STEP_RETRY_SECONDS)
            if not isinstance(services, dict):
                raise GateError("the agent's service list is not a JSON object")
            ids = sorted(sid for sid, s in services.items()
                         if isinstance(s, dict) and s.get("Service") == self.cfg.service)
            if not ids:
                raise GateError("service %s is not registered on the Consul agent at %s (node %s)"
                                % (self.cfg.service, self.client.address, self.node))
            self._service_ids = ids
        return self._service_ids

    def in_maintenance(self, st):
        ids = self.service_ids() if self.cfg.maintenance == "service" else None
        return st.health.in_maintenance(self.node, self.cfg.maintenance, ids)

    def _set_maintenance(self, enable):
        deadline = self.clock() + _STEP_RETRY_SECONDS
        reason = self.maintenance_reason() if enable else None
        if self.cfg.maintenance == "node":
            self._retry(lambda: self.client.node_maintenance(enable, reason), deadline)
        else:
            for sid in self.service_ids():
                self._retry(lambda sid=sid: self.client.service_maintenance(sid, enable, reason), deadline)
        self._log("maintenance %s" % ("on" if enable else "off"))

    # --- results --------------------------------------------------------------------------------------------

    def result(self, state, st=None, changed=False, failed=False, reason="", session=""):
        node = self._node or ""
        gate = {
            "state": state,
            "service": self.cfg.service,
            "node": node,
            "session": session or "",
            "holders": [],
            "offline": [],
            "limit": -1,
            "max_offline": "",
            "max_offline_warning": "",
            "instances": -1,
            "reason": reason,
        }
        if st is not None:
            b = st.budget
            gate["holders"] = b.holders
            gate["offline"] = [p.to_json() for p in b.offline_peers_of(node)]
            gate["limit"] = b.limit
            gate["max_offline"] = b.max_offline.to_string()
            gate["max_offline_warning"] = b.warning
            gate["instances"] = b.instances
            if not session:
                mine = st.slots.sessions_of(node)
                gate["session"] = mine[0] if mine else ""
        out = {"changed": bool(changed), "gate": gate, "msg": reason, "trace": list(self.trace)}
        if failed:
            out["failed"] = True
        return out

    def _require_registered(self, st):
        if not st.health.node_registered(self.node):
            raise GateError("node %s has no instance of service %s in the catalog; the gate only moves registered "
                            "instances" % (self.node, self.cfg.service))

    # --- the slot semaphore ---------------------------------------------------------------------------------

    def _new_session(self, st):
        """A session for one slot: no TTL and no health checks, Behavior=delete.

        Why no checks: a session tied to serfHealth dies on a gossip false positive, which would free the slot
        between the CAS and the maintenance call (the model finds that race). Without checks the slot lives
        exactly until the gate (or an operator) gives it back, or the node is deregistered. Why no TTL: the
        module exits between tasks, so nothing would renew it; a dead or killed runner must leave the slot held,
        because its node may still be out of service. docs/coordination.md has the full argument."""
        name = self.session_name()
        live = set(st.slots.live_holders)
        try:
            for s in self.client.sessions_of_node(self.node):
                if isinstance(s, dict) and s.get("Name") == name and s.get("ID") not in live:
                    # Left by a run that was killed between creating its session and taking a slot.
                    self.client.session_destroy(s["ID"])
                    self._log("destroyed orphaned session %s" % s["ID"])
        except ConsulError as e:
            self._log("could not list old sessions: %s" % e)
        spec = {"Name": name, "Node": self.node, "Behavior": "delete", "Checks": [], "NodeChecks": []}
        sid = self._retry(lambda: self.client.session_create(spec), self.clock() + _STEP_RETRY_SECONDS)
        self._log("created session %s" % sid)
        return sid

    def _take_slot(self, st, sid):
        """Joins the semaphore: lock the contender key with our session, then add us to .lock by CAS on the
        ModifyIndex read in `st`. False when another writer changed .lock first (the caller re-reads)."""
        if sid not in st.slots.contenders:
            value = encode_contender(self.node, self.cfg.service, self.cfg.job_id, self.cfg.operator, self.wall())
            ok = self.client.kv_put(self.slots_prefix + sid, value, acquire=sid, flags=SEMAPHORE_FLAGS)
            if not ok:
                raise GateError("could not lock the contender key %s%s with its own session" % (self.slots_prefix, sid))
        holders = [h for h in st.slots.live_holders if h != sid] + [sid]
        ok = self.client.kv_put(self.lock_key, encode_lock(st.budget.limit, holders),
                                cas=st.slots.lock.modify_index, flags=SEMAPHORE_FLAGS)
        self._log("CAS .lock@%d adding %s: %s" % (st.slots.lock.modify_index, sid, ok))
        return ok

    def _remove_holders(self, sessions, deadline):
        """Takes `sessions` out of .lock by CAS (and prunes dead holders on the way). True when none of them is
        listed any more."""
        sessions = set(sessions)
        for _ in range(_MAX_CAS_TRIES):
            listing, _idx = self._retry(lambda: self.client.kv_list(self.slots_prefix, consistent=True), deadline)
            view = SlotView(self.slots_prefix, parse_kv_listing(listing))
            if not sessions.intersection(view.lock.holders):
                return True
            keep = [h for h in view.live_holders if h not in sessions]
            ok = self._retry(lambda: self.client.kv_put(self.lock_key, encode_lock(view.lock.limit, keep),
                                                        cas=view.lock.modify_index, flags=SEMAPHORE_FLAGS), deadline)
            self._log("CAS .lock@%d removing %s: %s" % (view.lock.modify_index, ",".join(sorted(sessions)), ok))
            if ok:
                return True
        return False

    def _give_back(self, sid):
        """Gives a slot back: out of .lock first (so nobody counts us), then the contender key, then the session.
        Returns an error text, or "" when all of it went through. Whatever fails leaves the slot held, which is
        the safe side: a held slot only makes others wait."""
        deadline = self.clock() + _STEP_RETRY_SECONDS
        try:
            if not self._remove_holders([sid], deadline):
                return "could not take session %s out of %s after %d tries" % (sid, self.lock_key, _MAX_CAS_TRIES)
            self._retry(lambda: self.client.kv_delete(self.slots_prefix + sid), deadline)
            self._retry(lambda: self.client.session_destroy(sid), deadline)
            self._log("gave back slot %s" % sid)
            return ""
        except ConsulError as e:
            return str(e)

    # --- the budget check -----------------------------------------------------------------------------------

    def _verdict(self, st, sid, want_maintenance):
        """None when the node may stay where it is (holding `sid`, and in maintenance if `want_maintenance`),
        else why not."""
        if sid not in st.slots.live_holders:
            return "its slot is gone (session %s is no longer a holder)" % sid
        b = st.budget
        others = b.occupied_excluding(self.node)
        if len(others) + 1 > b.limit:
            return "over budget: %s" % b.describe_for(self.node)
        if want_maintenance and not self.in_maintenance(st):
            return "its maintenance does not show in the catalog"
        return None

    def _commit(self, sid):
        """Holding slot `sid`: confirm the budget with a fresh consistent read, go into maintenance, confirm
        again. Returns (True, state) once in maintenance, or (False, why) after undoing everything it did."""
        # 1. After the CAS: the slot is ours, so every other entrant now counts us. Health is read again because
        #    a peer may have failed, or max_offline been lowered, since the reading the CAS was based on.
        try:
            st = self.read_state()
            why = self._verdict(st, sid, False)
        except ConsulError as e:
            why = "could not confirm the budget (%s)" % e
        if why:
            err = self._give_back(sid)
            return False, "backed off after taking a slot: %s%s" % (why, self._held_note(err))
        # 2. Maintenance. A failure here may or may not have applied, so undo both ways.
        try:
            self._set_maintenance(True)
        except ConsulError as e:
            self._undo_maintenance()
            err = self._give_back(sid)
            if not e.transient:
                raise GateError("could not put %s into maintenance: %s%s" % (self.node, e, self._held_note(err)))
            return False, "could not put the node into maintenance (%s)%s" % (e, self._held_note(err))
        # 3. After maintenance shows: anything that changed before our maintenance became visible is seen here.
        #    If the budget no longer holds, leave at once rather than start the change.
        try:
            st = self.read_state()
            why = self._verdict(st, sid, True)
        except ConsulError as e:
            why = "could not confirm the budget in maintenance (%s)" % e
        if why:
            undo_err = self._undo_maintenance()
            if undo_err:
                # Still (possibly) in maintenance: keep the slot so the node stays counted as ours.
                return False, ("%s; could not leave maintenance again (%s), so it keeps its slot"
                               % (why, undo_err))
            err = self._give_back(sid)
            return False, "left maintenance again at once: %s%s" % (why, self._held_note(err))
        return True, st

    def _undo_maintenance(self):
        try:
            self._set_maintenance(False)
            return ""
        except (ConsulError, GateError) as e:
            return str(e)

    @staticmethod
    def _held_note(err):
        return "; the slot stays held until a later attempt or state=released cleans it up (%s)" % err if err else ""

    def _wait_for_change(self, st, seconds):
        """Blocks until the service's KV folder or its health changes, or `seconds` pass."""
        if seconds <= 0:
            return
        if not self.client.wait_for_change(self.service_prefix, st.kv_index, self.cfg.service, st.health_index,
                                           min(seconds, 600.0)):
            # A failing watch must not turn into a busy loop; the token bucket bounds it, this spaces it.
            self.sleep(min(0.5, seconds))

    # --- states ---------------------------------------------------------------------------------------------

    def enter(self):
        cfg = self.cfg
        started = self.clock()
        deadline = started + cfg.wait
        bucket = TokenBucket(capacity=10, per_second=10.0, clock=self.clock, sleep=self.sleep)
        first_why = None  # the wait reason this attempt started with (see report_after)
        try:
            node = self.resolve_node(max(deadline, started + 1.0))
            if cfg.maintenance == "service":
                self.service_ids()  # before any slot is taken: a service missing on the agent fails here
        except ConsulError as e:
            if not e.transient:
                raise
            return self.result("waiting", None, reason="cannot reach the Consul agent: %s" % e)
        pending = None  # a session this run created that is not (yet) a holder
        note = ""  # why the last try backed off
        entered = False
        try:
            while True:
                bucket.take()
                try:
                    st = self.read_state(deadline=max(deadline, self.clock() + 1.0))
                except ConsulError as e:
                    if not e.transient:
                        raise  # 403, 400, ...: waiting would not fix it
                    return self.result("waiting", None, reason="cannot read the budget from Consul: %s" % e)
                self._require_registered(st)
                mine = st.slots.sessions_of(node)
                if mine:
                    sid = mine[0]
                    if pending:
                        if pending != sid:
                            self._drop_session(pending)
                        pending = None  # a holder now (a CAS whose answer was lost): _commit owns it
                    if self.in_maintenance(st):
                        entered = True
                        return self.result("entered", st, changed=False, session=sid,
                                           reason="%s is in maintenance and holds a slot" % node)
                    if cfg.check_mode:
                        return self.result("entered", st, changed=True, session=sid,
                                           reason="check mode: %s holds a slot and would enter maintenance" % node)
                    # A slot without maintenance: a run that died before entering, or a `left` that died after
                    # leaving. Resume from the confirmation step.
                    self._log("resuming with held slot %s" % sid)
                else:
                    b = st.budget
                    if not b.can_enter(node):
                        why = "waiting for a slot: %s" % b.describe_for(node)
                        if cfg.check_mode:
                            return self.result("waiting", st, reason="check mode: would wait; " + why)
                        now = self.clock()
                        remaining = deadline - now
                        if first_why is None:
                            first_why = why
                        report = cfg.report_after > 0 and why != first_why
                        if remaining <= 0 or (report and now - started >= cfg.report_after):
                            return self.result("waiting", st, reason=why + ("; last try: %s" % note if note else ""))
                        if report:
                            remaining = min(remaining, started + cfg.report_after - now)
                        self._wait_for_change(st, remaining)
                        continue
                    if cfg.check_mode:
                        return self.result("entered", st, changed=True,
                                           reason="check mode: %s would enter now (%s)" % (node, b.describe_for(node)))
                    try:
                        if pending is None:
                            pending = self._new_session(st)
                        taken = self._take_slot(st, pending)
                    except ConsulError as e:
                        if not e.transient:
                            raise
                        # The CAS may or may not have landed; the next reading tells (a held slot resumes). The
                        # session is not reused: if it was destroyed under us every acquire would fail; if it
                        # is not a holder, the next _new_session destroys it as an orphan.
                        note = "Consul failed while taking a slot (%s)" % e
                        self._log(note)
                        pending = None
                        if self.clock() >= deadline:
                            return self.result("waiting", None, reason=note)
                        continue
                    if not taken:
                        continue  # another entrant changed .lock first; the next reading shows who won
                    sid, pending = pending, None
                ok, detail = self._commit(sid)
                if ok:
                    entered = True
                    return self.result("entered", detail, changed=True, session=sid,
                                       reason="%s entered maintenance: %s" % (node, self.maintenance_reason()))
                note = detail
                self._log(detail)
                if self.clock() >= deadline:
                    return self.result("waiting", None, reason=detail)
        finally:
            if pending and not entered:
                self._drop_session(pending)

    def _drop_session(self, sid):
        try:
            self.client.kv_delete(self.slots_prefix + sid)
            self.client.session_destroy(sid)
        except ConsulError as e:
            self._log("could not destroy session %s: %s" % (sid, e))

    def _wait_healthy(self, deadline):
        """(healthy, why not, last state): waits with blocking queries until every check of this node's
        instance(s) passes, and has kept passing for `health_settle` seconds, or the deadline.

        Why a settle time: Consul keeps running a service's checks during maintenance, but a check only reports
        again at its next interval. Right after a restart a check may still show the "passing" it had before;
        giving the slot back on that would let the next node out while this one is in fact down. Watching the
        checks for one check interval catches it, so "auto" (None) settles for the longest interval of the
        node's checks (TTL checks have none: the application reports them itself)."""
        bucket = TokenBucket(capacity=10, per_second=10.0, clock=self.clock, sleep=self.sleep)
        settle = self.cfg.health_settle
        st = None
        why = "not read yet"
        healthy_since = None
        while True:
            bucket.take()
            try:
                st = self.read_state(deadline=max(deadline, self.clock() + 1.0))
                ok, why = st.health.healthy(self.node)
                now = self.clock()
                if ok:
                    if settle is None:
                        settle = min(st.health.check_interval(self.node), AUTO_SETTLE_MAX)
                        self._log("settle time %.1fs (the longest check interval)" % settle)
                    if healthy_since is None:
                        healthy_since = now
                    if now - healthy_since >= settle:
                        return True, None, st
                else:
                    healthy_since = None
            except ConsulError as e:
                if not e.transient:
                    raise
                why = "cannot read health from Consul: %s" % e
                healthy_since = None
            now = self.clock()
            remaining = deadline - now
            if remaining <= 0:
                if healthy_since is not None:
                    why = "passing for only %.1fs of the %gs settle time" % (now - healthy_since, settle or 0)
                return False, why, st
            if healthy_since is not None:
                remaining = min(remaining, healthy_since + (settle or 0) - now)
            if st is None:
                self.sleep(min(remaining, 1.0))
            else:
                self._wait_for_change(st, remaining)

    def leave(self):
        cfg = self.cfg
        node = self.node
        deadline = self.clock() + cfg.health_timeout
        st = self.read_state()
        self._require_registered(st)
        mine = st.slots.sessions_of(node)
        in_maint = self.in_maintenance(st)
        if cfg.check_mode:
            return self.result("left", st, changed=bool(mine) or in_maint,
                               reason="check mode: would %s" % ("leave maintenance, wait for health and give back "
                                                                "its slot" if (mine or in_maint) else "do nothing"))
        changed = False
        if in_maint:
            self._set_maintenance(False)
            changed = True
        healthy, why, st2 = self._wait_healthy(deadline)
        if not healthy:
            return self.result(
                "left", st2 or st, changed=changed, failed=True, session=mine[0] if mine else "",
                reason=("%s did not pass its checks within %ds (%s): it keeps %s so the rollout halts; fix the node, "
                        "then run state=left again or state=released"
                        % (node, int(cfg.health_timeout), why, "its slot" if mine else "no slot but stays counted")))
        # Healthy: only now give the slot back (the contender key of a session that died is already gone).
        errors = []
        st2 = self.read_state()
        mine = st2.slots.sessions_of(node)
        for sid in mine:
            err = self._give_back(sid)
            if err:
                errors.append(err)
            changed = True
        for sid in st2.slots.contenders_of(node):
            if sid not in mine:
                self._drop_session(sid)
                changed = True
        if errors:
            raise GateError("%s is healthy but could not give back its slot: %s" % (node, "; ".join(errors)))
        final = self.read_state()
        return self.result("left", final, changed=changed,
                           reason="%s left maintenance, passes its checks%s" % (
                               node, " and gave back its slot" if mine else " (it held no slot)"))

    def release(self):
        """Operator clean-up: maintenance off (what Baton set, or the configured level), every slot, contender
        and gate session of this node for this service given back. No health wait: the caller has decided.
        Safe whatever the node's state, because a node that is still unhealthy stays counted as offline."""
        node = self.node
        st = self.read_state()
        notes = st.health.maintenance_notes(node)
        to_disable = []
        for cid, text in sorted(notes.items()):
            ours = text.startswith(REASON_PREFIX)
            if cid == NODE_MAINTENANCE_CHECK:
                if ours or self.cfg.maintenance == "node":
                    to_disable.append(("node", None))
            elif self.cfg.maintenance == "service" or ours:
                to_disable.append(("service", cid.split(":", 1)[1]))
        sessions = set(st.slots.contenders_of(node)) | set(st.slots.sessions_of(node))
        try:
            for s in self.client.sessions_of_node(node):
                if isinstance(s, dict) and s.get("Name") == self.session_name():
                    sessions.add(s["ID"])
        except ConsulError as e:
            self._log("could not list the node's sessions: %s" % e)
        if not to_disable and not sessions and not st.health.node_registered(node):
            # Without a token Consul filters silently (no header): an empty picture of a node it does not list
            # is not proof that nothing is held, so say so instead of reporting a clean release.
            raise GateError("found nothing of node %s to release, and service %s does not list it: it is not "
                            "registered, or the token may not read it (node, service and key read are needed)"
                            % (node, self.cfg.service))
        if self.cfg.check_mode:
            changed = bool(to_disable or sessions)
            return self.result("released", st, changed=changed,
                               reason="check mode: would %s" % self._release_summary(to_disable, sessions))
        deadline = self.clock() + _STEP_RETRY_SECONDS
        for kind, sid in to_disable:
            if kind == "node":
                self._retry(lambda: self.client.node_maintenance(False), deadline)
            else:
                self._retry(lambda sid=sid: self.client.service_maintenance(sid, False), deadline)
        if sessions and not self._remove_holders(sessions, deadline):
            raise GateError("could not take %s's sessions out of %s" % (node, self.lock_key))
        for sid in sorted(sessions):
            self._retry(lambda sid=sid: self.client.kv_delete(self.slots_prefix + sid), deadline)
            self._retry(lambda sid=sid: self.client.session_destroy(sid), deadline)
        final = self.read_state()
        ok, why = final.health.healthy(node)
        return self.result("released", final, changed=bool(to_disable or sessions),
                           reason="%s: %s%s" % (node, self._release_summary(to_disable, sessions),
                                                "" if ok else "; it is still unhealthy (%s) and stays counted as "
                                                              "offline" % why))

    @staticmethod
    def _release_summary(to_disable, sessions):
        parts = []
        if to_disable:
            parts.append("turned maintenance off (%s)" % ", ".join(
                "node" if k == "node" else "service %s" % s for k, s in to_disable))
        if sessions:
            parts.append("gave back %d session(s)" % len(sessions))
        return " and ".join(parts) if parts else "nothing to release"

    def status(self):
        st = self.read_state()
        node = self.node
        b = st.budget
        mine = st.slots.sessions_of(node)
        if mine:
            what = "%s holds a slot" % node
        elif b.can_enter(node):
            what = "%s could enter now" % node
        else:
            what = "%s would wait" % node
        return self.result("status", st, reason="%s; %s" % (what, b.describe_for(node)))

    def jitter(self, seconds):
        if seconds and seconds > 0:
            self.sleep(self.rng() * float(seconds))
