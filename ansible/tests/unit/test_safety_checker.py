"""The safety trials' judge (tests/safety/trials.py): it must flag an admission over budget and an unexplained
over-budget sample, and excuse only what the gate cannot prevent. Synthetic samples, no processes."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "safety"))
import trials  # noqa: E402

MAINT = "_service_maintenance:web"


def sample(index, **offline):
    """offline: node=[(check id, create index, modify index)]"""
    return (0.0, index, dict((k.replace("_", "-"), v) for k, v in offline.items()), 8)


def m(created):
    return (MAINT, created, created)


def test_clean_rollout_has_no_violation():
    samples = [sample(10), sample(12, web_1=[m(11)]), sample(14, web_1=[m(11)], web_2=[m(13)]),
               sample(16, web_2=[m(13)]), sample(18)]
    admissions, violations, undone, causes = trials.check_trial(samples, [(0, "2")], set())
    assert admissions == 2 and violations == [] and causes["unexplained"] == 0


def test_admission_over_budget_is_a_violation():
    samples = [sample(12, web_1=[m(11)]), sample(14, web_1=[m(11)], web_2=[m(13)])]
    admissions, violations, undone, causes = trials.check_trial(samples, [(0, "1")], set())
    assert len(violations) == 2  # the admission of web-2, and the sample showing two offline
    assert violations[0].startswith("admission of web-2 at index 13 with web-1 offline, max_offline 1")
    assert causes["unexplained"] == 1


def test_admitting_next_to_a_peer_that_failed_earlier_is_a_violation():
    samples = [sample(12, web_5=[("fault", 5, 11)]), sample(14, web_5=[("fault", 5, 11)], web_1=[m(13)])]
    _, violations, _, causes = trials.check_trial(samples, [(0, "1")], set())
    assert violations and "admission of web-1" in violations[0]
    assert causes["spontaneous"] == 1  # the sample itself is explained; the admission is not


def test_a_peer_failing_after_the_admissions_is_excused():
    samples = [sample(12, web_1=[m(11)]), sample(14, web_1=[m(11)], web_5=[("fault", 5, 13)])]
    _, violations, _, causes = trials.check_trial(samples, [(0, "1")], set())
    assert violations == [] and causes["spontaneous"] == 1


def test_limit_lowered_after_admission_is_excused_but_not_before():
    samples = [sample(12, web_1=[m(11)]), sample(14, web_1=[m(11)], web_2=[m(13)]),
               sample(16, web_1=[m(11)], web_2=[m(13)])]
    _, violations, _, causes = trials.check_trial(samples, [(0, "2"), (15, "1")], set())
    assert violations == [] and causes["lowered"] == 1
    _, violations, _, _ = trials.check_trial(samples, [(0, "2"), (12, "1")], set())
    assert any("admission of web-2" in v for v in violations)


def test_a_race_the_gate_undid_is_counted_apart():
    samples = [sample(12, web_1=[m(11)]), sample(14, web_1=[m(11)], web_2=[m(13)]), sample(16, web_1=[m(11)])]
    _, violations, undone, causes = trials.check_trial(samples, [(0, "1")], {"web-2"})
    assert undone == 1 and causes["undone"] == 1
    assert violations == []
    # Without the gate's own account of undoing it, the same samples are violations.
    _, violations, _, _ = trials.check_trial(samples, [(0, "1")], set())
    assert len(violations) == 2
