"""Running rollouts the way the job service does (one ansible-playbook per node, --limit, extra vars, an events
file per run) and sampling ground truth from consul-sim while they run."""

import json
import os
import signal
import subprocess
import threading
import time

from ansiblerun import ANSIBLE_PLAYBOOK, PLAYBOOKS, ansible_env, read_events


class Run:
    """One node's ansible-playbook run, in its own process group."""

    def __init__(self, fleet, node, workdir, playbook="deploy.yml", extra_vars=None, check=False):
        self.node = node
        self.workdir = str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.events_path = os.path.join(self.workdir, "%s.events.jsonl" % node)
        self.log_path = os.path.join(self.workdir, "%s.log" % node)
        inv = os.path.join(self.workdir, "inventory.json")
        if not os.path.exists(inv):
            fleet.inventory(inv)
        ev = {"baton_job_id": "1", "baton_operator": "tester", "baton_service": fleet.service,
              "baton_node": node, "baton_consul_http_addr": fleet.agents[node], "baton_jitter": 0.2}
        ev.update(extra_vars or {})
        playbook_path = playbook if os.path.isabs(playbook) else os.path.join(PLAYBOOKS, playbook)
        args = [ANSIBLE_PLAYBOOK, "-i", inv, "--limit", node, playbook_path, "-e", json.dumps(ev)]
        if check:
            args.append("--check")
        if os.path.exists(self.events_path):
            os.unlink(self.events_path)
        self.log = open(self.log_path, "wb")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(args, env=ansible_env(self.workdir, self.events_path), stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.workdir,
                                     start_new_session=True)
        self.ended = None

    def wait(self, timeout=240):
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("%s's run did not finish within %ds:\n%s" % (self.node, timeout, self.output()))
        self.ended = self.ended or time.monotonic()
        self.log.close()
        return code

    def poll(self):
        code = self.proc.poll()
        if code is not None and self.ended is None:
            self.ended = time.monotonic()
        return code

    def kill(self, sig=signal.SIGKILL):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            pass
        self.ended = self.ended or time.monotonic()

    def output(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-6000:].decode("utf-8", errors="replace")
        except OSError:
            return ""

    def events(self):
        return read_events(self.events_path)

    def gate_lines(self, event=None):
        return [e for e in self.events() if "gate" in e and (event is None or e["event"] == event)]


class Sampler(threading.Thread):
    """Reads the service's health from consul-sim every `interval` seconds and records, per sample, which
    instances are offline (any critical check; maintenance counts), which are in maintenance, and the
    max_offline limit in force. Ground truth, not the semaphore key."""

    def __init__(self, fleet, interval=0.02):
        threading.Thread.__init__(self, daemon=True)
        self.fleet = fleet
        self.interval = interval
        self.samples = []  # (t, index, offline {node: [check ids]}, maintenance [nodes], limit text)
        self.errors = 0
        self._halt = threading.Event()

    def run(self):
        from ansible_collections.baton.gate.plugins.module_utils.gate_core import MaxOffline
        key = "baton/services/%s/max_offline" % self.fleet.service
        while not self._halt.is_set():
            t = time.monotonic()
            try:
                raw = self.fleet.sim.kv_get(key)
                entries, index = self.fleet.sim.health(self.fleet.service)
                offline = {}
                for e in entries:
                    crit = [c["CheckID"] for c in e["Checks"] if c["Status"] == "critical"]
                    if crit:
                        offline[e["Node"]["Node"]] = crit
                maint = sorted(n for n, cs in offline.items()
                               if any(c.startswith("_service_maintenance:") or c == "_node_maintenance" for c in cs))
                limit = MaxOffline.from_kv(raw).value.limit_for(len(entries))
                self.samples.append((t, index, offline, maint, limit))
            except Exception:
                self.errors += 1
            self._halt.wait(max(0.0, self.interval - (time.monotonic() - t)))

    def stop(self):
        self._halt.set()
        self.join(10)

    def max_offline(self):
        return max([len(s[2]) for s in self.samples] or [0])

    def max_maintenance(self):
        return max([len(s[3]) for s in self.samples] or [0])
