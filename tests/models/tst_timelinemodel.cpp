#include "models/timelinemodel.h"
#include "support/timelinefixtures.h"

#include <QSignalSpy>
#include <QTest>

using namespace Baton;

namespace {

constexpr qint64 T0 = 1'790'000'000'000;

NodeRun run(const QString &node, const QString &service, QList<StateTransition> tr)
{
    NodeRun r;
    r.node = node;
    r.service = service;
    r.transitions = tr;
    r.state = tr.isEmpty() ? NodeRunState::Queued : tr.constLast().state;
    r.lastEventAtMs = tr.isEmpty() ? 0 : tr.constLast().atMs;
    return r;
}

Job job(QList<NodeRun> nodes, qint64 id = 42)
{
    Job j;
    j.id = id;
    j.state = JobState::Running;
    j.createdAtMs = T0;
    j.nodes = nodes;
    return j;
}

JobEvent state(const QString &node, NodeRunState s, qint64 at, quint64 seq = 0, const QString &reason = {})
{
    JobEvent e;
    e.type = JobEvent::Type::NodeState;
    e.jobId = 42;
    e.node = node;
    e.nodeState = s;
    e.atMs = at;
    e.seq = seq;
    e.reason = reason;
    return e;
}

JobEvent task(const QString &node, const QString &name, qint64 at)
{
    JobEvent e;
    e.type = JobEvent::Type::NodeTask;
    e.jobId = 42;
    e.node = node;
    e.task = name;
    e.atMs = at;
    return e;
}

JobEvent jobState(JobState s, qint64 at)
{
    JobEvent e;
    e.type = JobEvent::Type::JobState;
    e.jobId = 42;
    e.jobState = s;
    e.atMs = at;
    return e;
}

// web-1: queued 0..1s, starting 1..3s, waiting 3..10s, in maintenance since 10s (open).
Job threeStateJob()
{
    return job({ run(QStringLiteral("web-1"), QStringLiteral("web"),
        { { NodeRunState::Queued, T0, {} }, { NodeRunState::Starting, T0 + 1000, {} },
            { NodeRunState::WaitingForSlot, T0 + 3000, QStringLiteral("slots held by web-2") },
            { NodeRunState::InMaintenance, T0 + 10'000, {} } }) });
}

} // namespace

class tst_TimelineModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyModel()
    {
        TimelineModel m;
        QCOMPARE(m.laneCount(), 0);
        QCOMPARE(m.groupCount(), 0);
        QCOMPARE(m.generation(), quint64(0));
        QVERIFY(!m.hasOpenSpans());
        QVERIFY(!m.isFinished());
    }

    void snapshotBuildsSpansFromTransitions()
    {
        TimelineModel m;
        QSignalSpy reset(&m, &TimelineModel::lanesReset);
        QSignalSpy updated(&m, &TimelineModel::updated);
        m.setJob(threeStateJob());
        QCOMPARE(reset.count(), 1);
        QCOMPARE(updated.count(), 1);
        QCOMPARE(m.laneCount(), 1);
        QCOMPARE(m.spanCount(0), 4);
        QCOMPARE(m.span(0, 0).start, T0);
        QCOMPARE(m.span(0, 0).end, T0 + 1000);
        QCOMPARE(m.span(0, 2).state, NodeRunState::WaitingForSlot);
        QCOMPARE(m.text(m.span(0, 2).detail), QStringLiteral("slots held by web-2"));
        QCOMPARE(m.span(0, 2).end, T0 + 10'000);
        QVERIFY(m.span(0, 3).isOpen());
        QCOMPARE(m.span(0, 3).state, NodeRunState::InMaintenance);
        QVERIFY(m.hasOpenSpans());
        QCOMPARE(m.traceStart(), T0);
        QCOMPARE(m.traceEnd(T0 + 60'000), T0 + 60'000);
    }

    void sameSnapshotTwiceChangesNothing()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        const quint64 gen = m.generation();
        QSignalSpy changed(&m, &TimelineModel::lanesChanged);
        QSignalSpy reset(&m, &TimelineModel::lanesReset);
        m.setJob(threeStateJob());
        QCOMPARE(m.generation(), gen);
        QCOMPARE(changed.count(), 0);
        QCOMPARE(reset.count(), 0);
    }

    void lanesAreGroupedByServiceInNaturalOrder()
    {
        TimelineModel m;
        const QList<StateTransition> q { { NodeRunState::Queued, T0, {} } };
        m.setJob(job({ run("web-10", "web", q), run("db-1", "db", q), run("web-2", "web", q), run("lonely", "", q),
            run("web-1", "web", q) }));
        QStringList order;
        for (int i = 0; i < m.laneCount(); ++i)
            order << m.lane(i).node;
        QCOMPARE(order, QStringList({ "db-1", "web-1", "web-2", "web-10", "lonely" }));
        QCOMPARE(m.groupCount(), 3);
        QCOMPARE(m.group(0).service, QStringLiteral("db"));
        QCOMPARE(m.group(1).firstLane, 1);
        QCOMPARE(m.group(1).laneCount, 3);
        QCOMPARE(m.group(2).service, QString());
        QCOMPARE(m.groupOfLane(3), 1);
        QCOMPARE(m.groupOfLane(4), 2);
        QCOMPARE(m.laneOf("web-10"), 3);
        QCOMPARE(m.laneOf("nope"), -1);
    }

    void binarySearch_data()
    {
        QTest::addColumn<qint64>("t");
        QTest::addColumn<int>("first");
        QTest::addColumn<int>("last");
        QTest::addColumn<int>("at");
        // Spans: [0,1s) [1s,3s) [3s,10s) [10s, open)
        QTest::newRow("before everything") << T0 - 5 << 0 << -1 << -1;
        QTest::newRow("at first start") << T0 << 0 << -1 << 0;
        QTest::newRow("inside first") << T0 + 500 << 0 << 0 << 0;
        QTest::newRow("at a boundary") << T0 + 1000 << 1 << 0 << 1;
        QTest::newRow("just after a boundary") << T0 + 1001 << 1 << 1 << 1;
        QTest::newRow("inside third") << T0 + 5000 << 2 << 2 << 2;
        QTest::newRow("start of open span") << T0 + 10'000 << 3 << 2 << 3;
        QTest::newRow("far in the future") << T0 + 1'000'000'000 << 3 << 3 << 3;
    }

    void binarySearch()
    {
        QFETCH(qint64, t);
        QFETCH(int, first);
        QFETCH(int, last);
        QFETCH(int, at);
        TimelineModel m;
        m.setJob(threeStateJob());
        QCOMPARE(m.firstIndex(0, t), first);
        QCOMPARE(m.lastIndex(0, t), last);
        QCOMPARE(m.spanAt(0, t), at);
    }

    void binarySearchOnEmptyLane()
    {
        TimelineModel m;
        NodeRun r;
        r.node = QStringLiteral("web-1");
        Job j = job({ r });
        j.createdAtMs = 0;
        m.setJob(j);
        QCOMPARE(m.laneCount(), 1);
        // A node without transitions still gets its current state from the snapshot.
        QCOMPARE(m.spanCount(0), 1);
        QVERIFY(m.span(0, 0).isOpen());
    }

    void binarySearchAgreesWithLinearScan()
    {
        TimelineModel m;
        m.setJob(TimelineFixtures::denseJob(3, 500, T0, 1000));
        for (int lane = 0; lane < m.laneCount(); ++lane) {
            for (qint64 t = T0 - 10; t < T0 + 520'000; t += 997) {
                int first = m.spanCount(lane);
                int last = -1;
                for (int i = 0; i < m.spanCount(lane); ++i) {
                    if (first == m.spanCount(lane) && m.span(lane, i).end > t)
                        first = i;
                    if (m.span(lane, i).start < t)
                        last = i;
                }
                QCOMPARE(m.firstIndex(lane, t), first);
                QCOMPARE(m.lastIndex(lane, t), last);
            }
        }
    }

    void eventsAreBatchedIntoOneSetOfSignals()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        m.setBatchInterval(50);
        const quint64 gen = m.generation();
        QSignalSpy changed(&m, &TimelineModel::lanesChanged);
        QSignalSpy updated(&m, &TimelineModel::updated);
        QSignalSpy reset(&m, &TimelineModel::lanesReset);
        QVERIFY(m.applyEvent(task("web-1", "stop service", T0 + 11'000)));
        QVERIFY(m.applyEvent(task("web-1", "upgrade", T0 + 12'000)));
        QVERIFY(m.applyEvent(state("web-1", NodeRunState::Verifying, T0 + 20'000)));
        QCOMPARE(m.pendingEvents(), 3);
        // Nothing applied until the tick.
        QCOMPARE(m.spanCount(0), 4);
        QCOMPARE(updated.count(), 0);
        QTRY_COMPARE(updated.count(), 1);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).toInt(), 0);
        QCOMPARE(changed.at(0).at(1).toInt(), 0);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(m.generation(), gen + 1);
        QCOMPARE(m.spanCount(0), 5);
        QCOMPARE(m.span(0, 3).end, T0 + 20'000);
        QCOMPARE(m.taskCount(0), 2);
        QCOMPARE(m.pendingEvents(), 0);
    }

    void changedCoversEveryTouchedLane()
    {
        TimelineModel m;
        const QList<StateTransition> q { { NodeRunState::Queued, T0, {} } };
        m.setJob(
            job({ run("web-1", "web", q), run("web-2", "web", q), run("web-3", "web", q), run("web-4", "web", q) }));
        QSignalSpy changed(&m, &TimelineModel::lanesChanged);
        m.applyEvent(state("web-2", NodeRunState::Starting, T0 + 100));
        m.applyEvent(state("web-4", NodeRunState::Starting, T0 + 200));
        m.flush();
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).toInt(), 1);
        QCOMPARE(changed.at(0).at(1).toInt(), 3);
    }

    void flushWithNothingPendingIsSilent()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        QSignalSpy updated(&m, &TimelineModel::updated);
        m.flush();
        QCOMPARE(updated.count(), 0);
    }

    void sameStateUpdatesTheReasonWithoutANewSpan()
    {
        TimelineModel m;
        m.setJob(job({ run("web-1", "web", { { NodeRunState::Queued, T0, {} } }) }));
        JobEvent a = state("web-1", NodeRunState::WaitingForSlot, T0 + 1000);
        a.wait.holders = QStringList { "web-2", "web-3" };
        a.wait.limit = 2;
        m.applyEvent(a);
        JobEvent b = state("web-1", NodeRunState::WaitingForSlot, T0 + 5000);
        b.wait.holders = QStringList { "web-3" };
        b.wait.offline = { { "web-5", "critical: http" } };
        b.wait.limit = 2;
        m.applyEvent(b);
        m.flush();
        QCOMPARE(m.spanCount(0), 2);
        QCOMPARE(m.span(0, 1).start, T0 + 1000);
        QCOMPARE(
            m.text(m.span(0, 1).detail), QStringLiteral("slots held by web-3; web-5 critical: http; max_offline 2"));
        QCOMPARE(m.lane(0).wait, b.wait);
    }

    void staleAndDuplicateEventsAreDropped()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        QVERIFY(m.applyEvent(state("web-1", NodeRunState::Verifying, T0 + 20'000, 10)));
        QVERIFY(!m.applyEvent(state("web-1", NodeRunState::Verifying, T0 + 20'000, 10))); // same seq
        QVERIFY(!m.applyEvent(state("web-1", NodeRunState::Verifying, T0 + 20'000, 9))); // older seq
        // Accepted into the queue (seq is newer) but older than the state shown: it must not rewrite history.
        QVERIFY(m.applyEvent(state("web-1", NodeRunState::WaitingForSlot, T0 + 4'000, 11)));
        m.flush();
        QCOMPARE(m.spanCount(0), 5);
        QCOMPARE(m.span(0, 4).state, NodeRunState::Verifying);
        QCOMPARE(m.lane(0).state, NodeRunState::Verifying);
    }

    void eventsOfOtherJobsAndHeartbeatsAreRejected()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        JobEvent other = state("web-1", NodeRunState::Failed, T0 + 30'000);
        other.jobId = 43;
        QVERIFY(!m.applyEvent(other));
        JobEvent hb;
        hb.type = JobEvent::Type::Heartbeat;
        hb.jobId = 42;
        QVERIFY(!m.applyEvent(hb));
        JobEvent resync;
        resync.type = JobEvent::Type::Resync;
        QVERIFY(!m.applyEvent(resync));
        QCOMPARE(m.pendingEvents(), 0);
    }

    void firstEventBindsAnEmptyModel()
    {
        TimelineModel m;
        QVERIFY(m.applyEvent(state("web-1", NodeRunState::Starting, T0)));
        m.flush();
        QCOMPARE(m.jobId(), qint64(42));
        JobEvent other = state("web-1", NodeRunState::Failed, T0 + 30'000);
        other.jobId = 43;
        QVERIFY(!m.applyEvent(other));
    }

    void unknownNodeGetsALane()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        QSignalSpy reset(&m, &TimelineModel::lanesReset);
        QSignalSpy changed(&m, &TimelineModel::lanesChanged);
        m.applyEvent(state("api-1", NodeRunState::Starting, T0 + 2000));
        m.flush();
        QCOMPARE(reset.count(), 1);
        QCOMPARE(changed.count(), 0); // a reset covers it
        QCOMPARE(m.laneCount(), 2);
        // No service known yet: grouped last.
        QCOMPARE(m.lane(1).node, QStringLiteral("api-1"));
    }

    void tasksAreSubSpans()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        m.applyEvent(task("web-1", "stop service", T0 + 10'500));
        m.applyEvent(task("web-1", "stop service", T0 + 10'700)); // repeated: no new task
        m.applyEvent(task("web-1", "upgrade", T0 + 12'000));
        m.applyEvent(task("web-1", "start service", T0 + 15'000));
        m.flush();
        QCOMPARE(m.taskCount(0), 3);
        QCOMPARE(m.task(0, 0).end, T0 + 12'000);
        QCOMPARE(m.text(m.task(0, 1).name), QStringLiteral("upgrade"));
        QVERIFY(m.task(0, 2).isOpen());
        QCOMPARE(m.taskAt(0, T0 + 13'000), 1);
        QCOMPARE(m.taskAt(0, T0 + 5'000), -1);
        QCOMPARE(m.taskFirstIndex(0, T0 + 12'000), 1);
        QCOMPARE(m.taskLastIndex(0, T0 + 12'000), 0);
        QCOMPARE(m.lane(0).task, QStringLiteral("start service"));
        // A terminal state closes the running task.
        m.applyEvent(state("web-1", NodeRunState::Failed, T0 + 16'000, 0, "exit 2"));
        m.flush();
        QCOMPARE(m.task(0, 2).end, T0 + 16'000);
        QVERIFY(m.lane(0).task.isEmpty());
        m.applyEvent(task("web-1", "late task", T0 + 17'000));
        m.flush();
        QCOMPARE(m.taskCount(0), 3);
    }

    void terminalJobClosesEverythingAndFreezes()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        m.applyEvent(task("web-1", "upgrade", T0 + 11'000));
        m.applyEvent(state("web-1", NodeRunState::Succeeded, T0 + 20'000));
        m.flush();
        QVERIFY(m.span(0, 4).isOpen()); // the outcome lasts until the job ends
        QSignalSpy jobChanged(&m, &TimelineModel::jobChanged);
        m.applyEvent(jobState(JobState::Succeeded, T0 + 25'000));
        m.flush();
        QCOMPARE(jobChanged.count(), 1);
        QVERIFY(m.isFinished());
        QVERIFY(!m.hasOpenSpans());
        QCOMPARE(m.span(0, 4).end, T0 + 25'000);
        QCOMPARE(m.traceEnd(T0 + 99'000), T0 + 25'000);
        m.applyEvent(state("web-1", NodeRunState::Failed, T0 + 26'000));
        m.flush();
        QCOMPARE(m.spanCount(0), 5);
    }

    void zeroLengthStatesAreDroppedAndResumed()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        m.applyEvent(state("web-1", NodeRunState::Verifying, T0 + 20'000));
        m.applyEvent(state("web-1", NodeRunState::Starting, T0 + 20'000)); // lasted 0 ms
        m.applyEvent(state("web-1", NodeRunState::Verifying, T0 + 20'000));
        m.flush();
        QCOMPARE(m.spanCount(0), 5);
        QCOMPARE(m.span(0, 4).state, NodeRunState::Verifying);
        QVERIFY(m.span(0, 4).isOpen());
        QCOMPARE(m.span(0, 4).start, T0 + 20'000);
    }

    void snapshotKeepsTaskHistoryAndDropsVanishedNodes()
    {
        TimelineModel m;
        Job j = threeStateJob();
        j.nodes << run("web-2", "web", { { NodeRunState::Queued, T0, {} } });
        m.setJob(j);
        m.applyEvent(task("web-1", "stop service", T0 + 11'000));
        m.applyEvent(task("web-1", "upgrade", T0 + 12'000));
        m.flush();
        QSignalSpy reset(&m, &TimelineModel::lanesReset);
        Job later = threeStateJob();
        later.nodes[0].task = QStringLiteral("start service");
        later.nodes[0].lastEventAtMs = T0 + 14'000;
        m.setJob(later);
        QCOMPARE(reset.count(), 1);
        QCOMPARE(m.laneCount(), 1);
        QCOMPARE(m.taskCount(0), 3);
        QCOMPARE(m.task(0, 1).end, T0 + 14'000);
        QCOMPARE(m.text(m.task(0, 2).name), QStringLiteral("start service"));
    }

    void snapshotOfAnotherJobStartsOver()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        Job other = job({ run("db-1", "db", { { NodeRunState::Queued, T0, {} } }) }, 77);
        m.setJob(other);
        QCOMPARE(m.jobId(), qint64(77));
        QCOMPARE(m.laneCount(), 1);
        QCOMPARE(m.lane(0).node, QStringLiteral("db-1"));
    }

    void spansPerLaneAreBounded()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        const int n = TimelineModel::kMaxSpansPerLane + 10;
        for (int i = 0; i < n; ++i)
            m.applyEvent(
                state("web-1", i % 2 ? NodeRunState::Verifying : NodeRunState::InMaintenance, T0 + 20'000 + i));
        m.flush();
        QCOMPARE(m.spanCount(0), TimelineModel::kMaxSpansPerLane);
        QVERIFY(m.span(0, m.spanCount(0) - 1).isOpen());
    }

    void pendingQueueIsBounded()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        m.setBatchInterval(60'000);
        QSignalSpy updated(&m, &TimelineModel::updated);
        for (int i = 0; i < TimelineModel::kMaxPendingEvents; ++i) {
            JobEvent log;
            log.type = JobEvent::Type::NodeLog;
            log.jobId = 42;
            log.node = QStringLiteral("web-1");
            log.atMs = T0 + 11'000 + i;
            m.applyEvent(log);
        }
        QCOMPARE(m.pendingEvents(), 0);
        QCOMPARE(updated.count(), 1);
        QCOMPARE(m.lane(0).lastEventAtMs, T0 + 11'000 + TimelineModel::kMaxPendingEvents - 1);
    }

    void logEventsCountAsActivityOnly()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        const quint64 gen = m.generation();
        QSignalSpy changed(&m, &TimelineModel::lanesChanged);
        QSignalSpy updated(&m, &TimelineModel::updated);
        JobEvent log;
        log.type = JobEvent::Type::NodeLog;
        log.jobId = 42;
        log.node = QStringLiteral("web-1");
        log.atMs = T0 + 50'000;
        m.applyEvent(log);
        m.flush();
        QCOMPARE(m.generation(), gen); // nothing to repaint
        QCOMPARE(changed.count(), 0);
        QCOMPARE(updated.count(), 1);
        QCOMPARE(m.lane(0).lastEventAtMs, T0 + 50'000);
    }

    void eventsAndSnapshotAgree()
    {
        // Fed event by event or as one snapshot, a rolling job gives the same state spans.
        TimelineFixtures::Rolling p;
        p.failEvery = 5;
        const auto events = TimelineFixtures::rollingEvents(p);
        const qint64 cut = events[events.size() / 2].atMs;

        TimelineModel fromEvents;
        for (const JobEvent &e : events) {
            if (e.atMs > cut)
                break;
            fromEvents.applyEvent(e);
        }
        fromEvents.flush();
        TimelineModel fromSnapshot;
        fromSnapshot.setJob(TimelineFixtures::rollingJob(p, cut));

        QCOMPARE(fromEvents.laneCount(), 24);
        QCOMPARE(fromSnapshot.laneCount(), fromEvents.laneCount());
        for (int lane = 0; lane < fromEvents.laneCount(); ++lane) {
            QCOMPARE(fromSnapshot.lane(lane).node, fromEvents.lane(lane).node);
            QCOMPARE(fromSnapshot.spanCount(lane), fromEvents.spanCount(lane));
            for (int i = 0; i < fromEvents.spanCount(lane); ++i) {
                QCOMPARE(fromSnapshot.span(lane, i).start, fromEvents.span(lane, i).start);
                QCOMPARE(fromSnapshot.span(lane, i).end, fromEvents.span(lane, i).end);
                QCOMPARE(fromSnapshot.span(lane, i).state, fromEvents.span(lane, i).state);
                QCOMPARE(fromSnapshot.text(fromSnapshot.span(lane, i).detail),
                    fromEvents.text(fromEvents.span(lane, i).detail));
            }
        }
        QCOMPARE(fromSnapshot.counts(), fromEvents.counts());
    }

    void clearEmptiesAndSignals()
    {
        TimelineModel m;
        m.setJob(threeStateJob());
        QSignalSpy reset(&m, &TimelineModel::lanesReset);
        m.clear();
        QCOMPARE(reset.count(), 1);
        QCOMPARE(m.laneCount(), 0);
        QCOMPARE(m.jobId(), qint64(0));
        m.clear();
        QCOMPARE(reset.count(), 1);
    }
};

QTEST_GUILESS_MAIN(tst_TimelineModel)
#include "tst_timelinemodel.moc"
