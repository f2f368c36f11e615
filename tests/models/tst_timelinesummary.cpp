#include "models/timelinemodel.h"
#include "models/timelinesummary.h"
#include "support/timelinefixtures.h"

#include <QTest>

using namespace Baton;
using namespace Baton::Timeline;

namespace {

constexpr qint64 T0 = 1'790'000'000'000 - (1'790'000'000'000 % 1024); // aligned to 1024 ms buckets

std::vector<int> perPixel(const std::vector<Run> &runs, int width)
{
    std::vector<int> px(std::size_t(width), 0);
    for (const Run &r : runs)
        for (int x = r.x0; x < r.x1; ++x)
            px[std::size_t(x)] = priority(r.style);
    return px;
}

Job finishedDense(int lanes, int segments, qint64 meanMs, quint32 seed)
{
    Job j = TimelineFixtures::denseJob(lanes, segments, T0, meanMs, seed);
    j.state = JobState::Succeeded;
    qint64 end = T0;
    for (const NodeRun &r : j.nodes)
        end = std::max(end, r.transitions.constLast().atMs + meanMs);
    j.finishedAtMs = end;
    return j;
}

} // namespace

class tst_TimelineSummary : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void levelFor_data()
    {
        QTest::addColumn<double>("msPerPx");
        QTest::addColumn<int>("level");
        QTest::newRow("sub-millisecond") << 0.5 << -1;
        QTest::newRow("one") << 1.0 << 0;
        QTest::newRow("just under 1024") << 1023.9 << 9;
        QTest::newRow("1024") << 1024.0 << 10;
        QTest::newRow("1500") << 1500.0 << 10;
        QTest::newRow("degenerate") << 0.0 << -1;
    }

    void levelFor()
    {
        QFETCH(double, msPerPx);
        QFETCH(int, level);
        QCOMPARE(Summary::levelFor(msPerPx), level);
    }

    void alignedSpansGiveTheExactPicture()
    {
        // Every span starts and ends on a 1024 ms bucket edge and a pixel is one bucket: no rounding anywhere.
        Job j;
        j.id = 1;
        j.createdAtMs = T0;
        j.state = JobState::Succeeded;
        static const NodeRunState cycle[] = { NodeRunState::Queued, NodeRunState::WaitingForSlot,
            NodeRunState::InMaintenance, NodeRunState::Verifying, NodeRunState::Failed };
        for (int l = 0; l < 5; ++l) {
            NodeRun r;
            r.node = QStringLiteral("n-%1").arg(l);
            r.service = QStringLiteral("s");
            qint64 t = T0;
            for (int k = 0; k < 60; ++k) {
                r.transitions << StateTransition { cycle[(k + l) % 5], t, QString() };
                t += 1024 * (1 + (k * 7 + l) % 4);
            }
            r.state = r.transitions.constLast().state;
            j.nodes << r;
            j.finishedAtMs = std::max(j.finishedAtMs, t);
        }
        TimelineModel m;
        m.setJob(j);
        const RunWindow w { T0, T0 + 1024 * 200, 200, j.finishedAtMs };
        std::vector<Run> exact;
        std::vector<quint8> scratch;
        aggregateRuns(m, 0, 5, w, exact, scratch);
        Summary s;
        s.build(m, 0, 5, Summary::levelFor(1024), w.rangeStart - 1024 * 200, w.rangeEnd + 1024 * 200, 7);
        std::vector<Run> fromSummary;
        s.runs(m, 0, 5, w, fromSummary, scratch);
        QCOMPARE(fromSummary, exact);
    }

    void denseJobWithinAPixelOfExact()
    {
        TimelineModel m;
        m.setJob(finishedDense(13, 2000, 1000, 3));
        const qint64 end = m.job().finishedAtMs;
        const int width = 1700;
        const RunWindow w { T0, end, width, end };
        std::vector<Run> exact;
        std::vector<quint8> scratch;
        aggregateRuns(m, 0, 13, w, exact, scratch);
        const double msPerPx = double(end - T0) / width;
        Summary s;
        const qint64 len = end - T0;
        s.build(m, 0, 13, Summary::levelFor(msPerPx), T0 - len, end + len, 1);
        std::vector<Run> approx;
        s.runs(m, 0, 13, w, approx, scratch);
        const std::vector<int> a = perPixel(exact, width);
        const std::vector<int> b = perPixel(approx, width);
        int differing = 0;
        for (int x = 0; x < width; ++x) {
            if (a[std::size_t(x)] == b[std::size_t(x)])
                continue;
            ++differing;
            // Only next to an edge of the exact picture, and never less significant than what is there.
            const bool edge = (x > 0 && a[std::size_t(x - 1)] != a[std::size_t(x)])
                || (x + 1 < width && a[std::size_t(x + 1)] != a[std::size_t(x)]);
            QVERIFY2(edge,
                qPrintable(
                    QString("pixel %1: exact %2, summary %3").arg(x).arg(a[std::size_t(x)]).arg(b[std::size_t(x)])));
        }
        QVERIFY2(differing < width / 5, qPrintable(QString::number(differing)));
    }

    void openSpansGoToNow()
    {
        Job j;
        j.id = 1;
        j.createdAtMs = T0;
        j.state = JobState::Running;
        NodeRun r;
        r.node = QStringLiteral("a");
        r.service = QStringLiteral("s");
        r.transitions = { { NodeRunState::Queued, T0, {} }, { NodeRunState::InMaintenance, T0 + 10 * 1024, {} } };
        r.state = NodeRunState::InMaintenance;
        NodeRun q = r;
        q.node = QStringLiteral("b");
        q.transitions = { { NodeRunState::Queued, T0, {} } };
        q.state = NodeRunState::Queued;
        j.nodes << r << q;
        TimelineModel m;
        m.setJob(j);
        const RunWindow w { T0, T0 + 100 * 1024, 100, T0 + 50 * 1024 };
        Summary s;
        s.build(m, 0, 2, 10, T0 - 100 * 1024, T0 + 200 * 1024, 1);
        std::vector<Run> runs;
        std::vector<quint8> scratch;
        s.runs(m, 0, 2, w, runs, scratch);
        const std::vector<Run> expected { { 0, 10, styleOf(NodeRunState::Queued) },
            { 10, 50, styleOf(NodeRunState::InMaintenance) } };
        QCOMPARE(runs, expected);
    }

    void validity()
    {
        TimelineModel m;
        m.setJob(finishedDense(2, 50, 1000, 1));
        Summary s;
        QVERIFY(!s.isValidFor(1, 10, T0, T0 + 1000));
        s.build(m, 0, 2, 10, T0 - 100'000, T0 + 200'000, 5);
        QVERIFY(s.isValidFor(5, 10, T0, T0 + 100'000));
        QVERIFY(s.isValidFor(5, 10, T0 - 90'000, T0 + 150'000));
        QVERIFY(!s.isValidFor(6, 10, T0, T0 + 100'000)); // a lane changed
        QVERIFY(!s.isValidFor(5, 11, T0, T0 + 100'000)); // another zoom level
        QVERIFY(!s.isValidFor(5, 10, T0 + 150'000, T0 + 250'000)); // left the window
        QVERIFY(s.bucketCount() <= 300'000 / 1024 + 2);
        s.build(m, 0, 2, -1, T0, T0 + 10, 5);
        QVERIFY(!s.isValidFor(5, -1, T0, T0 + 10));
    }
};

QTEST_GUILESS_MAIN(tst_TimelineSummary)
#include "tst_timelinesummary.moc"
