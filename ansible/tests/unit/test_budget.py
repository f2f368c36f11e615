"""The budget rule: the same cases as tests/core/tst_servicebudget.cpp, plus the wording of the wait reason."""

from ansible_collections.baton.gate.plugins.module_utils.gate_core import Budget, MaxOffline, OfflinePeer


def budget(max_offline, instances, holders, offline):
    return Budget("web", MaxOffline.parse(max_offline)[0], instances, holders,
                  [OfflinePeer(n, r) for n, r in offline])


def web(i):
    return "web-%d" % i


def test_empty_service_admits_up_to_the_limit():
    b = budget("2", 8, [], [])
    assert b.can_enter(web(1))
    assert b.free_slots() == 2


def test_holders_and_offline_peers_are_counted_once():
    # web-1 holds a slot and is in maintenance: one node, not two.
    b = budget("2", 8, [web(1)], [(web(1), "maintenance")])
    assert b.occupied_excluding(web(2)) == [web(1)]
    assert b.can_enter(web(2))


def test_offline_peer_without_slot_blocks():
    # web-5 failed its check by itself; with max_offline 1 nobody else may go (PDB semantics).
    b = budget("1", 8, [], [(web(5), "critical: http")])
    assert not b.can_enter(web(1))
    assert b.can_enter(web(5))  # its own unhealthiness does not count against itself
    assert b.free_slots() == 0


def test_dead_holder_still_in_maintenance_counts():
    b = budget("1", 3, [], [(web(2), "maintenance: job 7")])
    assert not b.can_enter(web(1))


def test_freeze_admits_nobody():
    assert not budget("0", 8, [], []).can_enter(web(1))
    assert not budget("0%", 8, [], []).can_enter(web(1))


def test_percent_uses_registered_instances():
    assert budget("25%", 8, [web(1)], []).can_enter(web(2))  # limit 2
    assert not budget("25%", 8, [web(1), web(3)], []).can_enter(web(2))
    assert budget("10%", 3, [], []).can_enter(web(1))  # at least one


def test_a_holder_may_reenter_its_own_slot():
    b = budget("1", 4, [web(1)], [(web(1), "maintenance")])
    assert b.can_enter(web(1))
    assert not b.can_enter(web(2))


def test_limit_lowered_below_current_occupancy():
    b = budget("1", 8, [web(1), web(2)], [])
    assert not b.can_enter(web(3))
    assert b.free_slots() == 0


def test_wait_reason_names_who_and_why():
    b = budget("2", 8, [web(1), web(3)], [(web(3), "maintenance"), (web(5), "critical: http")])
    assert b.describe_for(web(7)) == "slots held by web-1, web-3; web-5 critical: http; max_offline 2"
    assert b.offline_peers_of(web(7)) == [OfflinePeer(web(5), "critical: http")]  # web-3 reported as a holder


def test_wait_reason_of_a_frozen_service():
    assert budget("0", 8, [], []).describe_for(web(1)) == "service frozen (max_offline 0)"


def test_wait_reason_leaves_out_the_node_itself():
    b = budget("1", 8, [web(1)], [(web(1), "maintenance"), (web(2), "critical: disk")])
    assert b.describe_for(web(2)) == "slots held by web-1; max_offline 1"
