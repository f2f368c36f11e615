"""A simulated fleet for the gate's integration tests, safety trials and benchmark: one consul-sim datacenter
whose nodes each run a demo-node app, watched by an HTTP check in consul-sim.

    with Fleet(tmpdir, nodes=8, max_offline="2") as fleet:
        fleet.agents["web-3"]          # that node's agent address in consul-sim
        fleet.inventory()              # a local-connection inventory with per-node vars
        fleet.offline()                # {node: reason} read from health, as the sampler does

Every process is started in its own process group and is stopped in close() even when the test failed;
children also get SIGTERM if the test process dies (PR_SET_PDEATHSIG)."""

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION_ROOT = os.path.dirname(os.path.dirname(HERE))
SOURCE_ROOT = os.path.dirname(COLLECTION_ROOT)
DEMO_NODE = os.path.join(SOURCE_ROOT, "tools", "demo-node", "demo-node")

_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def consul_sim_binary():
    """$CONSUL_SIM, else $BATON_BIN_DIR/consul-sim (set by CTest), else a build tree next to the source."""
    for cand in [os.environ.get("CONSUL_SIM"),
                 os.path.join(os.environ.get("BATON_BIN_DIR", ""), "consul-sim") if os.environ.get("BATON_BIN_DIR")
                 else None]:
        if cand and os.access(cand, os.X_OK):
            return cand
    build = os.path.join(SOURCE_ROOT, "build")
    if os.path.isdir(build):
        found = sorted((os.path.getmtime(os.path.join(build, d, "bin", "consul-sim")), os.path.join(build, d, "bin",
                                                                                                    "consul-sim"))
                       for d in os.listdir(build) if os.access(os.path.join(build, d, "bin", "consul-sim"), os.X_OK))
        if found:
            return found[-1][1]
    raise RuntimeError("consul-sim not found: build it (cmake --build … --target consul-sim) or set CONSUL_SIM")


def http(method, url, body=None, timeout=10.0, headers=None):
    """(status, headers, body bytes); status 0 when there was no HTTP answer."""
    data = body if isinstance(body, (bytes, type(None))) else str(body).encode("utf-8")
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
    except (urllib.error.URLError, OSError) as e:
        return 0, {}, str(e).encode()


class ConsulSim:
    def __init__(self, workdir, config, token=None):
        self.workdir = str(workdir)
        self.config = config
        self.token = token  # sent on every API call when ACLs are on
        self.proc = None
        self.agents = {}
        self.control = None
        self.log_path = os.path.join(self.workdir, "consul-sim.log")

    def start(self, timeout=30.0):
        os.makedirs(self.workdir, exist_ok=True)
        cfg = os.path.join(self.workdir, "consul-sim.json")
        ready = os.path.join(self.workdir, "consul-sim.ready")
        with open(cfg, "w") as f:
            json.dump(self.config, f, indent=1)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([consul_sim_binary(), "--config", cfg, "--ready-file", ready],
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True, preexec_fn=_die_with_parent)
        log.close()
        deadline = time.monotonic() + timeout
        while not os.path.exists(ready):
            if self.proc.poll() is not None:
                raise RuntimeError("consul-sim exited with %s: %s" % (self.proc.returncode, self.log_tail()))
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("consul-sim did not write its ready file within %ds" % timeout)
            time.sleep(0.02)
        with open(ready) as f:
            doc = json.load(f)
        self.agents = doc["nodes"]
        self.control = doc.get("control")
        return self

    def log_tail(self, n=2000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    @property
    def any_agent(self):
        return self.agents[sorted(self.agents)[0]]

    # --- API helpers ------------------------------------------------------------------------------------

    def api(self, method, path, body=None, agent=None, timeout=10.0):
        headers = {"X-Consul-Token": self.token} if self.token else None
        if agent or method != "GET":
            return http(method, (agent or self.any_agent) + path, body, timeout, headers)
        # A read for the datacenter as a whole may go through any agent, as an operator's tools would: one that
        # a fault made unreachable (a killed node) must not blind the observer, so the next one answers.
        answer = (0, {}, b"no agent")
        for name in sorted(self.agents):
            answer = http(method, self.agents[name] + path, body, timeout, headers)
            if answer[0] != 0:
                break
        return answer

    def sim(self, path):
        status, _, body = http("PUT", self.control + path)
        if status != 200:
            raise RuntimeError("%s -> %d %s" % (path, status, body[:200]))

    def kv_put(self, key, value):
        status, _, body = self.api("PUT", "/v1/kv/" + key, value)
        assert status == 200 and body.strip() == b"true", (status, body)

    def kv_get(self, key):
        status, _, body = self.api("GET", "/v1/kv/%s?raw" % key)
        return body if status == 200 else None

    def health(self, service):
        status, headers, body = self.api("GET", "/v1/health/service/%s?consistent" % service)
        if status != 200:
            raise RuntimeError("health read failed: %d %s" % (status, body[:200]))
        return json.loads(body), int(headers.get("X-Consul-Index", "0"))

    def kill_node(self, node, agent="refuse"):
        self.sim("/_sim/node/%s/kill?agent=%s" % (node, agent))

    def revive_node(self, node):
        self.sim("/_sim/node/%s/revive" % node)

    def set_check(self, node, check, status):
        self.sim("/_sim/check/%s/%s?status=%s" % (node, check, status))


class DemoApp:
    def __init__(self, workdir):
        self.dir = str(workdir)
        self.port = None

    def start(self, port=0):
        os.makedirs(self.dir, exist_ok=True)
        if not os.path.exists(os.path.join(self.dir, "version")):
            with open(os.path.join(self.dir, "version"), "w") as f:
                f.write("0\n")
        r = subprocess.run([sys.executable, DEMO_NODE, "--daemon", self.dir, str(port)], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        if r.returncode != 0:
            raise RuntimeError("demo-node did not start: %s" % r.stdout.decode())
        with open(os.path.join(self.dir, "port")) as f:
            self.port = int(f.read().strip())
        return self

    def stop(self):
        subprocess.run([sys.executable, DEMO_NODE, "--stop", self.dir], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)

    def version(self):
        with open(os.path.join(self.dir, "version")) as f:
            return f.read().strip()

    def get(self, path):
        return http("GET", "http://127.0.0.1:%d%s" % (self.port, path), timeout=5)


class Fleet:
    """N nodes of one service, each with a demo app checked by consul-sim over HTTP."""

    def __init__(self, workdir, nodes=3, service="web", max_offline=None, check_interval="200ms", extra_kv=None,
                 acl=None, fault_check=False):
        self.workdir = str(workdir)
        self.service = service
        self.names = ["%s-%d" % (service, i) for i in range(1, nodes + 1)]
        self.apps = dict((n, DemoApp(os.path.join(self.workdir, "nodes", n))) for n in self.names)
        self.max_offline = max_offline
        self.check_interval = check_interval
        self.extra_kv = extra_kv or {}
        self.acl = acl
        # A second check on each instance that only /_sim/check changes: a test makes an instance fail by
        # itself (a "peer going critical") without touching its app.
        self.fault_check = fault_check
        self.sim = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        for app in self.apps.values():
            app.start()
        nodes = []
        for n in self.names:
            checks = [{"id": "%s-http" % self.service, "name": "http",
                       "http": "http://127.0.0.1:%d/health" % self.apps[n].port,
                       "interval": self.check_interval, "timeout": "1s", "status": "passing"}]
            if self.fault_check:
                checks.append({"id": "fault", "name": "fault", "status": "passing"})
            nodes.append({
                "name": n, "address": "127.0.0.1", "http": "127.0.0.1:0",
                "services": [{"id": self.service, "name": self.service, "port": self.apps[n].port,
                              "checks": checks}],
            })
        kv = dict(self.extra_kv)
        if self.max_offline is not None:
            kv["baton/services/%s/max_offline" % self.service] = self.max_offline
        config = {"datacenter": "dc1", "nodes": nodes, "kv": kv,
                  "timing": {"min_check_interval": "100ms", "check_update_interval": "0s"},
                  "limits": {"http_max_conns_per_client": 0}}
        token = None
        if self.acl:
            config["acl"] = dict(self.acl)
            token = "fleet-management-token"
            config["acl"]["tokens"] = list(self.acl.get("tokens", [])) + [{"secret_id": token, "management": True}]
        self.sim = ConsulSim(os.path.join(self.workdir, "sim"), config, token).start()
        self.wait_all_passing()
        return self

    def close(self):
        if self.sim is not None:
            self.sim.stop()
        for app in self.apps.values():
            try:
                app.stop()
            except Exception:
                pass

    @property
    def agents(self):
        return self.sim.agents

    def wait_all_passing(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.offline() and len(self.sim.health(self.service)[0]) == len(self.names):
                return
            time.sleep(0.05)
        raise RuntimeError("the fleet did not become healthy: %s" % self.offline())

    def offline(self):
        """{node: [critical check ids]} of the instances with any critical check (maintenance counts)."""
        entries, _ = self.sim.health(self.service)
        out = {}
        for e in entries:
            crit = [c["CheckID"] for c in e["Checks"] if c["Status"] == "critical"]
            if crit:
                out[e["Node"]["Node"]] = crit
        return out

    def in_maintenance(self):
        return sorted(n for n, checks in self.offline().items()
                      if any(c.startswith("_service_maintenance:") or c == "_node_maintenance" for c in checks))

    def slots(self):
        """{session: node} of the live slot holders, read from KV the way the gate reads them."""
        status, _, body = self.sim.api("GET", "/v1/kv/baton/services/%s/slots/?recurse" % self.service)
        if status != 200:
            return {}
        import base64
        entries = json.loads(body)
        lock = [e for e in entries if e["Key"].endswith("/.lock")]
        holders = json.loads(base64.b64decode(lock[0]["Value"])).get("Holders", {}) if lock and lock[0]["Value"] else {}
        out = {}
        for e in entries:
            sid = e.get("Session")
            if sid and sid in holders and e["Key"].endswith("/" + sid):
                out[sid] = json.loads(base64.b64decode(e["Value"]))["node"]
        return out

    def set_max_offline(self, value):
        self.sim.kv_put("baton/services/%s/max_offline" % self.service, value)

    def inventory(self, path, extra_vars=None):
        from ansiblerun import write_inventory
        hosts = {}
        for n in self.names:
            hosts[n] = {"baton_consul_http_addr": self.agents[n], "demo_app_dir": self.apps[n].dir,
                        "demo_app_port": self.apps[n].port, "demo_node_command": DEMO_NODE}
            hosts[n].update(extra_vars or {})
        return write_inventory(path, hosts, {"baton_service": self.service})
