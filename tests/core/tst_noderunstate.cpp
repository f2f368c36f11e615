#include "core/domain/noderunstate.h"

#include <QTest>

using namespace Baton;

class tst_NodeRunState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wireNamesMatchTheBrief()
    {
        // BRIEF.md fixes these names; the service, events and console depend on them.
        const QStringList expected = { "queued", "waiting_for_node", "starting", "waiting_for_slot", "in_maintenance",
            "verifying", "succeeded", "failed", "cancelled", "timed_out", "unreachable" };
        QCOMPARE(int(expected.size()), kNodeRunStateCount);
        for (int i = 0; i < kNodeRunStateCount; ++i) {
            QCOMPARE(toWire(NodeRunState(i)), expected.at(i));
            QCOMPARE(nodeRunStateFromWire(expected.at(i)), std::optional<NodeRunState>(NodeRunState(i)));
        }
        QVERIFY(!nodeRunStateFromWire(u"running"));
        QVERIFY(!nodeRunStateFromWire(u"QUEUED"));
        QVERIFY(!nodeRunStateFromWire(u""));
    }

    void categoriesPartitionTheStates()
    {
        for (int i = 0; i < kNodeRunStateCount; ++i) {
            const auto s = NodeRunState(i);
            const int categories = int(isTerminal(s)) + int(isWaiting(s)) + int(isActive(s));
            QCOMPARE(categories, 1);
            if (isFailure(s))
                QVERIFY(isTerminal(s));
        }
        QVERIFY(isFailure(NodeRunState::TimedOut));
        QVERIFY(isFailure(NodeRunState::Unreachable));
        QVERIFY(!isFailure(NodeRunState::Cancelled));
        QVERIFY(!isFailure(NodeRunState::Succeeded));
    }
};

QTEST_GUILESS_MAIN(tst_NodeRunState)
#include "tst_noderunstate.moc"
