#include "models/timelinezoom.h"

#include <QSignalSpy>
#include <QTest>

using namespace Baton;

namespace {
constexpr qint64 T0 = 1'790'000'000'000;
}

class tst_TimelineZoom : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void traceGivesTheFirstRange()
    {
        TimelineZoom z;
        QSignalSpy range(&z, &TimelineZoom::rangeChanged);
        z.setTrace(T0, T0 + 60'000);
        QCOMPARE(range.count(), 1);
        QCOMPARE(z.rangeStart(), T0);
        QCOMPARE(z.rangeEnd(), T0 + 60'000);
        QCOMPARE(z.follow(), TimelineZoom::Follow::Off);
    }

    void zoomKeepsTheAnchorInPlace()
    {
        TimelineZoom z;
        z.setRange(T0, T0 + 100'000);
        z.zoom(0.5, T0 + 25'000);
        QCOMPARE(z.rangeStart(), T0 + 12'500);
        QCOMPARE(z.rangeEnd(), T0 + 62'500);
        z.zoom(2.0, T0 + 25'000);
        QCOMPARE(z.rangeStart(), T0);
        QCOMPARE(z.rangeEnd(), T0 + 100'000);
    }

    void zoomIsBounded()
    {
        TimelineZoom z;
        z.setRange(T0, T0 + 10'000);
        for (int i = 0; i < 50; ++i)
            z.zoom(0.1, T0 + 5'000);
        QCOMPARE(z.rangeLength(), TimelineZoom::kMinWindowMs);
        for (int i = 0; i < 50; ++i)
            z.zoom(10, T0);
        QCOMPARE(z.rangeLength(), TimelineZoom::kMaxWindowMs);
        QSignalSpy range(&z, &TimelineZoom::rangeChanged);
        z.zoom(0, T0);
        z.zoom(-1, T0);
        QCOMPARE(range.count(), 0);
    }

    void followWindowSlidesInSteps()
    {
        TimelineZoom z;
        z.setRange(T0, T0 + 640'000); // 64 steps of 10 s
        z.setNow(T0 + 101'000);
        QSignalSpy range(&z, &TimelineZoom::rangeChanged);
        QSignalSpy follow(&z, &TimelineZoom::followChanged);
        z.setFollow(TimelineZoom::Follow::Window);
        QCOMPARE(follow.count(), 1);
        QCOMPARE(z.rangeLength(), 640'000);
        QVERIFY(z.rangeEnd() > T0 + 101'000);
        QVERIFY(z.rangeEnd() - (T0 + 101'000) <= 640'000 / 32 + 10'000);
        QCOMPARE(z.rangeEnd() % 10'000, 0);
        const int before = range.count();
        // A second later the range has not moved (the now line moves, the cached picture stays valid)...
        z.setNow(T0 + 102'000);
        QCOMPARE(range.count(), before);
        // ...a step later it has.
        z.setNow(T0 + 111'000);
        QCOMPARE(range.count(), before + 1);
        QVERIFY(z.rangeEnd() > T0 + 111'000);
    }

    void userActionsStopFollowing()
    {
        TimelineZoom z;
        z.setRange(T0, T0 + 60'000);
        z.setFollow(TimelineZoom::Follow::Window);
        QSignalSpy follow(&z, &TimelineZoom::followChanged);
        z.pan(-5'000);
        QCOMPARE(z.follow(), TimelineZoom::Follow::Off);
        QCOMPARE(follow.count(), 1);
        z.setFollow(TimelineZoom::Follow::Window);
        z.setRange(T0, T0 + 1'000'000);
        QCOMPARE(z.follow(), TimelineZoom::Follow::Off);
        z.pan(0); // no-op
        QCOMPARE(follow.count(), 3);
    }

    void zoomWhileFollowingKeepsFollowing()
    {
        TimelineZoom z;
        z.setTrace(T0, T0 + 600'000);
        z.setNow(T0 + 600'000);
        z.setFollow(TimelineZoom::Follow::Trace);
        QCOMPARE(z.rangeStart(), T0);
        QVERIFY(z.rangeEnd() > T0 + 600'000);
        z.zoom(0.5, T0);
        QCOMPARE(z.follow(), TimelineZoom::Follow::Window);
        QVERIFY(z.rangeEnd() > T0 + 600'000);
        QVERIFY(z.rangeLength() < 600'000);
    }

    void followTraceGrowsWithTheJob()
    {
        TimelineZoom z;
        z.setTrace(T0, T0 + 60'000);
        z.setNow(T0 + 60'000);
        z.setFollow(TimelineZoom::Follow::Trace);
        const qint64 firstEnd = z.rangeEnd();
        QCOMPARE(z.rangeStart(), T0);
        z.setNow(T0 + 3'600'000);
        QCOMPARE(z.rangeStart(), T0);
        QVERIFY(z.rangeEnd() > T0 + 3'600'000);
        QVERIFY(z.rangeEnd() > firstEnd);
    }

    void fitTraceOfAFinishedJob()
    {
        TimelineZoom z;
        z.setTrace(T0, T0 + 100'000);
        z.setFollow(TimelineZoom::Follow::Window);
        z.fitTrace(false);
        QCOMPARE(z.follow(), TimelineZoom::Follow::Off);
        QVERIFY(z.rangeStart() < T0);
        QVERIFY(z.rangeEnd() > T0 + 100'000);
        QVERIFY(z.rangeLength() < 110'000);
    }
};

QTEST_GUILESS_MAIN(tst_TimelineZoom)
#include "tst_timelinezoom.moc"
