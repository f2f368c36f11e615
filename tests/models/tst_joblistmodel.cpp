#include "models/joblistmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Baton;

namespace {

constexpr qint64 kNow = 1'800'000'000'000;

Job makeJob(qint64 id, const QString &playbook = "rolling.yml", const QString &service = "web", QStringList nodes = {},
    JobState state = JobState::Queued)
{
    Job j;
    j.id = id;
    j.spec.playbook = playbook;
    j.spec.target.service = service;
    j.operatorName = "alice";
    j.state = state;
    j.createdAtMs = kNow - 100000 + id;
    for (const QString &n : nodes) {
        NodeRun r;
        r.node = n;
        r.service = service;
        r.state = NodeRunState::Queued;
        j.nodes.append(r);
    }
    j.counts = j.countNodes();
    if (isTerminal(state)) {
        j.startedAtMs = j.createdAtMs + 1000;
        j.finishedAtMs = j.startedAtMs + 60000;
    }
    return j;
}

JobEvent created(const Job &job)
{
    JobEvent e;
    e.type = JobEvent::Type::JobCreated;
    e.jobId = job.id;
    e.job = job;
    e.atMs = kNow;
    return e;
}

JobEvent nodeState(qint64 job, const QString &node, NodeRunState s, qint64 at = kNow)
{
    JobEvent e;
    e.type = JobEvent::Type::NodeState;
    e.jobId = job;
    e.node = node;
    e.nodeState = s;
    e.atMs = at;
    return e;
}

// Counts every signal a view reacts to.
struct Signals
{
    explicit Signals(QAbstractItemModel *m)
        : inserted(m, &QAbstractItemModel::rowsInserted)
        , removed(m, &QAbstractItemModel::rowsRemoved)
        , changed(m, &QAbstractItemModel::dataChanged)
        , reset(m, &QAbstractItemModel::modelReset)
        , layout(m, &QAbstractItemModel::layoutChanged)
    { }
    void clear()
    {
        inserted.clear();
        removed.clear();
        changed.clear();
        reset.clear();
        layout.clear();
    }
    QSignalSpy inserted, removed, changed, reset, layout;
};

} // namespace

class TestJobListModel : public QObject
{
    Q_OBJECT

private:
    JobListModel *m_model = nullptr;
    QAbstractItemModelTester *m_tester = nullptr;

private Q_SLOTS:
    void init()
    {
        m_model = new JobListModel(this);
        m_model->setClock([] { return kNow; });
        m_tester = new QAbstractItemModelTester(m_model, QAbstractItemModelTester::FailureReportingMode::QtTest, this);
    }

    void cleanup()
    {
        delete m_tester;
        delete m_model;
    }

    void historyIsNewestFirst()
    {
        Signals s(m_model);
        QSignalSpy more(m_model, &JobListModel::moreRequested);
        m_model->replaceHistory({ makeJob(30), makeJob(20), makeJob(10) }, true);
        QCOMPARE(s.reset.size(), 1);
        QCOMPARE(m_model->rowCount(), 3);
        QCOMPARE(m_model->jobIdAt(0), 30);
        QCOMPARE(m_model->jobIdAt(2), 10);
        QCOMPARE(m_model->data(m_model->index(0, JobListModel::IdColumn)).toLongLong(), 30);
        // More history is offered (the model tester, like a view, may already have asked for it).
        QVERIFY(m_model->canFetchMore({}) != (more.size() == 1));
    }

    // The heart of the live list: a burst of events becomes one insert at the top and one dataChanged.
    void oneInsertAndOneDataChangedPerTick()
    {
        QList<Job> history;
        for (int id = 100; id >= 1; --id)
            history << makeJob(id, "rolling.yml", "web", { "a", "b" }, JobState::Running);
        m_model->replaceHistory(history, false);
        Signals s(m_model);
        QList<JobEvent> burst;
        for (int id = 101; id <= 105; ++id)
            burst << created(makeJob(id, "rolling.yml", "web", { "a", "b" }));
        burst << nodeState(50, "a", NodeRunState::InMaintenance) << nodeState(3, "b", NodeRunState::Failed)
              << nodeState(99, "a", NodeRunState::WaitingForSlot);
        m_model->applyEvents(burst);
        QCOMPARE(s.inserted.size(), 0); // nothing until the tick
        QCOMPARE(s.changed.size(), 0);
        m_model->flush();
        QCOMPARE(s.inserted.size(), 1);
        QCOMPARE(s.inserted[0][1].toInt(), 0);
        QCOMPARE(s.inserted[0][2].toInt(), 4);
        QCOMPARE(s.changed.size(), 1);
        const QModelIndex tl = s.changed[0][0].value<QModelIndex>();
        const QModelIndex br = s.changed[0][1].value<QModelIndex>();
        // Rows of jobs 99, 50 and 3 after the five new ones: 6, 55 and 102.
        QCOMPARE(tl.row(), 6);
        QCOMPARE(br.row(), 102);
        QCOMPARE(tl.column(), 0);
        QCOMPARE(br.column(), JobListModel::ColumnCount - 1);
        QCOMPARE(s.reset.size(), 0);
        QCOMPARE(s.layout.size(), 0);
        QCOMPARE(s.removed.size(), 0);
        QCOMPARE(m_model->jobIdAt(0), 105);
        QCOMPARE(m_model->lastTick().inserted, 5);
        QCOMPARE(m_model->lastTick().changed, 3);
    }

    void tickTimerSignalsWithoutAFlush()
    {
        m_model->setTickInterval(20);
        Signals s(m_model);
        m_model->applyEvents({ created(makeJob(1)) });
        QCOMPARE(s.inserted.size(), 0);
        QTRY_COMPARE(s.inserted.size(), 1);
        QCOMPARE(m_model->rowCount(), 1);
    }

    void countsAreGradedFromNodes()
    {
        m_model->applyEvents({ created(makeJob(7, "rolling.yml", "web", { "web-1", "web-2", "web-3", "web-4" })) });
        m_model->flush();
        m_model->applyEvents({ nodeState(7, "web-1", NodeRunState::Succeeded),
            nodeState(7, "web-2", NodeRunState::Failed), nodeState(7, "web-3", NodeRunState::WaitingForSlot) });
        m_model->flush();
        const QModelIndex progress = m_model->index(0, JobListModel::ProgressColumn);
        QCOMPARE(progress.data().toString(), QString("1 ok / 1 failed / 2 waiting"));
        QCOMPARE(m_model->jobState(7), JobState::Running);
        m_model->applyEvents(
            { nodeState(7, "web-3", NodeRunState::Succeeded), nodeState(7, "web-4", NodeRunState::Succeeded) });
        m_model->flush();
        // Three good nodes and one bad one: partially failed, not failed.
        QCOMPARE(m_model->jobState(7), JobState::PartiallyFailed);
        QCOMPARE(progress.data(JobListModel::FailureShareRole).toDouble(), 0.25);
        QCOMPARE(progress.data(JobListModel::CountsRole).value<NodeCounts>().succeeded(), 3);
    }

    void jobStateEventsCarryCounts()
    {
        m_model->replaceHistory({ makeJob(4, "x.yml", "db", {}, JobState::Running) }, false);
        JobEvent e;
        e.type = JobEvent::Type::JobState;
        e.jobId = 4;
        e.jobState = JobState::Failed;
        e.counts[NodeRunState::Failed] = 2;
        e.atMs = kNow;
        QSignalSpy changed(m_model, &JobListModel::jobStateChanged);
        m_model->applyEvents({ e });
        m_model->flush();
        QCOMPARE(m_model->jobCounts(4).failures(), 2);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed[0][1].value<JobState>(), JobState::Running);
        QCOMPARE(changed[0][2].value<JobState>(), JobState::Failed);
    }

    void unknownJobAsksForASnapshot()
    {
        QSignalSpy need(m_model, &JobListModel::snapshotNeeded);
        m_model->applyEvents({ nodeState(42, "web-1", NodeRunState::Starting) });
        QCOMPARE(need.size(), 1);
        QCOMPARE(need[0][0].toLongLong(), 42);
        // A job known from history without node states: node events cannot be counted, so ask too.
        m_model->replaceHistory({ makeJob(43, "x.yml", "web", {}, JobState::Running) }, false);
        m_model->applyEvents({ nodeState(43, "web-1", NodeRunState::Starting) });
        QCOMPARE(need.size(), 2);
        Job snapshot = makeJob(43, "x.yml", "web", { "web-1", "web-2" }, JobState::Running);
        snapshot.nodes[0].state = NodeRunState::Starting;
        m_model->upsertJob(snapshot);
        m_model->flush();
        m_model->applyEvents({ nodeState(43, "web-1", NodeRunState::InMaintenance) });
        m_model->flush();
        QCOMPARE(need.size(), 2);
        QCOMPARE(m_model->jobCounts(43)[NodeRunState::InMaintenance], 1);
        QCOMPARE(m_model->jobCounts(43)[NodeRunState::Queued], 1);
    }

    void repeatedSnapshotsDoNotDuplicateRows()
    {
        const Job j = makeJob(9, "x.yml", "web", { "a" });
        m_model->upsertJob(j);
        m_model->upsertJob(j);
        m_model->applyEvents({ created(j) });
        m_model->flush();
        QCOMPARE(m_model->rowCount(), 1);
    }

    void filterAppliesToLiveJobs()
    {
        JobFilter f;
        f.states = JobFilter::activeStates();
        m_model->setFilter(f);
        m_model->replaceHistory({ makeJob(3, "a.yml", "web", { "n1" }, JobState::Running),
                                    makeJob(2, "a.yml", "web", {}, JobState::Succeeded),
                                    makeJob(1, "a.yml", "web", { "n1" }, JobState::Running) },
            false);
        QCOMPARE(m_model->rowCount(), 2);
        Signals s(m_model);
        // Job 3 finishes (leaves the filter), job 4 is launched (joins it).
        m_model->applyEvents(
            { nodeState(3, "n1", NodeRunState::Succeeded), created(makeJob(4, "a.yml", "web", { "n2" })) });
        m_model->flush();
        QCOMPARE(s.removed.size(), 1);
        QCOMPARE(s.inserted.size(), 1);
        QCOMPARE(s.reset.size(), 0);
        QCOMPARE(m_model->rowCount(), 2);
        QCOMPARE(m_model->jobIdAt(0), 4);
        QCOMPARE(m_model->jobIdAt(1), 1);
        QCOMPARE(m_model->rowOfJob(3), -1);
        QVERIFY(m_model->contains(3));
    }

    void textFilterMatchesFields()
    {
        m_model->replaceHistory(
            { makeJob(3, "patch.yml", "db"), makeJob(2, "restart.yml", "web"), makeJob(1, "x.yml", "cache") }, false);
        JobFilter f;
        f.text = "PATCH";
        m_model->setFilter(f);
        QCOMPARE(m_model->rowCount(), 1);
        f.text = "2";
        m_model->setFilter(f);
        QCOMPARE(m_model->rowCount(), 1);
        QCOMPARE(m_model->jobIdAt(0), 2);
        m_model->setFilter({});
        QCOMPARE(m_model->rowCount(), 3);
    }

    void userSortKeepsSelectionAndPlacesNewRows()
    {
        m_model->replaceHistory({ makeJob(3, "c.yml"), makeJob(2, "a.yml"), makeJob(1, "b.yml") }, false);
        QPersistentModelIndex selected = m_model->index(0, 0); // job 3
        Signals s(m_model);
        m_model->sort(JobListModel::PlaybookColumn, Qt::AscendingOrder);
        QCOMPARE(s.layout.size(), 1);
        QCOMPARE(m_model->jobIdAt(0), 2);
        QCOMPARE(m_model->jobIdAt(2), 3);
        QCOMPARE(selected.row(), 2);
        m_model->applyEvents({ created(makeJob(4, "bb.yml")) });
        m_model->flush();
        QCOMPARE(m_model->jobIdAt(2), 4); // between b.yml and c.yml
        QCOMPARE(selected.row(), 3);
        m_model->sort(JobListModel::IdColumn, Qt::DescendingOrder);
        QCOMPARE(m_model->jobIdAt(0), 4);
    }

    void olderPagesAppendAtTheEnd()
    {
        QSignalSpy more(m_model, &JobListModel::moreRequested);
        m_model->replaceHistory({ makeJob(10), makeJob(9) }, true);
        if (m_model->canFetchMore({}))
            m_model->fetchMore({});
        m_model->fetchMore({});
        QCOMPARE(more.size(), 1);
        QVERIFY(!m_model->canFetchMore({})); // one page at a time
        Signals s(m_model);
        m_model->appendHistory({ makeJob(8), makeJob(7) }, false);
        QCOMPARE(s.inserted.size(), 1);
        QCOMPARE(s.inserted[0][1].toInt(), 2);
        QCOMPARE(s.inserted[0][2].toInt(), 3);
        QCOMPARE(m_model->jobIdAt(3), 7);
        QVERIFY(!m_model->canFetchMore({}));
    }

    void silentRunsAreFlaggedStuck()
    {
        qint64 clock = kNow;
        m_model->setClock([&clock] { return clock; });
        Job j = makeJob(5, "x.yml", "web", { "a" });
        j.state = JobState::Running;
        j.startedAtMs = kNow;
        j.nodes[0].state = NodeRunState::InMaintenance;
        j.nodes[0].lastEventAtMs = kNow;
        j.spec.timeoutS = 3600;
        m_model->replaceHistory({ j }, false);
        QSignalSpy stuck(m_model, &JobListModel::jobBecameStuck);
        m_model->setStuckAfterMs(60000);
        QVERIFY(!m_model->isStuck(5));
        clock = kNow + 61000;
        m_model->setStuckAfterMs(60000); // runs the check now
        m_model->flush();
        QVERIFY(m_model->isStuck(5));
        QCOMPARE(stuck.size(), 1);
        QVERIFY(m_model->index(0, 0).data(JobListModel::StuckRole).toBool());
        QVERIFY(m_model->index(0, JobListModel::StateColumn).data().toString().contains("stuck"));
        // An event from the job clears the flag.
        JobEvent task;
        task.type = JobEvent::Type::NodeTask;
        task.jobId = 5;
        task.node = "a";
        task.task = "restart";
        task.atMs = clock;
        m_model->applyEvents({ task });
        m_model->flush();
        QVERIFY(!m_model->isStuck(5));
        // Past its timeout, even with events.
        clock = kNow + 3601 * 1000;
        m_model->setStuckAfterMs(0);
        QVERIFY(m_model->isStuck(5));
    }

    void haltIsSignalledOnce()
    {
        m_model->replaceHistory({ makeJob(6, "x.yml", "web", { "a", "b" }, JobState::Running) }, false);
        QSignalSpy halted(m_model, &JobListModel::jobHalted);
        JobEvent e;
        e.type = JobEvent::Type::JobState;
        e.jobId = 6;
        e.jobState = JobState::Running;
        e.haltReason = "a failed: exit 2";
        m_model->applyEvents({ e });
        m_model->flush();
        m_model->applyEvents({ e });
        m_model->flush();
        QCOMPARE(halted.size(), 1);
        QCOMPARE(halted[0][1].toString(), QString("a failed: exit 2"));
        QVERIFY(m_model->index(0, 0).data(JobListModel::HaltedRole).toBool());
    }

    void estimatesAndQueues()
    {
        QList<Job> history;
        for (int i = 1; i <= 5; ++i) {
            Job j = makeJob(i, "rolling.yml", "web", {}, JobState::Succeeded);
            j.finishedAtMs = j.startedAtMs + i * 60000;
            history << j;
        }
        Job live = makeJob(10, "rolling.yml", "web", { "web-1", "web-2", "web-3" });
        live.state = JobState::Running;
        live.nodes[0].state = NodeRunState::InMaintenance;
        live.nodes[1].state = NodeRunState::WaitingForSlot;
        live.nodes[1].transitions = { { NodeRunState::WaitingForSlot, kNow - 5000, {} } };
        live.nodes[2].state = NodeRunState::WaitingForSlot;
        live.nodes[2].transitions = { { NodeRunState::WaitingForSlot, kNow - 9000, {} } };
        history.prepend(live);
        m_model->replaceHistory(history, false);
        const auto [median, runs] = m_model->medianDurationS("rolling.yml", "web");
        QCOMPARE(runs, 5);
        QCOMPARE(median, 180);
        QCOMPARE(m_model->medianDurationS("other.yml", {}).second, 0);
        QCOMPARE(m_model->nodesWaitingForSlot("web"), (QStringList { "web-3", "web-2" }));
        QCOMPARE(m_model->nodesWaitingForSlotByService().value("web"), (QStringList { "web-3", "web-2" }));
        QCOMPARE(m_model->activeNodes().value("web-1"), 10);
        QCOMPARE(m_model->activeJobIds(), (QList<qint64> { 10 }));
    }

    void busiestActiveJobHasTheMostRunsInFlight()
    {
        QCOMPARE(m_model->busiestActiveJob(), 0); // nothing at all
        Job done = makeJob(1, "rolling.yml", "web", { "web-1" }, JobState::Succeeded);
        done.nodes[0].state = NodeRunState::Succeeded;
        done.counts = done.countNodes();
        Job busy = makeJob(2, "rolling.yml", "web", { "web-1", "web-2", "web-3" });
        busy.state = JobState::Running;
        busy.nodes[0].state = NodeRunState::InMaintenance;
        busy.nodes[1].state = NodeRunState::Verifying;
        busy.counts = busy.countNodes();
        Job newer = makeJob(3, "rolling.yml", "db", { "db-1", "db-2", "db-3", "db-4" });
        newer.state = JobState::Running;
        newer.nodes[0].state = NodeRunState::InMaintenance;
        newer.counts = newer.countNodes(); // one in flight, three waiting
        m_model->replaceHistory({ newer, busy, done }, false);
        QCOMPARE(m_model->busiestActiveJob(), 2);
        // Live events move it: the newer job gets a second and a third node in flight.
        m_model->applyEvents(
            { nodeState(3, "db-2", NodeRunState::Starting), nodeState(3, "db-3", NodeRunState::InMaintenance) });
        m_model->flush();
        QCOMPARE(m_model->busiestActiveJob(), 3);
        // A finished job is never the busiest, however many nodes it had.
        m_model->replaceHistory({ done }, false);
        QCOMPARE(m_model->busiestActiveJob(), 0);
    }

    void headersAndRolesAreComplete()
    {
        m_model->replaceHistory({ makeJob(1, "x.yml", "web", { "a" }, JobState::Succeeded) }, false);
        for (int c = 0; c < JobListModel::ColumnCount; ++c) {
            QVERIFY(!m_model->headerData(c, Qt::Horizontal).toString().isEmpty());
            QVERIFY(m_model->index(0, c).data(JobListModel::SortRole).isValid());
        }
        QCOMPARE(m_model->index(0, JobListModel::DurationColumn).data().toString(), QString("1m 00s"));
        QVERIFY(m_model->index(0, 0).data(Qt::ToolTipRole).toString().contains("Job 1"));
    }
};

QTEST_GUILESS_MAIN(TestJobListModel)
#include "tst_joblistmodel.moc"
