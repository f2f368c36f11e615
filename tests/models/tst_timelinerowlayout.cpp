#include "models/timelinemodel.h"
#include "models/timelinerowlayout.h"

#include <QTest>

using namespace Baton;

namespace {

// `counts[i]` nodes in service "svc-i".
Job groupsJob(const QList<int> &counts)
{
    Job j;
    j.id = 1;
    j.createdAtMs = 1000;
    for (int g = 0; g < counts.size(); ++g) {
        for (int i = 0; i < counts[g]; ++i) {
            NodeRun r;
            r.service = QStringLiteral("svc-%1").arg(g);
            r.node = QStringLiteral("svc-%1-%2").arg(g).arg(i);
            r.transitions << StateTransition { NodeRunState::Queued, 1000, QString() };
            j.nodes << r;
        }
    }
    return j;
}

} // namespace

class tst_TimelineRowLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyModelHasNoRows()
    {
        TimelineModel m;
        TimelineRowLayout layout;
        layout.build(m, {});
        QCOMPARE(layout.rowCount(), 0);
        QCOMPARE(layout.totalHeight(), 0);
        QCOMPARE(layout.rowAt(0), -1);
        QCOMPARE(layout.rowOfLane(0), -1);
    }

    void scrollingStacksHeadersAndLanes()
    {
        TimelineModel m;
        m.setJob(groupsJob({ 2, 3 }));
        TimelineRowLayout layout;
        TimelineRowLayout::Params p;
        p.headerHeight = 20;
        p.rowHeight = 10;
        layout.build(m, p);
        QCOMPARE(layout.rowCount(), 7);
        QCOMPARE(layout.totalHeight(), 2 * 20 + 5 * 10);
        QCOMPARE(layout.row(0).kind, TimelineRow::Kind::Header);
        QCOMPARE(layout.row(1), (TimelineRow { TimelineRow::Kind::Lane, 0, 0, 1, 20, 10 }));
        QCOMPARE(layout.row(3).kind, TimelineRow::Kind::Header);
        QCOMPARE(layout.row(3).y, 40);
        QCOMPARE(layout.rowAt(0), 0);
        QCOMPARE(layout.rowAt(19), 0);
        QCOMPARE(layout.rowAt(20), 1);
        QCOMPARE(layout.rowAt(45), 3);
        QCOMPARE(layout.rowAt(89), 6);
        QCOMPARE(layout.rowAt(90), -1);
        QCOMPARE(layout.rowAt(-1), -1);
        QCOMPARE(layout.rowOfLane(0), 1);
        QCOMPARE(layout.rowOfLane(2), 4);
        QCOMPARE(layout.rowOfLane(4), 6);
        QCOMPARE(layout.rowOfLane(5), -1);
        QCOMPARE(layout.rowsIn(25, 45), std::make_pair(1, 4));
        QCOMPARE(layout.rowsIn(1000, 2000), std::make_pair(7, 7));
        QVERIFY(!layout.isAggregated());
    }

    void collapsedServiceKeepsOnlyItsHeader()
    {
        TimelineModel m;
        m.setJob(groupsJob({ 2, 3 }));
        TimelineRowLayout layout;
        TimelineRowLayout::Params p;
        p.collapsed = QStringList { QStringLiteral("svc-0") };
        layout.build(m, p);
        QCOMPARE(layout.rowCount(), 5);
        QCOMPARE(layout.rowOfLane(0), -1);
        QCOMPARE(layout.rowOfLane(2), 2);
    }

    void fitSharesTheHeight()
    {
        TimelineModel m;
        m.setJob(groupsJob({ 4, 4 }));
        TimelineRowLayout layout;
        TimelineRowLayout::Params p;
        p.fit = true;
        p.fitHeight = 200;
        p.headerHeight = 20;
        p.maxRowHeight = 100;
        layout.build(m, p);
        QCOMPARE(layout.rowCount(), 10);
        QCOMPARE(layout.totalHeight(), 200);
        QCOMPARE(layout.row(1).height, 20); // (200 - 40) / 8
        QVERIFY(!layout.isAggregated());
        // Capped rows do not fill the height.
        p.maxRowHeight = 10;
        layout.build(m, p);
        QCOMPARE(layout.totalHeight(), 2 * 20 + 8 * 10);
    }

    void moreLanesThanPixelRowsAggregate()
    {
        TimelineModel m;
        m.setJob(groupsJob({ 5000, 1000 }));
        TimelineRowLayout layout;
        TimelineRowLayout::Params p;
        p.fit = true;
        p.fitHeight = 1000;
        p.headerHeight = 20;
        p.minRowHeight = 2;
        layout.build(m, p);
        QVERIFY(layout.isAggregated());
        // 960 px of rows at 2 px is 480 rows for 6,000 lanes: 13 lanes per row, each service rounding up.
        QCOMPARE(layout.lanesPerRow(), 13);
        QVERIFY(layout.totalHeight() <= 1000);
        int lanes = 0;
        int previousBottom = 0;
        for (const TimelineRow &r : layout.rows()) {
            QCOMPARE(r.y, previousBottom); // no gaps, no overlaps
            previousBottom = r.y + r.height;
            lanes += r.laneCount;
            if (r.kind != TimelineRow::Kind::Header) {
                QVERIFY(r.height >= 2);
                QVERIFY(r.laneCount <= 13);
            }
        }
        QCOMPARE(lanes, 6000);
        // Each row stands for a contiguous block of its own service.
        QCOMPARE(layout.rowOfLane(0), 1);
        QCOMPARE(layout.rowOfLane(12), 1);
        QCOMPARE(layout.rowOfLane(13), 2);
        const int r = layout.rowOfLane(4999);
        QCOMPARE(layout.row(r).firstLane + layout.row(r).laneCount, 5000);
        QCOMPARE(layout.row(r + 1).kind, TimelineRow::Kind::Header);
    }

    void headersGiveWayWhenTheyWouldTakeHalfTheHeight()
    {
        TimelineModel m;
        m.setJob(groupsJob({ 1, 1, 1, 1, 1 }));
        TimelineRowLayout layout;
        TimelineRowLayout::Params p;
        p.fit = true;
        p.fitHeight = 100;
        p.headerHeight = 20;
        layout.build(m, p);
        for (const TimelineRow &r : layout.rows())
            QVERIFY(r.kind != TimelineRow::Kind::Header);
        QCOMPARE(layout.rowCount(), 5);
    }
};

QTEST_GUILESS_MAIN(tst_TimelineRowLayout)
#include "tst_timelinerowlayout.moc"
