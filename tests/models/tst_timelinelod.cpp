#include "models/timelinelod.h"
#include "models/timelinemodel.h"
#include "support/timelinefixtures.h"

#include <QTest>

using namespace Baton;
using namespace Baton::Timeline;

namespace {

constexpr qint64 T0 = 1'790'000'000'000;

// One lane per list of (state, start offset in ms); the last state of each lane is open.
Job laneJob(const QList<QList<std::pair<NodeRunState, qint64>>> &lanes)
{
    Job j;
    j.id = 1;
    j.state = JobState::Running;
    j.createdAtMs = T0;
    int i = 0;
    for (const auto &lane : lanes) {
        NodeRun r;
        r.node = QStringLiteral("n-%1").arg(++i);
        r.service = QStringLiteral("svc");
        for (const auto &[s, off] : lane)
            r.transitions << StateTransition { s, T0 + off, QString() };
        r.state = r.transitions.constLast().state;
        r.lastEventAtMs = r.transitions.constLast().atMs;
        j.nodes << r;
    }
    return j;
}

RunWindow window(qint64 from, qint64 to, int width, qint64 now)
{
    return RunWindow { T0 + from, T0 + to, width, T0 + now };
}

void checkWellFormed(const std::vector<Run> &runs, int width)
{
    int x = 0;
    for (const Run &r : runs) {
        QVERIFY2(r.x0 >= x, "runs overlap or go backwards");
        QVERIFY(r.x1 > r.x0);
        QVERIFY(r.x1 <= width);
        QVERIFY(r.style != kNoStyle);
        x = r.x1;
    }
}

} // namespace

class tst_TimelineLod : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void priorities()
    {
        QVERIFY(priority(NodeRunState::Failed) > priority(NodeRunState::InMaintenance));
        QVERIFY(priority(NodeRunState::InMaintenance) > priority(NodeRunState::WaitingForSlot));
        QVERIFY(priority(NodeRunState::WaitingForSlot) > priority(NodeRunState::Queued));
        QVERIFY(priority(NodeRunState::Queued) > priority(NodeRunState::Succeeded));
        QCOMPARE(priority(kNoStyle), 0);
        QCOMPARE(stateOf(styleOf(NodeRunState::Verifying)), NodeRunState::Verifying);
    }

    void exactWhenZoomedIn()
    {
        TimelineModel m;
        m.setJob(laneJob({ { { NodeRunState::Queued, 0 }, { NodeRunState::Starting, 1000 },
            { NodeRunState::InMaintenance, 3000 } } }));
        std::vector<Run> runs;
        // 10 s across 1000 px: 10 ms per pixel; now at 6 s.
        laneRuns(m, 0, window(0, 10'000, 1000, 6000), runs);
        const std::vector<Run> expected { { 0, 100, styleOf(NodeRunState::Queued) },
            { 100, 300, styleOf(NodeRunState::Starting) }, { 300, 600, styleOf(NodeRunState::InMaintenance) } };
        QCOMPARE(runs, expected);
    }

    void partialWindowClipsToTheEdges()
    {
        TimelineModel m;
        m.setJob(laneJob({ { { NodeRunState::Queued, 0 }, { NodeRunState::Starting, 1000 },
            { NodeRunState::InMaintenance, 3000 } } }));
        std::vector<Run> runs;
        laneRuns(m, 0, window(2000, 4000, 200, 100'000), runs);
        const std::vector<Run> expected { { 0, 100, styleOf(NodeRunState::Starting) },
            { 100, 200, styleOf(NodeRunState::InMaintenance) } };
        QCOMPARE(runs, expected);
    }

    void openSpanEndsAtNow()
    {
        TimelineModel m;
        m.setJob(laneJob({ { { NodeRunState::InMaintenance, 0 } } }));
        std::vector<Run> runs;
        laneRuns(m, 0, window(0, 1000, 100, 250), runs);
        QCOMPARE(runs, (std::vector<Run> { { 0, 25, styleOf(NodeRunState::InMaintenance) } }));
        runs.clear();
        // Now before the window: nothing is drawn yet.
        laneRuns(m, 0, window(500, 1000, 100, 250), runs);
        QVERIFY(runs.empty());
    }

    void degenerateWindowsDrawNothing()
    {
        TimelineModel m;
        m.setJob(laneJob({ { { NodeRunState::InMaintenance, 0 } } }));
        std::vector<Run> runs;
        laneRuns(m, 0, window(0, 0, 100, 250), runs);
        laneRuns(m, 0, window(0, 1000, 0, 250), runs);
        laneRuns(m, 5, window(0, 1000, 100, 250), runs); // no such lane
        laneRuns(m, -1, window(0, 1000, 100, 250), runs);
        QVERIFY(runs.empty());
    }

    void subPixelSpansMergeIntoAtMostOneRunPerColumn()
    {
        TimelineModel m;
        // 2,000 spans of ~1 s in a 2,000 s window drawn over 200 px: ten spans per pixel.
        m.setJob(TimelineFixtures::denseJob(1, 2000, T0, 1000));
        const TimelineLane &l = m.lane(0);
        const qint64 end = l.spans.back().start;
        std::vector<Run> runs;
        laneRuns(m, 0, RunWindow { T0, end, 200, end }, runs);
        checkWellFormed(runs, 200);
        QVERIFY(runs.size() <= 200);
        // Contiguous spans leave no holes.
        QCOMPARE(runs.front().x0, 0);
        for (std::size_t i = 1; i < runs.size(); ++i)
            QCOMPARE(runs[i].x0, runs[i - 1].x1);
        QCOMPARE(runs.back().x1, 200);
        // The most significant state of the cycle (in maintenance) dominates merged pixels.
        int maintenance = 0;
        for (const Run &r : runs)
            maintenance += r.style == styleOf(NodeRunState::InMaintenance) ? r.x1 - r.x0 : 0;
        QVERIFY2(maintenance > 150, qPrintable(QString::number(maintenance)));
    }

    void aShortFailureStaysVisible()
    {
        TimelineModel m;
        // Succeeded-looking wide spans around a 1 ms failure, in a view of 10 ms per pixel.
        m.setJob(laneJob(
            { { { NodeRunState::Verifying, 0 }, { NodeRunState::Failed, 5003 }, { NodeRunState::Verifying, 5004 } } }));
        std::vector<Run> runs;
        laneRuns(m, 0, window(0, 10'000, 1000, 10'000), runs);
        checkWellFormed(runs, 1000);
        bool found = false;
        for (const Run &r : runs)
            found = found || (r.style == styleOf(NodeRunState::Failed) && r.x1 - r.x0 == 1 && r.x0 == 500);
        QVERIFY(found);
        QCOMPARE(runs.back().x1, 1000);
    }

    void aShortUnimportantStateIsDominated()
    {
        TimelineModel m;
        m.setJob(laneJob({ { { NodeRunState::InMaintenance, 0 }, { NodeRunState::Queued, 5003 },
            { NodeRunState::InMaintenance, 5004 } } }));
        std::vector<Run> runs;
        laneRuns(m, 0, window(0, 10'000, 1000, 10'000), runs);
        QCOMPARE(runs, (std::vector<Run> { { 0, 1000, styleOf(NodeRunState::InMaintenance) } }));
    }

    void mergedRunOfTinySpansGrowsToAPixel()
    {
        TimelineModel m;
        // Five 3 ms spans (0.3 px each) after a wide one: they merge into one 1-2 px run of the top state.
        m.setJob(laneJob(
            { { { NodeRunState::Queued, 0 }, { NodeRunState::Starting, 5000 }, { NodeRunState::WaitingForSlot, 5003 },
                { NodeRunState::Starting, 5006 }, { NodeRunState::WaitingForSlot, 5009 },
                { NodeRunState::Starting, 5012 }, { NodeRunState::Queued, 5015 } } }));
        std::vector<Run> runs;
        laneRuns(m, 0, window(0, 10'000, 1000, 10'000), runs);
        checkWellFormed(runs, 1000);
        // The 15 ms of short states (1.5 px) become one or two pixels led by the most significant of them, with
        // no hole and nothing taken from the wide spans beyond that.
        QCOMPARE(runs.front(), (Run { 0, 500, styleOf(NodeRunState::Queued) }));
        QCOMPARE(runs.back().x1, 1000);
        int shortPixels = 0;
        bool waiting = false;
        for (std::size_t i = 1; i + 1 < runs.size(); ++i) {
            QCOMPARE(runs[i].x0, runs[i - 1].x1);
            shortPixels += runs[i].x1 - runs[i].x0;
            waiting = waiting || runs[i].style == styleOf(NodeRunState::WaitingForSlot);
        }
        QVERIFY(shortPixels >= 1 && shortPixels <= 2);
        QVERIFY(waiting);
        QCOMPARE(runs[1].style, styleOf(NodeRunState::WaitingForSlot));
    }

    void aggregatedRowShowsTheWorstStatePerColumn()
    {
        TimelineModel m;
        m.setJob(laneJob({
            { { NodeRunState::Succeeded, 0 } },
            { { NodeRunState::Queued, 0 }, { NodeRunState::InMaintenance, 4000 }, { NodeRunState::Succeeded, 6000 } },
            { { NodeRunState::Queued, 0 }, { NodeRunState::Failed, 8000 } },
        }));
        std::vector<Run> runs;
        std::vector<quint8> scratch;
        aggregateRuns(m, 0, 3, window(0, 10'000, 100, 10'000), runs, scratch);
        const std::vector<Run> expected {
            { 0, 40, styleOf(NodeRunState::Queued) },
            { 40, 60, styleOf(NodeRunState::InMaintenance) },
            { 60, 80, styleOf(NodeRunState::Queued) },
            { 80, 100, styleOf(NodeRunState::Failed) },
        };
        QCOMPARE(runs, expected);
        // One lane "aggregated" is just that lane.
        runs.clear();
        aggregateRuns(m, 0, 1, window(0, 10'000, 100, 10'000), runs, scratch);
        QCOMPARE(runs, (std::vector<Run> { { 0, 100, styleOf(NodeRunState::Succeeded) } }));
    }

    void openTail()
    {
        TimelineModel m;
        m.setJob(laneJob({
            { { NodeRunState::Succeeded, 0 } },
            { { NodeRunState::WaitingForSlot, 0 } },
            { { NodeRunState::InMaintenance, 0 } },
        }));
        QCOMPARE(openTailStyle(m, 0, 1), styleOf(NodeRunState::Succeeded));
        QCOMPARE(openTailStyle(m, 0, 2), styleOf(NodeRunState::WaitingForSlot));
        QCOMPARE(openTailStyle(m, 0, 3), styleOf(NodeRunState::InMaintenance));
        QCOMPARE(openTailStyle(m, 5, 3), kNoStyle);
    }

    void tasksAlternateAndDenseOnesMerge()
    {
        TimelineModel m;
        m.setJob(laneJob({ { { NodeRunState::InMaintenance, 0 } } }));
        auto taskEvent = [](const QString &name, qint64 at) {
            JobEvent e;
            e.type = JobEvent::Type::NodeTask;
            e.jobId = 1;
            e.node = QStringLiteral("n-1");
            e.task = name;
            e.atMs = T0 + at;
            return e;
        };
        m.applyEvent(taskEvent("a", 0));
        m.applyEvent(taskEvent("b", 2000));
        m.applyEvent(taskEvent("c", 4000));
        for (int i = 0; i < 10; ++i)
            m.applyEvent(taskEvent(QStringLiteral("tiny %1").arg(i), 6000 + i * 2));
        m.applyEvent(taskEvent("d", 6020));
        m.flush();
        std::vector<Run> runs;
        taskRuns(m, 0, window(0, 10'000, 100, 8000), runs);
        checkWellFormed(runs, 100);
        QCOMPARE(runs[0], (Run { 0, 20, 1 }));
        QCOMPARE(runs[1], (Run { 20, 40, 2 }));
        QCOMPARE(runs[2], (Run { 40, 60, 1 }));
        QCOMPARE(runs[3].style, Style(3)); // ten tasks in one pixel
        QCOMPARE(runs.back().x1, 80);
    }
};

QTEST_GUILESS_MAIN(tst_TimelineLod)
#include "tst_timelinelod.moc"
