#include "models/noderunmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Baton;

namespace {
constexpr qint64 kNow = 1'800'000'000'000;

Job job(qint64 id, QStringList nodes)
{
    Job j;
    j.id = id;
    j.spec.playbook = "rolling.yml";
    j.spec.target.service = "web";
    j.spec.nodeTimeoutS = 600;
    j.state = JobState::Running;
    for (const QString &n : nodes) {
        NodeRun r;
        r.node = n;
        r.state = NodeRunState::Queued;
        r.transitions = { { NodeRunState::Queued, kNow - 1000, {} } };
        j.nodes.append(r);
    }
    return j;
}

JobEvent nodeState(qint64 id, const QString &node, NodeRunState s, const QString &reason = {})
{
    JobEvent e;
    e.type = JobEvent::Type::NodeState;
    e.jobId = id;
    e.node = node;
    e.nodeState = s;
    e.reason = reason;
    e.atMs = kNow;
    return e;
}
} // namespace

class TestNodeRunModel : public QObject
{
    Q_OBJECT

private:
    NodeRunModel *m_model = nullptr;
    QAbstractItemModelTester *m_tester = nullptr;
    qint64 m_clock = kNow;

private Q_SLOTS:
    void init()
    {
        m_clock = kNow;
        m_model = new NodeRunModel(this);
        m_model->setClock([this] { return m_clock; });
        m_tester = new QAbstractItemModelTester(m_model, QAbstractItemModelTester::FailureReportingMode::QtTest, this);
    }

    void cleanup()
    {
        delete m_tester;
        delete m_model;
    }

    void showsEveryNodeRun()
    {
        m_model->setJob(job(1, { "web-1", "web-2", "web-3" }));
        QCOMPARE(m_model->rowCount(), 3);
        QCOMPARE(m_model->index(1, NodeRunModel::NodeColumn).data().toString(), QString("web-2"));
        QCOMPARE(m_model->index(1, NodeRunModel::StateColumn).data().toString(), QString("queued"));
        QVERIFY(m_model->index(1, 0).data(NodeRunModel::DroppableRole).toBool());
    }

    void eventsBatchIntoOneDataChanged()
    {
        m_model->setJob(job(1, { "web-1", "web-2", "web-3", "web-4" }));
        QSignalSpy changed(m_model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(m_model, &QAbstractItemModel::modelReset);
        WaitInfo w;
        w.holders = { "web-1" };
        w.limit = 1;
        w.maxOffline = "1";
        JobEvent waiting = nodeState(1, "web-3", NodeRunState::WaitingForSlot);
        waiting.wait = w;
        m_model->applyEvents({ nodeState(1, "web-1", NodeRunState::InMaintenance, "entered"), waiting,
            nodeState(2, "web-2", NodeRunState::Failed) /* another job */ });
        m_model->flush();
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed[0][0].value<QModelIndex>().row(), 0);
        QCOMPARE(changed[0][1].value<QModelIndex>().row(), 2);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(m_model->index(2, NodeRunModel::DetailColumn).data().toString(), w.describe());
        QCOMPARE(
            m_model->index(0, 0).data(NodeRunModel::NodeStateRole).value<NodeRunState>(), NodeRunState::InMaintenance);
        QCOMPARE(m_model->index(1, 0).data(NodeRunModel::NodeStateRole).value<NodeRunState>(), NodeRunState::Queued);
        QCOMPARE(m_model->nodeAt(0)->transitions.size(), 2);
        QVERIFY(m_model->index(0, NodeRunModel::StartedColumn).data().toString().size() > 0);
    }

    void refreshingTheSameJobKeepsRows()
    {
        Job j = job(1, { "a", "b" });
        m_model->setJob(j);
        QSignalSpy reset(m_model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(m_model, &QAbstractItemModel::dataChanged);
        j.nodes[1].state = NodeRunState::Succeeded;
        m_model->setJob(j);
        m_model->flush();
        QCOMPARE(reset.size(), 0);
        QCOMPARE(changed.size(), 1);
        m_model->setJob(job(2, { "a", "b" }));
        QCOMPARE(reset.size(), 1);
    }

    void unknownNodeAsksForASnapshot()
    {
        m_model->setJob(job(1, { "a" }));
        QSignalSpy need(m_model, &NodeRunModel::snapshotNeeded);
        m_model->applyEvents({ nodeState(1, "zz", NodeRunState::Starting) });
        QCOMPARE(need.size(), 1);
    }

    void stuckAfterSilenceOrTimeout()
    {
        m_model->setStuckAfterMs(60000);
        Job j = job(1, { "a", "b" });
        j.nodes[0].state = NodeRunState::InMaintenance;
        j.nodes[0].startedAtMs = kNow;
        j.nodes[0].lastEventAtMs = kNow;
        m_model->setJob(j);
        QSignalSpy stuck(m_model, &NodeRunModel::nodeBecameStuck);
        QVERIFY(!m_model->isStuck("a"));
        m_clock = kNow + 61000;
        m_model->setStuckAfterMs(60000);
        QVERIFY(m_model->isStuck("a"));
        QVERIFY(!m_model->isStuck("b")); // queued nodes are waiting, not stuck
        QCOMPARE(stuck.size(), 1);
        QVERIFY(m_model->index(0, NodeRunModel::StateColumn).data().toString().contains("stuck"));
        m_model->applyEvents({ nodeState(1, "a", NodeRunState::Verifying) });
        QVERIFY(!m_model->isStuck("a"));
        m_clock = kNow + 601000; // past the node timeout of 600 s
        m_model->setStuckAfterMs(0);
        QVERIFY(m_model->isStuck("a"));
    }

    void sortKeepsSelection()
    {
        Job j = job(1, { "c", "a", "b" });
        j.nodes[0].state = NodeRunState::Failed;
        m_model->setJob(j);
        QPersistentModelIndex sel = m_model->index(0, 0);
        m_model->sort(NodeRunModel::NodeColumn, Qt::AscendingOrder);
        QCOMPARE(m_model->index(0, 0).data().toString(), QString("a"));
        QCOMPARE(sel.row(), 2);
        QCOMPARE(m_model->rowOfNode("c"), 2);
        QCOMPARE(m_model->failedNodes(), QStringList { "c" });
        m_model->applyEvents({ nodeState(1, "a", NodeRunState::Starting) });
        m_model->flush();
        QCOMPARE(m_model->index(0, 0).data(NodeRunModel::NodeStateRole).value<NodeRunState>(), NodeRunState::Starting);
    }
};

QTEST_GUILESS_MAIN(TestNodeRunModel)
#include "tst_noderunmodel.moc"
