#include "models/capacitybudget.h"
#include "models/timelinemodel.h"

#include <QTest>

using namespace Baton;

namespace {
constexpr qint64 T0 = 1'790'000'000'000;

ServiceBudget budget(const QString &maxOffline, int instances, QStringList holders, QList<OfflinePeer> offline)
{
    ServiceBudget b;
    b.service = QStringLiteral("web");
    b.maxOffline = *MaxOffline::parse(maxOffline);
    b.instances = instances;
    b.holders = std::move(holders);
    b.offline = std::move(offline);
    return b;
}

BudgetRun run(qint64 job, const QString &node, NodeRunState s, qint64 since = T0, bool leftOn = false)
{
    return BudgetRun { job, node, QStringLiteral("web"), s, since, leftOn };
}
} // namespace

class tst_CapacityBudget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void splitByCause()
    {
        // web-1: this job, in maintenance and holding a slot. web-2: another job's holder.
        // web-3: maintenance nobody explains (manual). web-4: failing check. web-9: a holder no known job has.
        const ServiceBudget b = budget("4", 12, { "web-1", "web-2", "web-9" },
            { { "web-1", "maintenance: baton job 5" }, { "web-2", "maintenance: baton job 6" },
                { "web-3", "maintenance: kernel upgrade" }, { "web-4", "critical: http" } });
        const QList<BudgetRun> runs { run(5, "web-1", NodeRunState::InMaintenance),
            run(6, "web-2", NodeRunState::Verifying), run(5, "web-7", NodeRunState::WaitingForSlot, T0 + 500),
            run(6, "web-8", NodeRunState::WaitingForSlot, T0 + 100), run(5, "web-10", NodeRunState::Succeeded) };
        const CapacityBudget c = CapacityBudget::compute(b, 5, runs);
        QCOMPARE(c.limit, 4);
        QCOMPARE(c.occupied(), 5);
        QVERIFY(c.isOverBudget());
        QCOMPARE(c.free(), 0);
        QCOMPARE(c.count(CapacityBudget::Cause::ThisJob), 1);
        QCOMPARE(c.count(CapacityBudget::Cause::OtherJob), 2);
        QCOMPARE(c.count(CapacityBudget::Cause::Manual), 1);
        QCOMPARE(c.count(CapacityBudget::Cause::FailingCheck), 1);
        QCOMPARE(c.offline.at(0).node, QStringLiteral("web-1"));
        QCOMPARE(c.offline.at(0).jobId, qint64(5));
        QCOMPARE(c.offline.at(1).node, QStringLiteral("web-2"));
        QCOMPARE(c.offline.at(1).jobId, qint64(6));
        QCOMPARE(c.offline.at(2).node, QStringLiteral("web-9"));
        QCOMPARE(c.offline.at(2).jobId, qint64(0));
        QCOMPARE(c.offline.at(2).reason, QStringLiteral("holds a slot"));
        QCOMPARE(c.offline.at(3).reason, QStringLiteral("maintenance: kernel upgrade"));
        // Longest waiting first, across jobs.
        QCOMPARE(c.queue.size(), 2);
        QCOMPARE(c.queue.at(0).node, QStringLiteral("web-8"));
        QVERIFY(!c.queue.at(0).thisJob);
        QCOMPARE(c.queue.at(1).node, QStringLiteral("web-7"));
        QVERIFY(c.queue.at(1).thisJob);
        QCOMPARE(c.summary(),
            QStringLiteral("5 of 4 offline: 1 this job, 2 another job, 1 manual maintenance, "
                           "1 failing check · 2 waiting"));
    }

    void holderAndOfflineCountOnce()
    {
        const ServiceBudget b = budget("2", 8, { "web-1" }, { { "web-1", "maintenance" } });
        const CapacityBudget c = CapacityBudget::compute(b, 5, { run(5, "web-1", NodeRunState::InMaintenance) });
        QCOMPARE(c.occupied(), 1);
        QCOMPARE(c.free(), 1);
        QCOMPARE(c.summary(), QStringLiteral("1 of 2 offline: 1 this job"));
    }

    void waitingNodeThatIsCriticalIsAFailingCheck()
    {
        // A node waiting for its slot does not hold itself offline: its failing check does.
        const ServiceBudget b = budget("1", 4, {}, { { "web-3", "critical: disk" } });
        const CapacityBudget c = CapacityBudget::compute(b, 5, { run(5, "web-3", NodeRunState::WaitingForSlot) });
        QCOMPARE(c.count(CapacityBudget::Cause::FailingCheck), 1);
        QCOMPARE(c.queue.size(), 1);
    }

    void maintenanceLeftOnBelongsToItsJob()
    {
        const ServiceBudget b = budget("1", 4, {}, { { "web-2", "maintenance: baton job 3" } });
        const CapacityBudget c = CapacityBudget::compute(b, 9, { run(3, "web-2", NodeRunState::Cancelled, T0, true) });
        QCOMPARE(c.count(CapacityBudget::Cause::OtherJob), 1);
        QCOMPARE(c.offline.at(0).jobId, qint64(3));
    }

    void aJustFinishedRunStillOwnsTheSlotConsulShows()
    {
        // The job stream said web-4 succeeded; Consul's last answer still lists it as a holder.
        const ServiceBudget b = budget("2", 6, { "web-4" }, {});
        const CapacityBudget c = CapacityBudget::compute(
            b, 2, { run(2, "web-4", NodeRunState::Succeeded), run(2, "web-5", NodeRunState::WaitingForSlot) });
        QCOMPARE(c.count(CapacityBudget::Cause::ThisJob), 1);
        QCOMPARE(c.count(CapacityBudget::Cause::OtherJob), 0);
        QCOMPARE(c.offline.at(0).jobId, qint64(2));
    }

    void withoutAJobEveryRunIsAnotherJob()
    {
        const ServiceBudget b = budget("2", 4, { "web-1" }, {});
        const CapacityBudget c = CapacityBudget::compute(b, 0, { run(3, "web-1", NodeRunState::InMaintenance) });
        QCOMPARE(c.count(CapacityBudget::Cause::OtherJob), 1);
        QCOMPARE(c.count(CapacityBudget::Cause::ThisJob), 0);
    }

    void frozenAndWarning()
    {
        ServiceBudget b = budget("0", 4, {}, {});
        b.maxOfflineWarning = QStringLiteral("max_offline \"abc\" is not valid; using 1");
        const CapacityBudget c = CapacityBudget::compute(b, 0, {});
        QVERIFY(c.isFrozen());
        QCOMPARE(c.summary(), QStringLiteral("frozen (max_offline 0)"));
        QCOMPARE(c.maxOfflineDescription, QStringLiteral("0 (frozen)"));
        QVERIFY(!c.warning.isEmpty());
    }

    void runsOfOtherServicesAreIgnored()
    {
        const ServiceBudget b = budget("2", 4, {}, {});
        BudgetRun other = run(5, "db-1", NodeRunState::WaitingForSlot);
        other.service = QStringLiteral("db");
        QVERIFY(CapacityBudget::compute(b, 5, { other }).queue.isEmpty());
    }

    void runsFromJobAndTimeline()
    {
        Job j;
        j.id = 5;
        j.createdAtMs = T0;
        NodeRun r;
        r.node = QStringLiteral("web-1");
        r.service = QStringLiteral("web");
        r.state = NodeRunState::WaitingForSlot;
        r.transitions = { { NodeRunState::Queued, T0, {} }, { NodeRunState::WaitingForSlot, T0 + 700, {} } };
        j.nodes << r;
        const QList<BudgetRun> fromJob = budgetRunsOf(j);
        QCOMPARE(fromJob.size(), 1);
        QCOMPARE(fromJob.at(0), (BudgetRun { 5, "web-1", "web", NodeRunState::WaitingForSlot, T0 + 700, false }));
        TimelineModel m;
        m.setJob(j);
        QCOMPARE(budgetRunsOf(m), fromJob);
    }
};

QTEST_GUILESS_MAIN(tst_CapacityBudget)
#include "tst_capacitybudget.moc"
