#include "core/domain/jobstate.h"

#include <QTest>

using namespace Baton;

namespace {
NodeCounts counts(std::initializer_list<std::pair<NodeRunState, int>> items)
{
    NodeCounts c;
    for (const auto &[s, n] : items)
        c[s] = n;
    return c;
}
} // namespace

class tst_JobState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void grading_data()
    {
        using S = NodeRunState;
        QTest::addColumn<NodeCounts>("nodes");
        QTest::addColumn<bool>("cancelRequested");
        QTest::addColumn<JobState>("expected");
        QTest::newRow("all queued") << counts({ { S::Queued, 5 } }) << false << JobState::Queued;
        QTest::newRow("one waiting for slot")
            << counts({ { S::Queued, 4 }, { S::WaitingForSlot, 1 } }) << false << JobState::Running;
        QTest::newRow("one bad node of many, still running")
            << counts({ { S::Succeeded, 14 }, { S::Failed, 1 }, { S::WaitingForSlot, 3 } }) << false
            << JobState::Running;
        QTest::newRow("all ok") << counts({ { S::Succeeded, 18 } }) << false << JobState::Succeeded;
        QTest::newRow("one bad node of many, done")
            << counts({ { S::Succeeded, 17 }, { S::Failed, 1 } }) << false << JobState::PartiallyFailed;
        QTest::newRow("timeouts count as failures")
            << counts({ { S::Succeeded, 1 }, { S::TimedOut, 1 } }) << false << JobState::PartiallyFailed;
        QTest::newRow("all failed") << counts({ { S::Failed, 2 }, { S::Unreachable, 1 } }) << false << JobState::Failed;
        QTest::newRow("failed and cancelled, none ok")
            << counts({ { S::Failed, 1 }, { S::Cancelled, 5 } }) << true << JobState::Failed;
        QTest::newRow("cancel in flight")
            << counts({ { S::InMaintenance, 1 }, { S::Queued, 3 } }) << true << JobState::Cancelling;
        QTest::newRow("cancelled after some ok")
            << counts({ { S::Succeeded, 3 }, { S::Cancelled, 3 } }) << true << JobState::Cancelled;
        QTest::newRow("no nodes") << NodeCounts() << false << JobState::Failed;
    }

    void grading()
    {
        QFETCH(NodeCounts, nodes);
        QFETCH(bool, cancelRequested);
        QFETCH(JobState, expected);
        QCOMPARE(gradeJob(nodes, cancelRequested), expected);
    }

    void wireNames()
    {
        QCOMPARE(toWire(JobState::PartiallyFailed), QStringLiteral("partially_failed"));
        QCOMPARE(jobStateFromWire(u"cancelled"), std::optional<JobState>(JobState::Cancelled));
        QVERIFY(!jobStateFromWire(u"halted"));
        QVERIFY(isTerminal(JobState::Cancelled));
        QVERIFY(!isTerminal(JobState::Cancelling));
    }

    void countsSummaryLeavesOutZeroes()
    {
        using S = NodeRunState;
        QCOMPARE(
            counts({ { S::Succeeded, 14 }, { S::Failed, 1 }, { S::WaitingForSlot, 2 }, { S::Queued, 1 } }).summary(),
            QStringLiteral("14 ok / 1 failed / 3 waiting"));
        QCOMPARE(counts({ { S::InMaintenance, 1 }, { S::Verifying, 1 } }).summary(), QStringLiteral("2 running"));
        QCOMPARE(NodeCounts().summary(), QStringLiteral("no nodes"));
    }
};

QTEST_GUILESS_MAIN(tst_JobState)
#include "tst_jobstate.moc"
