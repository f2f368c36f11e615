"""Model-checks the gate protocol (docs/coordination/gate.pml) with spin, so CI keeps the model true.

Each case builds a verifier for one configuration and one property and runs an exhaustive search. Two cases
must find a violation: they show the model is not vacuous and why the gate's design is what it is (a peer
that fails by itself can push the ground-truth count over the budget, which no gate can prevent; a session
tied to serfHealth can die between the CAS and the maintenance call)."""

import os
import re
import shutil
import subprocess

import pytest

MODEL = os.path.join(os.environ.get("BATON_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", ".."),
                     "docs", "coordination", "gate.pml")
SPIN = shutil.which("spin") or "/usr/bin/spin"

# (id, -D defines, property, expect_violation)
CASES = [
    ("kills-deaths-breaks", {}, "offline_within_budget", False),
    ("kills-deaths-breaks", {}, "footprint_within_budget", False),
    ("limit2", {"LIMIT": 2, "KILL_MAX": 1}, "offline_within_budget", False),
    ("limit2", {"LIMIT": 2, "KILL_MAX": 1}, "footprint_within_budget", False),
    ("two-rounds", {"ROUNDS": 2, "KILL_MAX": 1}, "offline_within_budget", False),
    ("raise", {"RAISE": 1, "KILL_MAX": 1, "DEATH_MAX": 0}, "offline_within_budget", False),
    ("spontaneous", {"SPONTANEOUS": 1}, "footprint_within_budget", False),
    ("spontaneous", {"SPONTANEOUS": 1}, "offline_within_budget", True),
    ("serf-sessions", {"SERF_SESSIONS": 1, "KILLS": 0, "NODE_DEATH": 0, "BREAKS": 0}, "offline_within_budget",
     True),
]


@pytest.mark.parametrize("name,defines,prop,expect_violation", CASES,
                         ids=["%s:%s" % (c[0], c[2]) for c in CASES])
def test_model(name, defines, prop, expect_violation, tmp_path):
    assert os.path.exists(SPIN), "spin is not installed (scripts/bootstrap.sh installs the Debian package)"
    shutil.copy(MODEL, str(tmp_path / "gate.pml"))
    flags = ["-D%s=%s" % (k, v) for k, v in sorted(defines.items())]
    r = subprocess.run([SPIN, "-a"] + flags + ["gate.pml"], cwd=str(tmp_path), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    assert r.returncode == 0, r.stdout.decode()
    r = subprocess.run(["gcc", "-O2", "-w", "-DSAFETY", "-DCOLLAPSE", "-DMEMLIM=1024", "-DVECTORSZ=2048", "-o", "pan",
                        "pan.c"], cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    assert r.returncode == 0, r.stdout.decode()
    r = subprocess.run(["./pan", "-N", prop], cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=110)
    out = r.stdout.decode()
    m = re.search(r"errors: (\d+)", out)
    assert m, out
    # A search cut short (memory limit, depth limit) proves nothing either way.
    assert "out of memory" not in out and "max search depth too small" not in out, out
    errors = int(m.group(1))
    if expect_violation:
        assert errors > 0, "the model should find the %s violation:\n%s" % (name, out)
    else:
        assert errors == 0, out
        states = int(re.search(r"(\d+) states, stored", out).group(1))
        assert states > 1000, out  # the search really explored the protocol
