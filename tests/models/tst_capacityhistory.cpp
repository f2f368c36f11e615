#include "models/capacityhistory.h"

#include <QSignalSpy>
#include <QTest>

using namespace Baton;

namespace {
constexpr qint64 T0 = 1'790'000'000'000;

CapacitySample sample(qint64 at, int inService, int maintenance, int critical, int instances = 10, int limit = 2)
{
    CapacitySample s;
    s.atMs = at;
    s.instances = instances;
    s.inService = inService;
    s.inMaintenance = maintenance;
    s.critical = critical;
    s.limit = limit;
    return s;
}
} // namespace

class tst_CapacityHistory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sampleFromBudget()
    {
        ServiceBudget b;
        b.service = QStringLiteral("web");
        b.maxOffline = MaxOffline::percent(25);
        b.instances = 12;
        b.holders = QStringList { "web-1" };
        b.offline = { { "web-1", "maintenance: baton job 4 by alice" }, { "web-2", "maintenance" },
            { "web-5", "critical: http" } };
        const CapacitySample s = CapacitySample::fromBudget(T0, b);
        QCOMPARE(s.instances, 12);
        QCOMPARE(s.inMaintenance, 2);
        QCOMPARE(s.critical, 1);
        QCOMPARE(s.inService, 9);
        QCOMPARE(s.limit, 3);
        QCOMPARE(s.floor(), 9);
    }

    void onlyChangesAreStored()
    {
        CapacityHistory h("web");
        QSignalSpy changed(&h, &CapacityHistory::changed);
        QVERIFY(h.addSample(sample(T0, 10, 0, 0)));
        QVERIFY(!h.addSample(sample(T0 + 1000, 10, 0, 0))); // a blocking query answered with the same data
        QVERIFY(h.addSample(sample(T0 + 2000, 9, 1, 0)));
        QCOMPARE(h.sampleCount(), 2);
        QCOMPARE(changed.count(), 2);
        // Older than the last: taken as happening at the last one's time, replacing it.
        QVERIFY(h.addSample(sample(T0 + 1500, 8, 2, 0)));
        QCOMPARE(h.sampleCount(), 2);
        QCOMPARE(h.sample(1).atMs, T0 + 2000);
        QCOMPARE(h.sample(1).inService, 8);
    }

    void boundedByCountAndAge()
    {
        CapacityHistory h;
        h.setMaxSamples(100);
        for (int i = 0; i < 1000; ++i)
            h.addSample(sample(T0 + i * 1000, i % 2 ? 9 : 10, i % 2, 0));
        QCOMPARE(h.sampleCount(), 100);
        QCOMPARE(h.lastTime(), T0 + 999'000);
        h.setMaxSamples(100'000);
        h.setRetention(10'000);
        // Samples older than ten seconds go, but the one holding at the window's start stays.
        QCOMPARE(h.firstTime(), T0 + 989'000);
        QCOMPARE(h.sampleCount(), 11);
    }

    void stepPoints()
    {
        CapacityHistory h;
        h.addSample(sample(T0, 10, 0, 0));
        h.addSample(sample(T0 + 1000, 9, 1, 0));
        h.addSample(sample(T0 + 2000, 9, 0, 1)); // in service unchanged, no corner for it
        h.addSample(sample(T0 + 3000, 10, 0, 0));
        const QList<QPointF> pts = h.points(CapacitySeries::InService, T0 - 5000, T0 + 5000, 1000);
        const QList<QPointF> expected { { double(T0), 10 }, { double(T0 + 1000), 10 }, { double(T0 + 1000), 9 },
            { double(T0 + 3000), 9 }, { double(T0 + 3000), 10 }, { double(T0 + 5000), 10 } };
        QCOMPARE(pts, expected);
        // A window starting later begins with the value holding then.
        const QList<QPointF> late = h.points(CapacitySeries::Critical, T0 + 2500, T0 + 2800, 1000);
        QCOMPARE(late, (QList<QPointF> { { double(T0 + 2500), 1 }, { double(T0 + 2800), 1 } }));
        const QList<QPointF> floor = h.points(CapacitySeries::Floor, T0, T0 + 100, 1000);
        QCOMPARE(floor.constFirst().y(), 8.0);
        QVERIFY(h.points(CapacitySeries::InService, T0 + 10, T0, 100).isEmpty());
        QVERIFY(CapacityHistory().points(CapacitySeries::InService, T0, T0 + 10, 100).isEmpty());
    }

    void downsampleKeepsExtremesAndBound_data()
    {
        QTest::addColumn<int>("points");
        QTest::addColumn<int>("max");
        QTest::newRow("under the bound") << 100 << 1000;
        QTest::newRow("10x over") << 40'000 << 10'000;
        QTest::newRow("tiny bound") << 5000 << 1;
    }

    void downsampleKeepsExtremesAndBound()
    {
        QFETCH(int, points);
        QFETCH(int, max);
        QList<QPointF> in;
        for (int i = 0; i < points; ++i)
            in << QPointF(i, (i * 7919) % 101);
        in[points / 3].setY(-50); // one spike down
        in[points / 2].setY(500); // one spike up
        const QList<QPointF> out = Capacity::downsampleMinMax(in, max);
        QVERIFY(out.size() <= std::max(4, max) || out.size() == in.size());
        QCOMPARE(out.constFirst(), in.constFirst());
        QCOMPARE(out.constLast(), in.constLast());
        double lo = 1e9;
        double hi = -1e9;
        for (int i = 0; i < out.size(); ++i) {
            lo = std::min(lo, out[i].y());
            hi = std::max(hi, out[i].y());
            if (i > 0)
                QVERIFY(out[i].x() >= out[i - 1].x());
        }
        QCOMPARE(lo, -50.0);
        QCOMPARE(hi, 500.0);
    }

    void tenThousandPointsAtMost()
    {
        CapacityHistory h;
        for (int i = 0; i < 30'000; ++i)
            h.addSample(sample(T0 + i * 1000, 10 - (i % 3), i % 3, 0));
        const QList<QPointF> pts = h.points(CapacitySeries::InService, T0, T0 + 30'000'000, 10'000);
        QVERIFY(pts.size() <= 10'000);
        QVERIFY(pts.size() > 5'000);
    }
};

QTEST_GUILESS_MAIN(tst_CapacityHistory)
#include "tst_capacityhistory.moc"
