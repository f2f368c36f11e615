#include "models/capacityhistory.h"
#include "support/testpaths.h"
#include "widgets/chart.h"
#include "widgets/chartcapacity.h"

#include <QChartView>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

using namespace Baton;

namespace {
constexpr qint64 T0 = 1'790'000'000'000;

QList<QPointF> wave(int n)
{
    QList<QPointF> pts;
    pts.reserve(n);
    for (int i = 0; i < n; ++i)
        pts << QPointF(double(T0 + i * 100), (i * 37) % 11);
    return pts;
}
} // namespace

class tst_Chart : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void replacementsAreRateLimited()
    {
        Chart chart;
        const int s = chart.addSeries({ "a", Qt::red });
        chart.setMaxUpdatesPerSecond(4);
        for (int i = 0; i < 100; ++i)
            chart.setPoints(s, wave(10 + i));
        QVERIFY(chart.hasPendingUpdate());
        QCOMPARE(chart.replaceCount(), 0); // nothing is drawn per call
        QTRY_COMPARE(chart.replaceCount(), 1);
        QCOMPARE(chart.pointCount(s), 109); // the last one wins
        QElapsedTimer t;
        t.start();
        chart.setPoints(s, wave(5));
        QTRY_COMPARE(chart.replaceCount(), 2);
        // The second replacement waited for the interval (a timer never fires more than 5% early).
        QVERIFY2(t.elapsed() >= 200, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(chart.pointCount(s), 5);
    }

    void atMostTenThousandPointsPerSeries()
    {
        Chart chart;
        const int s = chart.addSeries({ "a", Qt::red });
        QList<QPointF> many = wave(50'000);
        many[12'345].setY(99);
        chart.setPoints(s, many);
        chart.flush();
        QVERIFY(chart.pointCount(s) <= Chart::kMaxPointsPerSeries);
        QVERIFY(chart.pointCount(s) > Chart::kMaxPointsPerSeries / 2);
        const QList<QPointF> shown = chart.points(s);
        QCOMPARE(std::max_element(shown.begin(), shown.end(), [](auto a, auto b) { return a.y() < b.y(); })->y(), 99.0);
        QCOMPARE(shown.constFirst(), many.constFirst());
        QCOMPARE(shown.constLast(), many.constLast());
    }

    void nothingAnimatesOrSmooths()
    {
        // A live wall display redraws nothing between replacements: no animation (which would repaint for a
        // second after every update) and no antialiasing (raster, no OpenGL assumed). The adapter's own view is
        // inspected here; the test may name Qt Charts, the product outside chart.cpp may not.
        Chart chart;
        chart.addSeries({ "a", Qt::red });
        const QList<QChartView *> views = chart.findChildren<QChartView *>();
        QCOMPARE(views.size(), 1);
        QCOMPARE(views.constFirst()->chart()->animationOptions(), QChart::NoAnimation);
        QVERIFY(!views.constFirst()->renderHints().testFlag(QPainter::Antialiasing));
        // Replacing the series does not switch either on.
        chart.setPoints(0, wave(100));
        chart.flush();
        QCOMPARE(views.constFirst()->chart()->animationOptions(), QChart::NoAnimation);
        QCOMPARE(views.constFirst()->chart()->series().size(), 1);
    }

    void badSeriesIndexIsIgnored()
    {
        Chart chart;
        chart.setPoints(3, wave(10));
        chart.setPoints(-1, wave(10));
        QVERIFY(!chart.hasPendingUpdate());
        QCOMPARE(chart.pointCount(3), 0);
        chart.setTimeRange(10, 5); // reversed: ignored
        chart.setValueRange(3, 3);
        QVERIFY(!chart.hasPendingUpdate());
    }

    void capacityChartFollowsItsHistory()
    {
        CapacityHistory history(QStringLiteral("web"));
        qint64 now = T0 + 600'000;
        ChartCapacity view;
        view.setClock([&now] { return now; });
        view.setWindow(600'000);
        view.setHistory(&history);
        CapacitySample s;
        s.atMs = T0 + 60'000;
        s.instances = 10;
        s.inService = 10;
        s.limit = 2;
        history.addSample(s);
        s.atMs = T0 + 120'000;
        s.inService = 8;
        s.inMaintenance = 1;
        s.critical = 1;
        history.addSample(s);
        view.chart()->flush();
        const QList<QPointF> inService = view.chart()->points(ChartCapacity::InService);
        QCOMPARE(inService.constFirst(), QPointF(double(T0 + 60'000), 10));
        QCOMPARE(inService.constLast(), QPointF(double(now), 8));
        QCOMPARE(view.chart()->points(ChartCapacity::Floor).constFirst().y(), 8.0);
        QCOMPARE(view.chart()->points(ChartCapacity::Critical).constLast().y(), 1.0);
        QVERIFY(!view.isFollowing()); // hidden: no timer
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.isFollowing());
        view.hide();
        QVERIFY(!view.isFollowing());
    }

    void aYoungJobFillsTheChart()
    {
        CapacityHistory history(QStringLiteral("web"));
        qint64 now = T0 + 3'600'000;
        ChartCapacity view;
        view.setClock([&now] { return now; });
        view.setHistory(&history);
        view.chart()->flush();
        QCOMPARE(view.chart()->shownTimeRange(), std::make_pair(now - 30 * 60'000, now)); // no job: the window
        view.setSince(now - 40'000); // launched 40 s ago: from 10 s before the launch, at least a minute
        view.chart()->flush();
        QCOMPARE(view.chart()->shownTimeRange(), std::make_pair(now - 60'000, now));
        now += 5 * 60'000;
        view.refresh();
        view.chart()->flush();
        QCOMPARE(view.chart()->shownTimeRange(), std::make_pair(now - 5 * 60'000 - 50'000, now));
        now += 60 * 60'000; // an old job: never more than the window
        view.refresh();
        view.chart()->flush();
        QCOMPARE(view.chart()->shownTimeRange(), std::make_pair(now - 30 * 60'000, now));
    }

    void valueTicksAreWholeNumbers()
    {
        Chart chart;
        chart.setValueRange(0, 10);
        chart.flush();
        QCOMPARE(chart.valueTickInterval(), 2.0);
        chart.setValueRange(0, 4);
        chart.flush();
        QCOMPARE(chart.valueTickInterval(), 1.0);
        chart.setValueRange(0, 61);
        chart.flush();
        QCOMPARE(chart.valueTickInterval(), 11.0);
    }

    void historyDeletedUnderTheChart()
    {
        auto *history = new CapacityHistory(QStringLiteral("web"));
        ChartCapacity view;
        view.setHistory(history);
        delete history;
        QCOMPARE(view.history(), nullptr);
        view.refresh();
    }

    void onlyTheAdapterIncludesQtCharts()
    {
        // Qt Charts is deprecated: it must stay swappable, so exactly one file of the product uses it.
        const QString root = TestPaths::sourceDir();
        QVERIFY(!root.isEmpty());
        const QRegularExpression use(QStringLiteral("#\\s*include\\s*[<\"](QtCharts|QChart|QLineSeries|QValueAxis|"
                                                    "QDateTimeAxis|QAbstractSeries|QXYSeries|QAreaSeries|QBarSeries)"));
        QStringList offenders;
        for (const QString dir : { "app", "widgets", "models", "core", "service", "tools" }) {
            QDirIterator it(root + "/" + dir, { "*.cpp", "*.h" }, QDir::Files, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                if (path.endsWith("/widgets/chart.cpp"))
                    continue;
                QFile f(path);
                if (f.open(QIODevice::ReadOnly) && use.match(QString::fromUtf8(f.readAll())).hasMatch())
                    offenders << path;
            }
        }
        QVERIFY2(offenders.isEmpty(), qPrintable(offenders.join(", ")));
    }
};

QTEST_MAIN(tst_Chart)
#include "tst_chart.moc"
