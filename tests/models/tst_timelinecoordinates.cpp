#include "models/timelinecoordinates.h"

#include <QTest>

using namespace Baton::Timeline;

class tst_TimelineCoordinates : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void timeToPixel_data()
    {
        QTest::addColumn<qint64>("t");
        QTest::addColumn<qint64>("start");
        QTest::addColumn<qint64>("end");
        QTest::addColumn<double>("width");
        QTest::addColumn<double>("x");
        const qint64 s = 1'790'000'000'000;
        // Unzoomed: one hour across 1800 px (2 s per pixel).
        QTest::newRow("unzoomed at 0") << s << s << s + 3'600'000 << 1800.0 << 0.0;
        QTest::newRow("unzoomed at half") << s + 1'800'000 << s << s + 3'600'000 << 1800.0 << 900.0;
        QTest::newRow("unzoomed at max") << s + 3'600'000 << s << s + 3'600'000 << 1800.0 << 1800.0;
        QTest::newRow("unzoomed before") << s - 2'000 << s << s + 3'600'000 << 1800.0 << -1.0;
        // Zoomed in 100×: 36 s across the same width, starting half an hour in.
        const qint64 z = s + 1'800'000;
        QTest::newRow("zoomed at 0") << z << z << z + 36'000 << 1800.0 << 0.0;
        QTest::newRow("zoomed at half") << z + 18'000 << z << z + 36'000 << 1800.0 << 900.0;
        QTest::newRow("zoomed at max") << z + 36'000 << z << z + 36'000 << 1800.0 << 1800.0;
        QTest::newRow("zoomed one ms") << z + 1 << z << z + 36'000 << 1800.0 << 0.05;
        QTest::newRow("degenerate range") << s << s << s << 1800.0 << 0.0;
        QTest::newRow("reversed range") << s << s + 10 << s << 1800.0 << 0.0;
        QTest::newRow("zero width") << s + 5 << s << s + 10 << 0.0 << 0.0;
    }

    void timeToPixel()
    {
        QFETCH(qint64, t);
        QFETCH(qint64, start);
        QFETCH(qint64, end);
        QFETCH(double, width);
        QFETCH(double, x);
        QCOMPARE(Baton::Timeline::timeToPixel(t, start, end, width), x);
    }

    void pixelToTime_data()
    {
        QTest::addColumn<double>("x");
        QTest::addColumn<qint64>("start");
        QTest::addColumn<qint64>("end");
        QTest::addColumn<double>("width");
        QTest::addColumn<qint64>("t");
        const qint64 s = 1'790'000'000'000;
        QTest::newRow("unzoomed at 0") << 0.0 << s << s + 3'600'000 << 1800.0 << s;
        QTest::newRow("unzoomed at half") << 900.0 << s << s + 3'600'000 << 1800.0 << s + 1'800'000;
        QTest::newRow("unzoomed at max") << 1800.0 << s << s + 3'600'000 << 1800.0 << s + 3'600'000;
        QTest::newRow("unzoomed mid-pixel floors") << 900.25 << s << s + 3'600'000 << 1800.0 << s + 1'800'500;
        const qint64 z = s + 1'800'000;
        QTest::newRow("zoomed at 0") << 0.0 << z << z + 36'000 << 1800.0 << z;
        QTest::newRow("zoomed at half") << 900.0 << z << z + 36'000 << 1800.0 << z + 18'000;
        QTest::newRow("zoomed at max") << 1800.0 << z << z + 36'000 << 1800.0 << z + 36'000;
        QTest::newRow("left of view") << -100.0 << z << z + 36'000 << 1800.0 << z - 2'000;
        QTest::newRow("degenerate") << 500.0 << s << s << 1800.0 << s;
        QTest::newRow("zero width") << 500.0 << s << s + 10 << 0.0 << s;
    }

    void pixelToTime()
    {
        QFETCH(double, x);
        QFETCH(qint64, start);
        QFETCH(qint64, end);
        QFETCH(double, width);
        QFETCH(qint64, t);
        QCOMPARE(Baton::Timeline::pixelToTime(x, start, end, width), t);
    }

    void roundTripStaysWithinOnePixel()
    {
        const qint64 s = 1'790'000'000'000;
        const qint64 e = s + 7 * 86'400'000LL;
        for (double x : { 0.0, 1.0, 333.0, 959.5, 1919.0 }) {
            const qint64 t = Baton::Timeline::pixelToTime(x, s, e, 1920);
            QVERIFY(std::abs(Baton::Timeline::timeToPixel(t, s, e, 1920) - x) < 1.0);
        }
    }

    void msPerPixel()
    {
        QCOMPARE(Baton::Timeline::msPerPixel(0, 3'600'000, 1800), 2000.0);
        QCOMPARE(Baton::Timeline::msPerPixel(0, 0, 1800), 0.0);
    }

    void rowAt_data()
    {
        QTest::addColumn<double>("y");
        QTest::addColumn<double>("scroll");
        QTest::addColumn<double>("rowHeight");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("row");
        QTest::newRow("top") << 0.0 << 0.0 << 20.0 << 100 << 0;
        QTest::newRow("inside first") << 19.9 << 0.0 << 20.0 << 100 << 0;
        QTest::newRow("second") << 20.0 << 0.0 << 20.0 << 100 << 1;
        QTest::newRow("half scrolled") << 0.0 << 1000.0 << 20.0 << 100 << 50;
        QTest::newRow("last") << 1999.0 << 0.0 << 20.0 << 100 << 99;
        QTest::newRow("past last") << 2000.0 << 0.0 << 20.0 << 100 << -1;
        QTest::newRow("above") << -1.0 << 0.0 << 20.0 << 100 << -1;
        QTest::newRow("no rows") << 5.0 << 0.0 << 20.0 << 0 << -1;
        QTest::newRow("zero height") << 5.0 << 0.0 << 0.0 << 10 << -1;
    }

    void rowAt()
    {
        QFETCH(double, y);
        QFETCH(double, scroll);
        QFETCH(double, rowHeight);
        QFETCH(int, rows);
        QFETCH(int, row);
        QCOMPARE(Baton::Timeline::rowAt(y, scroll, rowHeight, rows), row);
    }

    void niceTickStep_data()
    {
        QTest::addColumn<double>("msPerPx");
        QTest::addColumn<double>("spacing");
        QTest::addColumn<qint64>("step");
        QTest::newRow("1 ms/px, 80 px") << 1.0 << 80.0 << qint64(100);
        QTest::newRow("100 ms/px, 80 px") << 100.0 << 80.0 << qint64(10'000);
        QTest::newRow("2 s/px, 80 px") << 2000.0 << 80.0 << qint64(300'000);
        QTest::newRow("exact fit") << 125.0 << 80.0 << qint64(10'000);
        QTest::newRow("a week") << 400'000.0 << 100.0 << qint64(43'200'000);
        QTest::newRow("a year") << 20'000'000.0 << 100.0 << qint64(86'400'000LL * 24);
        QTest::newRow("degenerate") << 0.0 << 80.0 << qint64(100);
    }

    void niceTickStep()
    {
        QFETCH(double, msPerPx);
        QFETCH(double, spacing);
        QFETCH(qint64, step);
        QCOMPARE(Baton::Timeline::niceTickStep(msPerPx, spacing), step);
        QVERIFY(double(step) >= msPerPx * spacing);
    }

    void firstTickIsAlignedToLocalTime()
    {
        // 10:03:20 local with a +01:00 offset; 5-minute ticks fall on 10:05 local.
        const qint64 offset = 3'600'000;
        const qint64 localMidnightUtc = 1'789'948'800'000 - offset; // arbitrary day, midnight local
        const qint64 t = localMidnightUtc + (10 * 3600 + 3 * 60 + 20) * 1000LL;
        const qint64 tick = Baton::Timeline::firstTick(t, 300'000, offset);
        QCOMPARE(tick, localMidnightUtc + (10 * 3600 + 5 * 60) * 1000LL);
        QCOMPARE(Baton::Timeline::firstTick(tick, 300'000, offset), tick);
        QCOMPARE(Baton::Timeline::firstTick(t, 0, offset), t);
    }

    void formatDuration_data()
    {
        QTest::addColumn<qint64>("ms");
        QTest::addColumn<QString>("text");
        QTest::newRow("negative") << qint64(-5) << "0.0 s";
        QTest::newRow("sub-second") << qint64(400) << "0.4 s";
        QTest::newRow("seconds") << qint64(42'000) << "42 s";
        QTest::newRow("minutes") << qint64(185'000) << "3 min 05 s";
        QTest::newRow("hours") << qint64(2 * 3'600'000 + 7 * 60'000) << "2 h 07 min";
        QTest::newRow("days") << qint64(3 * 86'400'000LL + 4 * 3'600'000) << "3 d 4 h";
    }

    void formatDuration()
    {
        QFETCH(qint64, ms);
        QFETCH(QString, text);
        QCOMPARE(Baton::Timeline::formatDuration(ms), text);
    }
};

QTEST_GUILESS_MAIN(tst_TimelineCoordinates)
#include "tst_timelinecoordinates.moc"
