"""The quick safety check CTest runs: a few trials of 8 nodes, max_offline 2, 8 concurrent ansible-playbook runs
with random change lengths and every fault at once (a run SIGKILLed in maintenance, a node killed in
consul-sim, a peer failing by itself, max_offline lowered and raised). tests/safety/trials.py runs as many as
you like and prints the figures; docs/coordination.md says what counts as a violation."""

import os
import time

import pytest

import trials

SEED = int(os.environ.get("BATON_SAFETY_SEED") or time.time())


@pytest.mark.parametrize("offset", [0, 1])
def test_mixed_faults(offset, tmp_path):
    seed = SEED + offset
    r = trials.run_trial(str(tmp_path), "mixed", seed)
    print("seed %d: %s" % (seed, {k: r[k] for k in ("samples", "sampler_errors", "admissions", "violations",
                                                     "undone", "over_budget", "outcomes", "faults")}))
    assert r["harness_error"] is None, r["harness_error"]
    assert r["samples"] > 100 and r["sampler_errors"] < r["samples"] // 10
    assert r["admissions"] >= 7  # every node but the killed one went through the gate at least once
    assert r["violations"] == [], "seed %d: %s" % (seed, r["violations"])
    assert sorted(set(r["outcomes"].values())) in (["finished"], ["finished", "killed, held"],
                                                    ["failed, halted safely", "finished"],
                                                    ["failed, halted safely", "finished", "killed, held"]), \
        "seed %d: %s" % (seed, r["outcomes"])
    assert list(r["outcomes"].values()).count("killed, held") <= 1
