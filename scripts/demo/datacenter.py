"""A local Baton datacenter for the demo, its headless tour and bench/rolling: consul-sim with one agent per
simulated node, one demo-node app per node whose /health consul-sim checks over HTTP, baton-service with a
generated tokens file and a node-vars file written from consul-sim's ready file, and (optionally) Baton Console.

    dc = Datacenter(workdir, bin_dir, services={"web": 6, "db": 3}, max_offline={"web": "2", "db": "1"})
    try:
        dc.start()                       # apps, consul-sim, baton-service (in that order)
        dc.api("POST", "/v1/jobs", {...})
    finally:
        dc.stop()                        # everything it started, then a sweep of the process table

Every process started here, and everything those start (the service's ansible-playbook runners, the demo-node
daemons the playbooks restart), carries BATON_DEMO_MARKER=<uuid> in its environment. stop() ends the processes
in order, then looks through /proc for anything still carrying the marker, ends it, and reports what it found,
so "nothing left running" is checked against the process table rather than assumed.

Python standard library only (run with /usr/bin/python3).
"""

import ctypes
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
DEMO_NODE = os.path.join(SOURCE_DIR, "tools", "demo-node", "demo-node")
SAMPLE_PLAYBOOKS = os.path.join(SOURCE_DIR, "ansible", "playbooks")
MARKER_VAR = "BATON_DEMO_MARKER"
PYTHON = "/usr/bin/python3"

_PR_SET_PDEATHSIG = 1


class DemoError(RuntimeError):
    """Something the demo cannot carry on after; the message is one line an operator can act on."""


def _die_with_parent():
    # A child started by the demo gets SIGTERM if the demo itself dies (even by SIGKILL), so nothing outlives it.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def http(method, url, body=None, headers=None, timeout=15.0):
    """(status, headers, body bytes); status 0 with the error text as body when there was no HTTP answer."""
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
    except (urllib.error.URLError, OSError) as e:
        return 0, {}, str(getattr(e, "reason", e)).encode("utf-8", errors="replace")


def wait_for_file(path, proc, what, log_path, timeout):
    deadline = time.monotonic() + timeout
    while not (os.path.exists(path) and os.path.getsize(path) > 0):
        if proc.poll() is not None:
            raise DemoError("%s exited with status %s before it was ready: %s" % (what, proc.returncode,
                                                                                   tail(log_path)))
        if time.monotonic() > deadline:
            raise DemoError("%s did not become ready within %d s (log: %s)" % (what, timeout, log_path))
        time.sleep(0.05)
    with open(path) as f:
        return json.load(f)


def tail(path, limit=600):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit))
            text = f.read().decode("utf-8", errors="replace").strip()
    except OSError:
        return "(no log)"
    lines = [line for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-4:]) if lines else "(empty log)"


def processes_with_marker(marker):
    """PIDs (other than this process) whose environment carries BATON_DEMO_MARKER=marker, with their command
    lines. Only processes of this user are readable, which are the only ones the demo can have started."""
    needle = ("%s=%s" % (MARKER_VAR, marker)).encode()
    found = []
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open("/proc/%s/environ" % name, "rb") as f:
                env = f.read()
            if needle not in env.split(b"\0"):
                continue
            with open("/proc/%s/cmdline" % name, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", errors="replace").strip()
            with open("/proc/%s/stat" % name, "rb") as f:
                state = f.read().rsplit(b")", 1)[-1].split()[0]
            if state == b"Z":
                continue  # a zombie is already dead; its parent (one of ours) reaps it
            found.append((int(name), cmd))
        except (OSError, IndexError):
            continue
    return found


class Datacenter:
    """See the module docstring. `services` maps a service name to its node count (nodes are <service>-<i>);
    `max_offline` seeds baton/services/<service>/max_offline; `node_vars` adds per-node variables (by node
    name) and `default_vars` variables for every node, both written to the service's node-vars file."""

    def __init__(self, workdir, bin_dir, services, max_offline, playbooks=SAMPLE_PLAYBOOKS, check_interval="1s",
                 default_vars=None, node_vars=None, service_args=(), log=None, acl=False):
        self.workdir = os.path.abspath(workdir)
        self.bin_dir = os.path.abspath(bin_dir)
        self.services = dict(services)
        self.max_offline = dict(max_offline)
        self.playbooks = os.path.abspath(playbooks)
        self.check_interval = check_interval
        self.default_vars = dict(default_vars or {})
        self.extra_node_vars = dict(node_vars or {})
        self.service_args = list(service_args)
        self.log = log or (lambda text: None)
        # A caller may choose the marker (BATON_DEMO_MARKER in the demo's own environment), so that it can find
        # and end whatever the demo started even if the demo itself is killed: the CI test does.
        chosen = os.environ.get(MARKER_VAR, "")
        self.marker = chosen if chosen.isalnum() and 8 <= len(chosen) <= 64 else uuid.uuid4().hex
        self.operator_token = "demo-op-" + secrets.token_hex(12)
        self.viewer_token = "demo-view-" + secrets.token_hex(12)
        # With acl=True consul-sim denies by default and each component gets a Consul token with the policy
        # docs/operator-guide.md gives it; the demo's own reads and writes use a management token.
        self.acl = acl
        self.consul_tokens = {name: "demo-consul-%s-%s" % (name, secrets.token_hex(12))
                              for name in ("management", "gate", "service", "console")} if acl else {}
        self.nodes = []  # [(node, service)]
        for service, count in self.services.items():
            self.nodes += [("%s-%d" % (service, i), service) for i in range(1, count + 1)]
        self.app_ports = {}
        self.agents = {}
        self.control = None
        self.service_url = None
        self.consul_url = None
        self._consul = None
        self._service = None
        self._console = None
        self._started_apps = []
        self.leftovers = []

    # --- paths and environment -----------------------------------------------------------------------------

    def path(self, *parts):
        return os.path.join(self.workdir, *parts)

    def node_dir(self, node):
        return self.path("nodes", node)

    def binary(self, name):
        path = os.path.join(self.bin_dir, name)
        if not os.access(path, os.X_OK):
            raise DemoError("%s is not built: %s is missing (build it, or pass the build folder)" % (name, path))
        return path

    def child_env(self, extra=None):
        env = dict(os.environ)
        # A real Consul token or address of the operator's own must never reach the simulator or the service.
        for key in list(env):
            if key.startswith("CONSUL_") or key.startswith("BATON_") or key.startswith("ANSIBLE_"):
                del env[key]
        env[MARKER_VAR] = self.marker
        env.update(extra or {})
        return env

    # --- start -------------------------------------------------------------------------------------------

    def start(self, consul_timeout=30, service_timeout=60):
        os.makedirs(self.workdir, exist_ok=True)
        self.start_apps()
        self.start_consul(consul_timeout)
        self.write_tokens()
        self.write_node_vars()
        self.start_service(service_timeout)
        self.wait_for_health()

    def start_apps(self):
        for node, _service in self.nodes:
            d = self.node_dir(node)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "version"), "w") as f:
                f.write("initial\n")
            r = subprocess.run([PYTHON, DEMO_NODE, "--daemon", "--quiet", d, "0"], env=self.child_env(),
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
            if r.returncode != 0:
                raise DemoError("demo-node for %s did not start: %s" % (node, r.stderr.decode(errors="replace")
                                                                        .strip()))
            self._started_apps.append(node)
            with open(os.path.join(d, "port")) as f:
                self.app_ports[node] = int(f.read().strip())
        self.log("started %d demo-node apps" % len(self.nodes))

    def consul_config(self):
        nodes = []
        for node, service in self.nodes:
            port = self.app_ports[node]
            nodes.append({
                "name": node, "address": "127.0.0.1", "http": "127.0.0.1:0",
                "meta": {"demo_app_port": str(port)},
                "services": [{
                    "id": service, "name": service, "port": port, "tags": ["demo"],
                    "checks": [{"id": service + "-http", "name": "HTTP /health of %s" % node,
                                "http": "http://127.0.0.1:%d/health" % port, "interval": self.check_interval,
                                "timeout": "2s"}],
                }],
            })
        kv = {"baton/services/%s/max_offline" % s: str(v) for s, v in self.max_offline.items()}
        # Consul's own timing except one knob: check output is synced at once (Consul defers output-only changes
        # by minutes), so the console's Health page shows each poll's answer.
        doc = {"datacenter": "dc1", "nodes": nodes, "kv": kv, "timing": {"check_update_interval": "0s"}}
        if self.acl:
            doc["acl"] = {"enabled": True, "default_policy": "deny", "tokens": [
                {"secret_id": self.consul_tokens["management"], "management": True,
                 "description": "the demo's own reads and writes"}] + [
                {"secret_id": self.consul_tokens[name], "description": "baton %s" % name, "policy": policy}
                for name, policy in self.acl_policies().items()]}
        return doc

    def acl_policies(self):
        """The policies of docs/operator-guide.md, section 3, in consul-sim's JSON form of Consul's rules."""
        console = {"key_prefix": {"baton/services/": "read"}, "service_prefix": {"": "read"},
                   "node_prefix": {"": "read"}, "session_prefix": {"": "read"},
                   "key": {"baton/services/%s/max_offline" % s: "write" for s in self.services}}
        return {
            "gate": {"key_prefix": {"baton/services/": "write"}, "session_prefix": {"": "write"},
                     "service_prefix": {"": "write"}, "node_prefix": {"": "read"}, "agent_prefix": {"": "read"}},
            "service": {"key_prefix": {"baton/nodes/": "write", "baton/services/": "read"},
                        "session_prefix": {"": "write"}, "service_prefix": {"": "read"}, "node_prefix": {"": "read"}},
            "console": console,
        }

    def consul_headers(self):
        return {"X-Consul-Token": self.consul_tokens["management"]} if self.acl else {}

    def start_consul(self, timeout):
        cfg = self.path("consul-sim.json")
        ready = self.path("consul-sim.ready")
        with open(cfg, "w") as f:
            json.dump(self.consul_config(), f, indent=1)
        log_path = self.path("consul-sim.log")
        with open(log_path, "ab") as log:
            self._consul = subprocess.Popen([self.binary("consul-sim"), "--config", cfg, "--ready-file", ready],
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            env=self.child_env(), start_new_session=True,
                                            preexec_fn=_die_with_parent)
        doc = wait_for_file(ready, self._consul, "consul-sim", log_path, timeout)
        self.agents = doc["nodes"]
        self.control = doc.get("control")
        first = self.nodes[0][0]
        self.consul_url = self.agents[first]
        self.log("consul-sim: %d agents, %s is %s" % (len(self.agents), first, self.consul_url))

    def write_tokens(self):
        doc = {"tokens": [{"name": "operator", "token": self.operator_token, "role": "operator"},
                          {"name": "viewer", "token": self.viewer_token, "role": "viewer"}]}
        path = self.path("tokens.json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, indent=1)

    @staticmethod
    def app_command():
        """How the sample playbooks (re)start a node's app. On a real node the app is started by the node's init
        system, outside the runner. A simulated node lives on the control host, so the playbook's restart would
        start the app as a child of the runner, carrying the runner's BATON_RUN_MARKER, and the job service
        ends every process with that marker when the run exits (docs/service.md, "Kill"): the node would go
        critical as soon as its run finished. `env -u` starts the app without the marker, the way an init system
        would. (BATON_DEMO_MARKER stays, so the demo's own sweep still finds it.)"""
        return " ".join(shlex.quote(part) for part in ("env", "-u", "BATON_RUN_MARKER", PYTHON, DEMO_NODE))

    def write_node_vars(self):
        """The node-vars file the service reads: how to reach each simulated node (a local connection, Debian's
        Python) and, per node, its agent in consul-sim (from the ready file) and its app's folder and port."""
        defaults = {"ansible_connection": "local", "ansible_python_interpreter": PYTHON,
                    "demo_node_command": self.app_command()}
        if self.acl:
            defaults["baton_consul_token"] = self.consul_tokens["gate"]
        defaults.update(self.default_vars)
        nodes = {}
        for node, _service in self.nodes:
            v = {"baton_consul_http_addr": self.agents[node], "demo_app_dir": self.node_dir(node),
                 "demo_app_port": self.app_ports[node]}
            v.update(self.extra_node_vars.get(node, {}))
            nodes[node] = v
        with open(self.path("node-vars.json"), "w") as f:
            json.dump({"defaults": defaults, "nodes": nodes}, f, indent=1)

    def start_service(self, timeout):
        ready = self.path("service.ready")
        log_path = self.path("service.log")
        collections = os.path.join(os.path.dirname(self.bin_dir), "collections")
        args = [self.binary("baton-service"), "--listen", "127.0.0.1:0", "--consul", self.consul_url,
                "--playbooks", self.playbooks, "--db", self.path("baton.db"), "--tokens", self.path("tokens.json"),
                "--node-vars", self.path("node-vars.json"), "--ready-file", ready,
                "--work-dir", self.path("runs"), "--instance", "demo", "--drain-timeout", "5"]
        if os.path.isdir(collections):
            args += ["--collections", collections]
        if self.acl:
            path = self.path("service-consul-token")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(self.consul_tokens["service"] + "\n")
            args += ["--consul-token-file", path]
        args += self.service_args
        with open(log_path, "ab") as log:
            self._service = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                             env=self.child_env(), start_new_session=True,
                                             preexec_fn=_die_with_parent)
        doc = wait_for_file(ready, self._service, "baton-service", log_path, timeout)
        self.service_url = doc["url"]
        self.log("baton-service: %s" % self.service_url)

    def wait_for_health(self, timeout=30):
        """Until every instance's HTTP check has reported passing once (checks start critical, as in Consul)."""
        deadline = time.monotonic() + timeout
        pending = set(self.services)
        while pending:
            for service in sorted(pending):
                status, _, body = http("GET", "%s/v1/health/service/%s?passing" % (self.consul_url, service),
                                       headers=self.consul_headers())
                if status == 200 and len(json.loads(body)) == self.services[service]:
                    pending.discard(service)
            if not pending:
                return
            if time.monotonic() > deadline:
                raise DemoError("the demo apps' health checks of %s did not pass within %d s"
                                % (", ".join(sorted(pending)), timeout))
            time.sleep(0.2)

    # --- the console ------------------------------------------------------------------------------------

    def console_env(self, token=None):
        env = self.child_env({
            "BATON_URL": self.service_url,
            "BATON_TOKEN": token or self.operator_token,
            "CONSUL_HTTP_ADDR": self.consul_url,
            # A profile of the operator's own must not override the demo's addresses, and the demo's tokens
            # must not land in the operator's keychain: a settings folder of the demo's own, tokens from the
            # environment only.
            "XDG_CONFIG_HOME": self.path("console-config"),
            "BATON_TOKEN_STORE": "file",
        })
        if self.acl:
            env["CONSUL_HTTP_TOKEN"] = self.consul_tokens["console"]
        return env

    def console_command(self, *extra):
        return [self.binary("baton-console"), "--job-service", self.service_url, "--consul", self.consul_url] \
            + list(extra)

    def start_console(self, *extra):
        os.makedirs(self.path("console-config"), mode=0o700, exist_ok=True)
        with open(self.path("console.log"), "ab") as log:
            self._console = subprocess.Popen(self.console_command(*extra), stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, env=self.console_env(),
                                             start_new_session=True, preexec_fn=_die_with_parent)
        return self._console

    def screenshot(self, png, view="main", after_ms=4000, theme=None, timeout=120):
        """Starts the console once with --screenshot (it renders offscreen itself) and returns its Popen; it exits 0 once
        the PNG is written."""
        os.makedirs(self.path("console-config"), mode=0o700, exist_ok=True)
        extra = ["--screenshot", png, "--screenshot-view", view, "--screenshot-after", str(after_ms)]
        if theme:
            extra += ["--theme", theme]
        env = self.console_env()
        # With no platform chosen, --screenshot renders offscreen on a 1920x1080 screen (a full-screen view
        # such as the wall would otherwise be drawn at the offscreen platform's default 800x800).
        env.pop("QT_QPA_PLATFORM", None)
        return subprocess.Popen(self.console_command(*extra), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                preexec_fn=_die_with_parent)

    # --- the job service ------------------------------------------------------------------------------------

    def api(self, method, path, body=None, token=None, headers=None, timeout=15.0):
        hdrs = {"Authorization": "Bearer " + (token or self.operator_token)}
        hdrs.update(headers or {})
        status, _, data = http(method, self.service_url + path, body, hdrs, timeout)
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            doc = None
        return status, doc, data

    def launch(self, body):
        status, doc, data = self.api("POST", "/v1/jobs", body, headers={"Idempotency-Key": uuid.uuid4().hex})
        if status != 201 or not isinstance(doc, dict):
            raise DemoError("launching %s was refused: %d %s" % (body.get("playbook"), status,
                                                                 data[:300].decode(errors="replace")))
        return doc

    def job(self, job_id):
        status, doc, data = self.api("GET", "/v1/jobs/%d" % job_id)
        if status != 200 or not isinstance(doc, dict):
            raise DemoError("cannot read job %d: %d %s" % (job_id, status, data[:300].decode(errors="replace")))
        return doc

    def wait_for_job(self, job_id, timeout, progress=None):
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if progress:
                progress(job)
            if job["state"] not in ("queued", "running"):
                return job
            if time.monotonic() > deadline:
                raise DemoError("job %d did not finish within %d s (state %s: %s)" % (job_id, timeout, job["state"],
                                                                                   job.get("summary", "")))
            time.sleep(0.5)

    def set_max_offline(self, service, value):
        status, _, body = http("PUT", "%s/v1/kv/baton/services/%s/max_offline" % (self.consul_url, service),
                               str(value).encode(), self.consul_headers())
        if status != 200 or body.strip() != b"true":
            raise DemoError("cannot set max_offline of %s: %d %s" % (service, status, body[:200]))

    # --- stop -----------------------------------------------------------------------------------------------

    @staticmethod
    def _end_group(proc, grace):
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(10)

    def stop(self):
        """Ends everything in order: the console, the service (it drains for up to 5 s, then stops its runners),
        the apps, consul-sim; then sweeps the process table for anything still carrying the marker. Returns the
        processes the sweep had to end (empty when the orderly stop left nothing behind)."""
        self._end_group(self._console, 10)
        self._end_group(self._service, 20)
        for node in self._started_apps:
            subprocess.run([PYTHON, DEMO_NODE, "--stop", self.node_dir(node)], env=self.child_env(),
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=30)
        self._end_group(self._consul, 10)
        self.leftovers = self.sweep()
        return self.leftovers

    def sweep(self, grace=3.0):
        found = processes_with_marker(self.marker)
        if not found:
            return []
        for pid, _cmd in found:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and processes_with_marker(self.marker):
            time.sleep(0.1)
        for pid, _cmd in processes_with_marker(self.marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return found

    def remaining(self):
        """What still runs with the marker now (after stop(): should be nothing)."""
        return processes_with_marker(self.marker)

    def remove(self):
        shutil.rmtree(self.workdir, ignore_errors=True)


def find_bin_dir(candidates):
    for d in candidates:
        if d and os.access(os.path.join(d, "consul-sim"), os.X_OK):
            return os.path.abspath(d)
    return None


if __name__ == "__main__":
    sys.stderr.write("datacenter.py is a library: run scripts/demo.sh\n")
    sys.exit(2)
