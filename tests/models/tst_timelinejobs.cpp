#include "models/timelinejobs.h"
#include "models/timelinemodel.h"
#include "support/timelinefixtures.h"

#include <QSignalSpy>
#include <QTest>

using namespace Baton;

namespace {

constexpr qint64 T0 = 1'790'000'000'000;
constexpr qint64 MIN = 60'000;

NodeRun node(const QString &name, QList<StateTransition> tr, qint64 lastEvent = 0)
{
    NodeRun r;
    r.node = name;
    r.service = QStringLiteral("web");
    r.transitions = tr;
    r.state = tr.constLast().state;
    r.lastEventAtMs = lastEvent ? lastEvent : tr.constLast().atMs;
    if (isActive(r.state) || isTerminal(r.state))
        r.startedAtMs = tr.size() > 1 ? tr.at(1).atMs : tr.at(0).atMs;
    return r;
}

Job job(qint64 id, QList<NodeRun> nodes, qint64 created = T0)
{
    Job j;
    j.id = id;
    j.state = JobState::Running;
    j.createdAtMs = created;
    j.spec.nodeTimeoutS = 3600;
    j.nodes = nodes;
    return j;
}

JobEvent state(qint64 jobId, const QString &n, NodeRunState s, qint64 at)
{
    JobEvent e;
    e.type = JobEvent::Type::NodeState;
    e.jobId = jobId;
    e.node = n;
    e.nodeState = s;
    e.atMs = at;
    return e;
}

} // namespace

class tst_TimelineJobs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eventsAreRoutedAndUnknownJobsAskedForOnce()
    {
        TimelineJobs jobs;
        qint64 now = T0 + MIN;
        jobs.setClock([&] { return now; });
        QSignalSpy added(&jobs, &TimelineJobs::jobAdded);
        QSignalSpy unknown(&jobs, &TimelineJobs::jobUnknown);
        JobEvent created;
        created.type = JobEvent::Type::JobCreated;
        created.job = job(1, { node("web-1", { { NodeRunState::Queued, T0, {} } }) });
        QVERIFY(jobs.applyEvent(created));
        QCOMPARE(added.count(), 1);
        QCOMPARE(jobs.count(), 1);
        QVERIFY(jobs.applyEvent(state(1, "web-1", NodeRunState::Starting, T0 + 1000)));
        jobs.flush();
        QCOMPARE(jobs.model(1)->lane(0).state, NodeRunState::Starting);
        QVERIFY(!jobs.applyEvent(state(2, "db-1", NodeRunState::Starting, T0 + 1000)));
        QVERIFY(!jobs.applyEvent(state(2, "db-1", NodeRunState::WaitingForSlot, T0 + 2000)));
        QCOMPARE(unknown.count(), 1);
        QCOMPARE(unknown.at(0).at(0).toLongLong(), qint64(2));
        JobEvent log;
        log.type = JobEvent::Type::NodeLog;
        log.jobId = 3;
        log.node = QStringLiteral("x");
        QVERIFY(!jobs.applyEvent(log));
        QCOMPARE(unknown.count(), 1); // logs of unknown jobs are not worth a fetch
        jobs.applyJob(job(2, { node("db-1", { { NodeRunState::Queued, T0, {} } }) }));
        QCOMPARE(jobs.count(), 2);
        QVERIFY(jobs.applyEvent(state(2, "db-1", NodeRunState::Starting, T0 + 3000)));
        QCOMPARE(jobs.model(42), nullptr);
    }

    void attentionOrder()
    {
        TimelineJobs jobs;
        qint64 now = T0 + 30 * MIN;
        jobs.setClock([&] { return now; });
        const QList<StateTransition> running { { NodeRunState::Queued, T0, {} },
            { NodeRunState::InMaintenance, now - MIN, {} } };
        jobs.applyJob(job(1, { node("web-1", running) }, T0 + 5)); // running, fine
        jobs.applyJob(job(2,
            { node("web-2", { { NodeRunState::Queued, T0, {} }, { NodeRunState::InMaintenance, T0 + MIN, {} } },
                T0 + 2 * MIN) },
            T0 + 4)); // silent for 28 min
        jobs.applyJob(job(3,
            { node("web-3", running),
                node("web-4", { { NodeRunState::Queued, T0, {} }, { NodeRunState::Failed, T0 + MIN, {} } }) },
            T0 + 3)); // a node failed
        Job halted = job(4, { node("web-5", running) }, T0 + 2);
        halted.haltReason = QStringLiteral("web-9 failed: exit 2");
        jobs.applyJob(halted);
        jobs.applyJob(job(5,
            { node(
                "web-6", { { NodeRunState::Queued, T0, {} }, { NodeRunState::WaitingForSlot, now - 12 * MIN, {} } }) },
            T0 + 1)); // waiting 12 min
        Job queued = job(6, { node("web-7", { { NodeRunState::Queued, T0, {} } }) }, T0 + 6);
        queued.state = JobState::Queued;
        jobs.applyJob(queued);
        QCOMPARE(jobs.order(), (QList<qint64> { 2, 3, 4, 5, 1, 6 }));
        QCOMPARE(jobs.attention(2).level, TimelineAttention::Stuck);
        QCOMPARE(jobs.attention(2).reason, QStringLiteral("web-2 silent for 28 min 00 s"));
        QCOMPARE(jobs.attention(3).reason, QStringLiteral("1 of 2 nodes failed"));
        QCOMPARE(jobs.attention(4).reason, QStringLiteral("web-9 failed: exit 2"));
        QCOMPARE(jobs.attention(5).reason, QStringLiteral("web-6 waiting 12 min 00 s for a slot"));
        QVERIFY(jobs.attention(5).needsAttention());
        QVERIFY(!jobs.attention(1).needsAttention());
        QCOMPARE(jobs.attention(6).level, TimelineAttention::Queued);
        QCOMPARE(jobs.services(), QStringList { "web" });
        QCOMPARE(jobs.budgetRuns().size(), 7);
    }

    void thresholdsAreCrossedByATimerArmedForThatMoment()
    {
        TimelineJobs jobs;
        qint64 now = T0 + 5 * MIN;
        jobs.setClock([&] { return now; });
        jobs.applyJob(job(1,
            { node("web-1", { { NodeRunState::Queued, T0, {} }, { NodeRunState::WaitingForSlot, T0 + MIN, {} } }) }));
        QCOMPARE(jobs.attention(1).level, TimelineAttention::Running);
        // Waiting since T0 + 1 min becomes "long" at T0 + 11 min: the one timer is armed for exactly then.
        QCOMPARE(jobs.nextTimedChange(), T0 + 11 * MIN);
        QVERIFY(jobs.isTimerActive());
        QSignalSpy order(&jobs, &TimelineJobs::orderChanged);
        now = T0 + 11 * MIN;
        jobs.setClock([&] { return now; }); // re-evaluates as the timer would
        QCOMPARE(jobs.attention(1).level, TimelineAttention::WaitingLong);
        QCOMPARE(order.count(), 1);
        QCOMPARE(jobs.nextTimedChange(), qint64(0));
        QVERIFY(!jobs.isTimerActive());
    }

    void activeNodesBecomeStuckBySilenceOrTimeout()
    {
        TimelineJobs jobs;
        qint64 now = T0 + 2 * MIN;
        jobs.setClock([&] { return now; });
        TimelineJobs::Thresholds t;
        t.stuckAfterMs = 10 * MIN;
        jobs.setThresholds(t);
        Job j = job(
            1, { node("web-1", { { NodeRunState::Queued, T0, {} }, { NodeRunState::InMaintenance, T0 + MIN, {} } }) });
        j.spec.nodeTimeoutS = 5 * 60;
        jobs.applyJob(j);
        // The node timeout (started T0 + 1 min, 5 min) comes before the silence threshold (T0 + 11 min).
        QCOMPARE(jobs.nextTimedChange(), T0 + 6 * MIN);
        now = T0 + 6 * MIN;
        jobs.setClock([&] { return now; });
        QCOMPARE(jobs.attention(1).level, TimelineAttention::Stuck);
        QCOMPARE(jobs.attention(1).reason, QStringLiteral("web-1 past its 5 min 00 s timeout"));
        // An event brings it back.
        jobs.applyEvent(state(1, "web-1", NodeRunState::Verifying, now));
        jobs.flush();
        QCOMPARE(jobs.attention(1).level, TimelineAttention::Stuck); // still past the run's timeout
        JobEvent done = state(1, "web-1", NodeRunState::Succeeded, now + 1000);
        jobs.applyEvent(done);
        jobs.flush();
        QCOMPARE(jobs.attention(1).level, TimelineAttention::Running);
    }

    void finishedJobsLingerThenGo()
    {
        TimelineJobs jobs;
        qint64 now = T0 + 10 * MIN;
        jobs.setClock([&] { return now; });
        Job ok = job(
            1, { node("web-1", { { NodeRunState::Queued, T0, {} }, { NodeRunState::Succeeded, T0 + MIN, {} } }) });
        ok.state = JobState::Succeeded;
        ok.finishedAtMs = T0 + 9 * MIN;
        Job bad
            = job(2, { node("web-2", { { NodeRunState::Queued, T0, {} }, { NodeRunState::Failed, T0 + MIN, {} } }) });
        bad.state = JobState::Failed;
        bad.finishedAtMs = T0 + 9 * MIN;
        jobs.applyJob(ok);
        jobs.applyJob(bad);
        QCOMPARE(jobs.order(), (QList<qint64> { 2, 1 }));
        QCOMPARE(jobs.attention(1).level, TimelineAttention::Finished);
        QCOMPARE(jobs.attention(2).level, TimelineAttention::Failed);
        QCOMPARE(jobs.nextTimedChange(), T0 + 19 * MIN);
        QSignalSpy removed(&jobs, &TimelineJobs::jobRemoved);
        now = T0 + 19 * MIN;
        jobs.setClock([&] { return now; });
        QCOMPARE(removed.count(), 1);
        QCOMPARE(jobs.order(), (QList<qint64> { 2 }));
        QCOMPARE(jobs.nextTimedChange(), T0 + 69 * MIN);
        now = T0 + 69 * MIN;
        jobs.setClock([&] { return now; });
        QCOMPARE(jobs.count(), 0);
        QVERIFY(!jobs.isTimerActive()); // nothing left: nothing ticks
    }

    void idleWithOnlyQueuedOrRunningWithoutThresholds()
    {
        TimelineJobs jobs;
        qint64 now = T0;
        jobs.setClock([&] { return now; });
        QVERIFY(!jobs.isTimerActive());
        Job queued = job(1, { node("web-1", { { NodeRunState::Queued, T0, {} } }) });
        queued.state = JobState::Queued;
        jobs.applyJob(queued);
        QVERIFY(!jobs.isTimerActive());
    }

    void snapshotRemovesUnlistedJobs()
    {
        TimelineJobs jobs;
        jobs.applyJob(job(1, { node("web-1", { { NodeRunState::Queued, T0, {} } }) }));
        jobs.applyJob(job(2, { node("web-2", { { NodeRunState::Queued, T0, {} } }) }));
        QSignalSpy removed(&jobs, &TimelineJobs::jobRemoved);
        jobs.setJobs({ job(2, { node("web-2", { { NodeRunState::Queued, T0, {} } }) }),
            job(3, { node("web-3", { { NodeRunState::Queued, T0, {} } }) }) });
        QCOMPARE(removed.count(), 1);
        QCOMPARE(jobs.count(), 2);
        QVERIFY(jobs.model(3));
        jobs.clear();
        QCOMPARE(jobs.count(), 0);
    }

    void boundedNumberOfJobs()
    {
        TimelineJobs jobs;
        qint64 now = T0;
        jobs.setClock([&] { return now; });
        for (int i = 1; i <= TimelineJobs::kMaxJobs + 20; ++i) {
            Job j = job(
                i, { node("web-1", { { NodeRunState::Queued, T0, {} }, { NodeRunState::Succeeded, T0 + 1, {} } }) });
            j.state = JobState::Succeeded;
            j.finishedAtMs = T0 + i; // later jobs finished later
            jobs.applyJob(j);
        }
        QCOMPARE(jobs.count(), TimelineJobs::kMaxJobs);
        QCOMPARE(jobs.model(1), nullptr); // the oldest finished went first
        QVERIFY(jobs.model(TimelineJobs::kMaxJobs + 20));
    }

    void rollingStreamEndToEnd()
    {
        TimelineJobs jobs;
        TimelineFixtures::Rolling p;
        p.failEvery = 7;
        const auto events = TimelineFixtures::rollingEvents(p);
        qint64 now = p.start;
        jobs.setClock([&] { return now; });
        QSignalSpy order(&jobs, &TimelineJobs::orderChanged);
        for (const JobEvent &e : events) {
            now = e.atMs;
            jobs.applyEvent(e);
        }
        jobs.flush();
        QCOMPARE(jobs.count(), 1);
        QVERIFY(jobs.model(p.jobId)->isFinished());
        QCOMPARE(jobs.attention(p.jobId).level, TimelineAttention::Failed);
        QVERIFY(order.count() >= 2);
    }
};

QTEST_GUILESS_MAIN(tst_TimelineJobs)
#include "tst_timelinejobs.moc"
