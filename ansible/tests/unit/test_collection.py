"""The collection as a whole: it builds into an installable artifact, its plugins document themselves, and the
sample playbooks are valid."""

import os
import subprocess
import tarfile

import pytest

from ansiblerun import COLLECTION_ROOT, PLAYBOOKS, ansible_env, write_inventory


def run(args, tmp_path, **kw):
    return subprocess.run(args, env=ansible_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          cwd=str(tmp_path), timeout=120, **kw)


def test_builds_an_installable_artifact(tmp_path):
    r = run(["/usr/bin/ansible-galaxy", "collection", "build", COLLECTION_ROOT, "--output-path", str(tmp_path)],
            tmp_path)
    assert r.returncode == 0, r.stdout.decode()
    artifact = tmp_path / "baton-gate-0.1.0.tar.gz"
    with tarfile.open(str(artifact)) as t:
        names = set(t.getnames())
    for needed in ["galaxy.yml" if "galaxy.yml" in names else "MANIFEST.json", "plugins/modules/gate.py",
                   "plugins/module_utils/gate_protocol.py", "plugins/callback/events.py",
                   "roles/rolling/tasks/main.yml", "playbooks/deploy.yml", "meta/runtime.yml"]:
        assert needed in names
    assert not any(n.startswith("tests/") or n == "CMakeLists.txt" or "__pycache__" in n for n in names)
    # ... and it installs.
    dest = tmp_path / "installed"
    r = run(["/usr/bin/ansible-galaxy", "collection", "install", str(artifact), "-p", str(dest)], tmp_path)
    assert r.returncode == 0, r.stdout.decode()
    assert (dest / "ansible_collections" / "baton" / "gate" / "plugins" / "modules" / "gate.py").exists()


@pytest.mark.parametrize("kind,name", [("module", "baton.gate.gate"), ("callback", "baton.gate.events"),
                                       ("role", "baton.gate.rolling")])
def test_documentation_renders(kind, name, tmp_path):
    r = run(["/usr/bin/ansible-doc", "-t", kind, name], tmp_path)
    out = r.stdout.decode()
    assert r.returncode == 0, out
    assert "ERROR" not in out
    if kind == "module":
        assert "max_offline" in out and "health_timeout" in out


@pytest.mark.parametrize("playbook", sorted(p for p in os.listdir(PLAYBOOKS) if p.endswith(".yml")))
def test_sample_playbooks_are_valid(playbook, tmp_path):
    inv = write_inventory(tmp_path / "inv.json", {"web-1": {"demo_app_dir": str(tmp_path), "demo_app_port": 0}})
    r = run(["/usr/bin/ansible-playbook", "--syntax-check", "-i", inv, os.path.join(PLAYBOOKS, playbook)],
            tmp_path)
    assert r.returncode == 0, r.stdout.decode()
