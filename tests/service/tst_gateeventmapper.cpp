// Unit: the mapping of the gate collection's callback lines to node-run states (docs/development.md).

#include "service/runner/gateeventmapper.h"

#include <QTest>

using namespace Baton;
using nlohmann::json;

class TstGateEventMapper : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void healthyRunWalksEveryState();
    void orderDecidesWithoutGateState();
    void statusTaskChangesNothing();
    void failuresAndUnreachable();
    void otherHostsAndJunkAreIgnored();
};

namespace {
json taskStart(const char *task, const char *action, const char *gateState = nullptr)
{
    json j = { { "v", 1 }, { "ts", "2026-11-25T00:00:00.000Z" }, { "event", "task_start" }, { "task", task },
        { "action", action } };
    if (gateState)
        j["gate_state"] = gateState;
    return j;
}
json gateResult(const char *event, const char *state, const char *reason = "")
{
    return { { "v", 1 }, { "event", event }, { "host", "web-1" }, { "task", "gate" }, { "action", "baton.gate.gate" },
        { "gate",
            { { "state", state }, { "service", "web" }, { "node", "web-1" }, { "holders", { "web-2" } },
                { "offline", { { { "node", "web-3" }, { "reason", "critical: http" } } } }, { "limit", 1 },
                { "max_offline", "1" }, { "reason", reason } } } };
}
} // namespace

void TstGateEventMapper::healthyRunWalksEveryState()
{
    GateEventMapper m("web-1");
    NodeRunState s = NodeRunState::Starting;
    auto apply = [&](const json &line) {
        const RunnerUpdate u = m.apply(line, s);
        if (u.state)
            s = *u.state;
        return u;
    };
    auto u = apply(taskStart("baton | wait for a slot", "baton.gate.gate", "entered"));
    QCOMPARE(s, NodeRunState::WaitingForSlot);
    QCOMPARE(*u.task, QString("baton | wait for a slot"));
    u = apply({ { "event", "runner_retry" }, { "host", "web-1" }, { "task", "gate" }, { "action", "baton.gate.gate" },
        { "attempt", 1 }, { "retries", 5 },
        { "gate", gateResult("runner_retry", "waiting", "slots held by web-2")["gate"] } });
    QCOMPARE(s, NodeRunState::WaitingForSlot);
    QCOMPARE(*u.reason, QString("slots held by web-2"));
    QCOMPARE(u.wait->holders, QStringList { "web-2" });
    QCOMPARE(u.wait->offline.size(), 1);
    QCOMPARE(u.wait->offline[0].reason, QString("critical: http"));
    QCOMPARE(u.wait->limit, 1);
    apply(gateResult("runner_changed", "entered", "web-1 entered maintenance"));
    QCOMPARE(s, NodeRunState::InMaintenance);
    QVERIFY(m.enteredMaintenance());
    u = apply(taskStart("restart the app", "ansible.builtin.service"));
    QCOMPARE(s, NodeRunState::InMaintenance);
    QCOMPARE(*u.task, QString("restart the app"));
    apply(taskStart("baton | leave", "baton.gate.gate", "left"));
    QCOMPARE(s, NodeRunState::Verifying);
    apply(gateResult("runner_changed", "left"));
    QVERIFY(m.leftMaintenance());
    QCOMPARE(m.finalState(0, true), NodeRunState::Succeeded);
    QVERIFY(m.finalReason(0, true).isEmpty());
}

void TstGateEventMapper::orderDecidesWithoutGateState()
{
    GateEventMapper m("web-1");
    QCOMPARE(
        *m.apply(taskStart("enter", "baton.gate.gate"), NodeRunState::Starting).state, NodeRunState::WaitingForSlot);
    m.apply(gateResult("runner_ok", "entered"), NodeRunState::WaitingForSlot);
    QCOMPARE(*m.apply(taskStart("leave", "gate"), NodeRunState::InMaintenance).state, NodeRunState::Verifying);
}

void TstGateEventMapper::statusTaskChangesNothing()
{
    GateEventMapper m("web-1");
    const RunnerUpdate u = m.apply(taskStart("budget", "baton.gate.gate", "status"), NodeRunState::Starting);
    QVERIFY(!u.state);
    QVERIFY(!m.apply(gateResult("runner_ok", "status"), NodeRunState::Starting).state);
}

void TstGateEventMapper::failuresAndUnreachable()
{
    GateEventMapper m("web-1");
    RunnerUpdate ignored = m.apply({ { "event", "runner_failed" }, { "host", "web-1" }, { "task", "probe" },
                                       { "msg", "meh" }, { "ignored", true } },
        NodeRunState::InMaintenance);
    QVERIFY(!ignored.failing);
    RunnerUpdate failed
        = m.apply({ { "event", "runner_failed" }, { "host", "web-1" }, { "task", "deploy" }, { "msg", "disk\nfull" } },
            NodeRunState::InMaintenance);
    QVERIFY(failed.failing);
    QCOMPARE(m.finalState(2, true), NodeRunState::Failed);
    QCOMPARE(m.finalReason(2, true), QString("deploy: disk full"));
    QCOMPARE(m.finalReason(-1, false), QString("deploy: disk full"));

    GateEventMapper u("web-1");
    QVERIFY(
        u.apply({ { "event", "runner_unreachable" }, { "host", "web-1" }, { "task", "x" }, { "msg", "ssh: timeout" } },
             NodeRunState::Starting)
            .failing);
    QCOMPARE(u.finalState(4, true), NodeRunState::Unreachable);
    GateEventMapper byExit("web-1");
    QCOMPARE(byExit.finalState(4, true), NodeRunState::Unreachable);
    QCOMPARE(byExit.finalReason(3, true), QString("ansible-playbook exited with code 3"));
    GateEventMapper byStats("web-1");
    byStats.apply({ { "event", "stats" }, { "hosts", { { "web-1", { { "unreachable", 1 }, { "ok", 2 } } } } } },
        NodeRunState::Starting);
    QCOMPARE(byStats.finalState(2, true), NodeRunState::Unreachable);
}

void TstGateEventMapper::otherHostsAndJunkAreIgnored()
{
    GateEventMapper m("web-1");
    QVERIFY(m.apply(json::array(), NodeRunState::Starting).isEmpty());
    QVERIFY(m.apply({ { "event", 5 } }, NodeRunState::Starting).isEmpty());
    json other = gateResult("runner_ok", "entered");
    other["host"] = "web-9";
    QVERIFY(m.apply(other, NodeRunState::WaitingForSlot).isEmpty());
    json weird = gateResult("runner_retry", "waiting");
    weird["gate"]["holders"] = "not a list";
    weird["gate"]["limit"] = "x";
    const RunnerUpdate u = m.apply(
        { { "event", "runner_retry" }, { "host", "web-1" }, { "gate", weird["gate"] } }, NodeRunState::WaitingForSlot);
    QVERIFY(u.wait);
    QVERIFY(u.wait->holders.isEmpty());
    QCOMPARE(u.wait->limit, -1);
}

QTEST_GUILESS_MAIN(TstGateEventMapper)
#include "tst_gateeventmapper.moc"
