"""Running ansible-playbook from tests: the environment that makes the collection and its callback load, and
local-connection inventories for simulated nodes."""

import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION_ROOT = os.path.dirname(os.path.dirname(HERE))
SOURCE_ROOT = os.path.dirname(COLLECTION_ROOT)
PLAYBOOKS = os.path.join(COLLECTION_ROOT, "playbooks")
DEMO_NODE = os.path.join(SOURCE_ROOT, "tools", "demo-node", "demo-node")
ANSIBLE_PLAYBOOK = "/usr/bin/ansible-playbook"


def ansible_env(tmpdir, events_file=None, extra=None):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("ANSIBLE_") or k.startswith("BATON_EVENTS") or k.startswith("CONSUL_"):
            del env[k]
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": os.environ["BATON_COLLECTIONS_DIR"],
        "ANSIBLE_CALLBACKS_ENABLED": "baton.gate.events",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCAL_TEMP": os.path.join(str(tmpdir), "ansible-tmp"),
        "ANSIBLE_REMOTE_TEMP": os.path.join(str(tmpdir), "ansible-remote-tmp"),
        "ANSIBLE_HOME": os.path.join(str(tmpdir), "ansible-home"),
        "ANSIBLE_PYTHON_INTERPRETER": "/usr/bin/python3",
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "PYTHONUNBUFFERED": "1",
    })
    if events_file:
        env["BATON_EVENTS_FILE"] = str(events_file)
    if extra:
        env.update(extra)
    return env


def write_inventory(path, hosts, group_vars=None):
    """hosts: {name: {var: value}}; every host is a local-connection host."""
    inv = {"all": {"hosts": {}, "vars": dict({"ansible_connection": "local",
                                              "ansible_python_interpreter": "/usr/bin/python3"},
                                             **(group_vars or {}))}}
    for name, hv in hosts.items():
        inv["all"]["hosts"][name] = dict(hv)
    with open(str(path), "w") as f:
        json.dump(inv, f, indent=1)
    return str(path)


def read_events(path):
    out = []
    if not os.path.exists(str(path)):
        return out
    with open(str(path), "rb") as f:
        for raw in f:
            assert raw.endswith(b"\n"), "an event line is not terminated: %r" % raw[:200]
            out.append(json.loads(raw.decode("utf-8")))
    return out


def run_playbook(playbook, inventory, tmpdir, extra_vars=None, limit=None, events_file=None, env_extra=None,
                 timeout=300, check=False, **popen):
    args = [ANSIBLE_PLAYBOOK, "-i", inventory, playbook]
    if limit:
        args += ["--limit", limit]
    if extra_vars:
        args += ["-e", json.dumps(extra_vars)]
    if check:
        args.append("--check")
    return subprocess.run(args, env=ansible_env(tmpdir, events_file, env_extra), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout, cwd=str(tmpdir), **popen)
