#include "widgets/budgetgauge.h"

#include <QImage>
#include <QTest>

using namespace Baton;

namespace {
constexpr qint64 T0 = 1'790'000'000'000;

CapacityBudget sampleBudget(const QString &maxOffline = "3")
{
    ServiceBudget b;
    b.service = QStringLiteral("web");
    b.maxOffline = *MaxOffline::parse(maxOffline);
    b.instances = 12;
    b.holders = QStringList { "web-1", "web-2" };
    b.offline = { { "web-1", "maintenance: baton job 5" }, { "web-2", "maintenance: baton job 6" },
        { "web-5", "critical: http" } };
    const QList<BudgetRun> runs { { 5, "web-1", "web", NodeRunState::InMaintenance, T0, false },
        { 6, "web-2", "web", NodeRunState::InMaintenance, T0, false },
        { 5, "web-7", "web", NodeRunState::WaitingForSlot, T0 + 10, false } };
    return CapacityBudget::compute(b, 5, runs);
}

class PaintCounter : public QObject
{
public:
    int paints = 0;
    bool eventFilter(QObject *, QEvent *e) override
    {
        if (e->type() == QEvent::Paint)
            ++paints;
        return false;
    }
};
} // namespace

class tst_BudgetGauge : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cellsFollowTheCauses()
    {
        BudgetGauge g;
        g.resize(400, g.sizeHint().height());
        g.setBudget(sampleBudget());
        QImage img(g.size(), QImage::Format_ARGB32_Premultiplied);
        g.render(&img);
        const Theme &t = Theme::current();
        // Find the bar's first cell: solid "this job" colour.
        bool thisJob = false;
        for (int y = 0; y < img.height() && !thisJob; ++y)
            thisJob = img.pixelColor(12, y) == BudgetGauge::causeColor(t, CapacityBudget::Cause::ThisJob);
        QVERIFY(thisJob);
        // Hit test: cells in cause order (this job, another job, failing check).
        int barY = -1;
        for (int y = 0; y < g.height() && barY < 0; ++y) {
            if (!g.nodeAt(QPoint(12, y)).isEmpty())
                barY = y;
        }
        QVERIFY(barY >= 0);
        QCOMPARE(g.nodeAt(QPoint(12, barY)), QStringLiteral("web-1"));
        // Three slots share the bar (388 px, 2 px gaps): cells start at 6, 136 and 266.
        QCOMPARE(g.nodeAt(QPoint(140, barY)), QStringLiteral("web-2"));
        QCOMPARE(g.nodeAt(QPoint(270, barY)), QStringLiteral("web-5"));
        QCOMPARE(g.nodeAt(QPoint(12, 1)), QString());
    }

    void waitingQueueIsNamedLongestFirst()
    {
        BudgetGauge g;
        g.resize(400, g.sizeHint().height());
        g.setBudget(sampleBudget());
        QCOMPARE(g.queueText(), QStringLiteral("waiting: web-7"));
        // More waiting than named: the longest waits first, then a count.
        ServiceBudget b;
        b.service = QStringLiteral("web");
        b.maxOffline = MaxOffline::count(1);
        b.instances = 12;
        b.holders = QStringList { "web-1" };
        b.offline = { { "web-1", "maintenance: baton job 5" } };
        QList<BudgetRun> runs { { 5, "web-1", "web", NodeRunState::InMaintenance, T0, false } };
        for (int i = 0; i < 6; ++i)
            runs.append({ 5, QStringLiteral("web-%1").arg(i + 2), "web", NodeRunState::WaitingForSlot,
                T0 + 100 - i * 10, false });
        g.setQueueNames(3);
        g.setBudget(CapacityBudget::compute(b, 5, runs));
        QCOMPARE(g.queueText(), QStringLiteral("waiting: web-7, web-6, web-5 +3"));
        // Drawn under the bar: the gauge with a queue paints more than the same gauge without one.
        QImage with(g.size(), QImage::Format_ARGB32_Premultiplied);
        g.render(&with);
        runs.resize(1);
        g.setBudget(CapacityBudget::compute(b, 5, runs));
        QCOMPARE(g.queueText(), QString());
        QImage without(g.size(), QImage::Format_ARGB32_Premultiplied);
        g.render(&without);
        QVERIFY(with != without);
    }

    void equalBudgetDoesNotRepaint()
    {
        BudgetGauge g;
        g.resize(400, g.sizeHint().height());
        PaintCounter counter;
        g.installEventFilter(&counter);
        g.show();
        QVERIFY(QTest::qWaitForWindowExposed(&g));
        g.setBudget(sampleBudget());
        QTRY_VERIFY(counter.paints > 0);
        QTest::qWait(50);
        const int paints = counter.paints;
        QCOMPARE(g.changeCount(), 1);
        for (int i = 0; i < 10; ++i)
            g.setBudget(sampleBudget());
        QTest::qWait(50);
        QCOMPARE(g.changeCount(), 1);
        QCOMPARE(counter.paints, paints);
        g.setBudget(sampleBudget("4"));
        QCOMPARE(g.changeCount(), 2);
        QTRY_VERIFY(counter.paints > paints);
    }

    void manySlotsBecomeAProportionalBar()
    {
        ServiceBudget b;
        b.service = QStringLiteral("big");
        b.maxOffline = MaxOffline::count(300);
        b.instances = 1000;
        for (int i = 0; i < 150; ++i)
            b.offline << OfflinePeer { QStringLiteral("big-%1").arg(i), QStringLiteral("critical: disk") };
        BudgetGauge g;
        g.resize(300, g.sizeHint().height());
        g.setBudget(CapacityBudget::compute(b, 0, {}));
        QImage img(g.size(), QImage::Format_ARGB32_Premultiplied);
        g.render(&img); // does not draw 300 sub-pixel cells, does not crash
        int barY = -1;
        for (int y = 0; y < g.height() && barY < 0; ++y) {
            if (!g.nodeAt(QPoint(6, y)).isEmpty())
                barY = y;
        }
        QVERIFY(barY >= 0);
        QCOMPARE(g.nodeAt(QPoint(6, barY)), QStringLiteral("big-0")); // natural order: big-0, big-1, big-2, …
        QCOMPARE(g.nodeAt(QPoint(8, barY)), QStringLiteral("big-2"));
        QVERIFY(g.nodeAt(QPoint(g.width() - 10, barY)).isEmpty()); // the free half
    }

    void frozenAndEmpty()
    {
        ServiceBudget b;
        b.service = QStringLiteral("db");
        b.maxOffline = MaxOffline::freeze();
        b.instances = 3;
        BudgetGauge g;
        g.resize(300, g.sizeHint().height());
        g.setBudget(CapacityBudget::compute(b, 0, {}));
        QVERIFY(g.budget().isFrozen());
        QImage img(g.size(), QImage::Format_ARGB32_Premultiplied);
        g.render(&img);
        BudgetGauge empty;
        empty.resize(10, 10);
        empty.render(&img);
        QVERIFY(empty.nodeAt(QPoint(5, 5)).isEmpty());
    }

    void scalesForTheWall()
    {
        BudgetGauge g;
        const QSize normal = g.sizeHint();
        g.setFontScale(2.0);
        QVERIFY(g.sizeHint().height() > normal.height() * 3 / 2);
    }
};

QTEST_MAIN(tst_BudgetGauge)
#include "tst_budgetgauge.moc"
