#include "models/timelinemodel.h"
#include "models/timelinetooltip.h"

#include <QTest>

using namespace Baton;

namespace {
constexpr qint64 T0 = 1'790'000'000'000;

Job tooltipJob()
{
    Job j;
    j.id = 42;
    j.state = JobState::Running;
    j.createdAtMs = T0;
    NodeRun r;
    r.node = QStringLiteral("web-4");
    r.service = QStringLiteral("web");
    r.transitions = { { NodeRunState::Queued, T0, {} }, { NodeRunState::WaitingForSlot, T0 + 2000, {} },
        { NodeRunState::InMaintenance, T0 + 65'000, {} } };
    r.state = NodeRunState::InMaintenance;
    r.task = QStringLiteral("restart <nginx>");
    r.lastEventAtMs = T0 + 70'000;
    j.nodes << r;
    NodeRun f;
    f.node = QStringLiteral("web-5");
    f.service = QStringLiteral("web");
    f.transitions = { { NodeRunState::Queued, T0, {} }, { NodeRunState::Failed, T0 + 5000, QStringLiteral("exit 2") } };
    f.state = NodeRunState::Failed;
    f.reason = QStringLiteral("exit 2");
    j.nodes << f;
    return j;
}
} // namespace

class tst_TimelineTooltip : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void reasonLine()
    {
        QCOMPARE(Timeline::reasonLine(NodeRunState::WaitingForSlot, "slots held by web-1, web-3; web-5 critical"),
            QStringLiteral("waiting: slots held by web-1, web-3; web-5 critical"));
        QCOMPARE(Timeline::reasonLine(NodeRunState::Failed, "exit 2"), QStringLiteral("reason: exit 2"));
        QCOMPARE(Timeline::reasonLine(NodeRunState::InMaintenance, "baton job 4"), QStringLiteral("baton job 4"));
        QCOMPARE(Timeline::reasonLine(NodeRunState::Queued, QString()), QString());
    }

    void waitingSpanShowsWhoHoldsTheSlots()
    {
        TimelineModel m;
        m.setJob(tooltipJob());
        JobEvent e;
        e.type = JobEvent::Type::NodeState;
        e.jobId = 42;
        e.node = QStringLiteral("web-6");
        e.nodeState = NodeRunState::WaitingForSlot;
        e.atMs = T0 + 1000;
        e.wait.holders = QStringList { "web-1", "web-3" };
        e.wait.offline = { { "web-5", "critical" } };
        m.applyEvent(e);
        m.flush();
        const QString tip = Timeline::laneTooltip(m, m.laneOf("web-6"), T0 + 31'000, T0 + 61'000);
        QVERIFY2(tip.contains("waiting: slots held by web-1, web-3; web-5 critical"), qPrintable(tip));
        QVERIFY2(tip.contains("waiting for slot · 1 min 00 s so far"), qPrintable(tip));
    }

    void maintenanceSpanShowsTaskAndDurations()
    {
        TimelineModel m;
        m.setJob(tooltipJob());
        const QString tip = Timeline::laneTooltip(m, m.laneOf("web-4"), T0 + 80'000, T0 + 100'000);
        QVERIFY2(tip.startsWith("<b>web-4</b> (web)"), qPrintable(tip));
        QVERIFY2(tip.contains("in maintenance · 35 s so far"), qPrintable(tip));
        // Model text is escaped.
        QVERIFY2(tip.contains("task: restart &lt;nginx&gt; · 30 s so far"), qPrintable(tip));
        QVERIFY2(tip.contains("node run: 1 min 40 s so far"), qPrintable(tip));
        // A closed span gives its length and both ends.
        const QString waited = Timeline::laneTooltip(m, m.laneOf("web-4"), T0 + 3000, T0 + 100'000);
        QVERIFY2(waited.contains("waiting for slot · 1 min 03 s ("), qPrintable(waited));
    }

    void failureShowsTheReason()
    {
        TimelineModel m;
        m.setJob(tooltipJob());
        const QString tip = Timeline::laneTooltip(m, m.laneOf("web-5"), T0 + 6000, T0 + 100'000);
        QVERIFY2(tip.contains("reason: exit 2"), qPrintable(tip));
        QVERIFY2(tip.contains("node run: 5.0 s"), qPrintable(tip));
        QVERIFY(!tip.contains("so far<"));
    }

    void outsideAnySpan()
    {
        TimelineModel m;
        m.setJob(tooltipJob());
        const QString tip = Timeline::laneTooltip(m, 0, T0 - 5000, T0);
        QVERIFY2(tip.contains("no state at"), qPrintable(tip));
        QVERIFY(Timeline::laneTooltip(m, 9, T0, T0).isEmpty());
        QVERIFY(Timeline::laneTooltip(m, -1, T0, T0).isEmpty());
    }

    void aggregateAndGroup()
    {
        TimelineModel m;
        m.setJob(tooltipJob());
        const QString agg = Timeline::aggregateTooltip(m, 0, 2, T0 + 6000, T0 + 10'000);
        QVERIFY2(agg.contains("web-4 … web-5</b> (2 nodes)"), qPrintable(agg));
        QVERIFY2(agg.contains("1 waiting for slot, 1 failed"), qPrintable(agg));
        const QString group = Timeline::groupTooltip(m, 0);
        QVERIFY2(group.contains("<b>web</b> · 2 nodes"), qPrintable(group));
        QVERIFY2(group.contains("1 in maintenance, 1 failed"), qPrintable(group));
        QVERIFY(Timeline::groupTooltip(m, 3).isEmpty());
        QVERIFY(Timeline::aggregateTooltip(m, 5, 2, T0, T0).isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_TimelineTooltip)
#include "tst_timelinetooltip.moc"
