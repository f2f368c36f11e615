#include "core/domain/servicebudget.h"

#include <QTest>

using namespace Baton;

namespace {
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
const QString web(int i)
{
    return QStringLiteral("web-%1").arg(i);
}
} // namespace

class tst_ServiceBudget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyServiceAdmitsUpToTheLimit()
    {
        const ServiceBudget b = budget(QStringLiteral("2"), 8, {}, {});
        QVERIFY(b.canEnter(web(1)));
        QCOMPARE(b.freeSlots(), 2);
    }

    void holdersAndOfflinePeersAreCountedOnce()
    {
        // web-1 holds a slot and is in maintenance: one node, not two.
        const ServiceBudget b
            = budget(QStringLiteral("2"), 8, { web(1) }, { { web(1), QStringLiteral("maintenance") } });
        QCOMPARE(b.occupiedExcluding(web(2)), QStringList({ web(1) }));
        QVERIFY(b.canEnter(web(2)));
    }

    void offlinePeerWithoutSlotBlocks()
    {
        // web-5 failed its check by itself; with max_offline 1 nobody else may go (PDB semantics).
        const ServiceBudget b = budget(QStringLiteral("1"), 8, {}, { { web(5), QStringLiteral("critical: http") } });
        QVERIFY(!b.canEnter(web(1)));
        QVERIFY(b.canEnter(web(5))); // its own unhealthiness does not count against itself
        QCOMPARE(b.freeSlots(), 0);
    }

    void deadHolderStillInMaintenanceCounts()
    {
        // A holder whose session died but whose node is still in maintenance: still offline, still counted.
        const ServiceBudget b
            = budget(QStringLiteral("1"), 3, {}, { { web(2), QStringLiteral("maintenance: job 7") } });
        QVERIFY(!b.canEnter(web(1)));
    }

    void freezeAdmitsNobody()
    {
        const ServiceBudget b = budget(QStringLiteral("0"), 8, {}, {});
        QVERIFY(!b.canEnter(web(1)));
    }

    void waitInfoNamesWhoAndWhy()
    {
        const ServiceBudget b = budget(QStringLiteral("2"), 8, { web(1), web(3) },
            { { web(3), QStringLiteral("maintenance") }, { web(5), QStringLiteral("critical: http") } });
        const WaitInfo w = b.waitInfoFor(web(7));
        QCOMPARE(w.holders, QStringList({ web(1), web(3) }));
        QCOMPARE(w.offline.size(), 1); // web-3 is reported as a holder, not twice
        QCOMPARE(w.limit, 2);
        QCOMPARE(w.describe(), QStringLiteral("slots held by web-1, web-3; web-5 critical: http; max_offline 2"));
    }

    void previewOfRaisingTheLimit()
    {
        const ServiceBudget b = budget(QStringLiteral("1"), 10, { web(1) }, {});
        const QStringList waiting = { web(7), web(9), web(4) };
        QCOMPARE(b.admittedWith(*MaxOffline::parse(u"1"), waiting), QStringList());
        QCOMPARE(b.admittedWith(*MaxOffline::parse(u"3"), waiting), QStringList({ web(7), web(9) }));
        QCOMPARE(b.admittedWith(*MaxOffline::parse(u"50%"), waiting), QStringList({ web(7), web(9), web(4) }));
        QCOMPARE(b.admittedWith(MaxOffline::freeze(), waiting), QStringList());
    }
};

QTEST_GUILESS_MAIN(tst_ServiceBudget)
#include "tst_servicebudget.moc"
