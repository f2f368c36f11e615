#include "models/maxofflinepreview.h"

#include <QTest>

using namespace Baton;

namespace {
ServiceBudget budget(int instances, MaxOffline value, QStringList holders, QList<OfflinePeer> offline = {})
{
    ServiceBudget b;
    b.service = "web";
    b.instances = instances;
    b.maxOffline = value;
    b.holders = holders;
    b.offline = offline;
    return b;
}
} // namespace

class TestMaxOfflinePreview : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void raisingNamesWhoStarts()
    {
        const ServiceBudget b = budget(12, MaxOffline::count(1), { "web-1" }, { { "web-1", "maintenance: baton" } });
        const QString text = MaxOfflinePreview::describe(b, MaxOffline::count(3), { "web-7", "web-9", "web-11" });
        QCOMPARE(text, QString("Raising web to 3 lets web-7 and web-9 start now."));
    }

    void raisingByPercent()
    {
        const ServiceBudget b = budget(12, MaxOffline::count(1), { "web-1" });
        QCOMPARE(MaxOfflinePreview::describe(b, MaxOffline::percent(25), { "web-2" }),
            QString("Raising web to 25% (= 3 of 12) lets web-2 start now."));
    }

    void raisingWithNobodyWaiting()
    {
        const ServiceBudget b = budget(4, MaxOffline::count(1), {});
        QVERIFY(MaxOfflinePreview::describe(b, MaxOffline::count(2), {}).contains("No node is waiting"));
    }

    void raisingNotEnough()
    {
        const ServiceBudget b = budget(10, MaxOffline::count(1), { "web-1" },
            { { "web-1", "maintenance" }, { "web-2", "critical: http" }, { "web-3", "critical: http" } });
        const QString text = MaxOfflinePreview::describe(b, MaxOffline::count(2), { "web-5" });
        QVERIFY2(text.contains("not enough") && text.contains("web-1, web-2 and web-3"), qPrintable(text));
    }

    void loweringBelowWhatIsOffline()
    {
        const ServiceBudget b
            = budget(10, MaxOffline::count(3), { "web-1", "web-2" }, { { "web-3", "critical: disk" } });
        const QString text = MaxOfflinePreview::describe(b, MaxOffline::count(1), {});
        QVERIFY2(text.contains("3 nodes are offline now (web-1, web-2 and web-3)")
                && text.contains("until 2 of them are back"),
            qPrintable(text));
    }

    void freezing()
    {
        const ServiceBudget b = budget(10, MaxOffline::count(2), { "web-1" });
        const QString text = MaxOfflinePreview::describe(b, MaxOffline::freeze(), { "web-4" });
        QVERIFY2(text.startsWith("Freezing web") && text.contains("web-1 is offline now")
                && text.contains("web-4 keeps waiting"),
            qPrintable(text));
    }

    void sameLimitAndNoChange()
    {
        const ServiceBudget b = budget(8, MaxOffline::count(2), {});
        QVERIFY(MaxOfflinePreview::describe(b, MaxOffline::percent(25), {}).startsWith("Same limit today"));
        QVERIFY(MaxOfflinePreview::describe(b, MaxOffline::count(2), {}).startsWith("No change"));
    }

    void namesAreListedReadably()
    {
        QCOMPARE(MaxOfflinePreview::listNames({ "a" }), QString("a"));
        QCOMPARE(MaxOfflinePreview::listNames({ "a", "b", "c" }), QString("a, b and c"));
        QCOMPARE(MaxOfflinePreview::listNames({ "a", "b", "c", "d" }, 2), QString("a, b and 2 more"));
    }
};

QTEST_GUILESS_MAIN(TestMaxOfflinePreview)
#include "tst_maxofflinepreview.moc"
