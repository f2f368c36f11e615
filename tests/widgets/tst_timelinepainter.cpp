#include "widgets/timelinepainter.h"

#include "models/timelinemodel.h"
#include "support/timelinefixtures.h"

#include <QImage>
#include <QPainter>
#include <QTest>

using namespace Baton;

namespace {

constexpr qint64 T0 = 1'790'000'000'000;

Job laneJob(const QList<QList<std::pair<NodeRunState, qint64>>> &lanes, const QString &service = "web")
{
    Job j;
    j.id = 9;
    j.state = JobState::Running;
    j.createdAtMs = T0;
    int i = 0;
    for (const auto &lane : lanes) {
        NodeRun r;
        r.node = QStringLiteral("%1-%2").arg(service).arg(++i);
        r.service = service;
        for (const auto &[s, off] : lane)
            r.transitions << StateTransition { s, T0 + off, QString() };
        r.state = r.transitions.constLast().state;
        r.lastEventAtMs = r.transitions.constLast().atMs;
        j.nodes << r;
    }
    return j;
}

// Label column 100 px, ruler 20 px, header 20 px, rows 20 px; lane area 1000 px wide showing 10 s (10 ms/px).
TimelinePainter::Options options()
{
    TimelinePainter::Options o;
    o.labelWidth = 100;
    o.rulerHeight = 20;
    o.headerHeight = 20;
    o.rowHeight = 20;
    return o;
}

void setUp(TimelinePainter &tp, const TimelineModel *m, qint64 now = T0 + 10'000)
{
    tp.setOptions(options());
    tp.setModel(m);
    tp.setSize(QSize(1100, 400));
    tp.setRange(T0, T0 + 10'000);
    tp.setNow(now);
}

QImage render(TimelinePainter &tp, qreal dpr = 1.0)
{
    tp.setDevicePixelRatio(dpr);
    QImage img(tp.size() * dpr, QImage::Format_ARGB32_Premultiplied);
    img.setDevicePixelRatio(dpr);
    img.fill(Qt::black);
    QPainter p(&img);
    tp.paint(p, QRect(QPoint(0, 0), tp.size()));
    return img;
}

} // namespace

class tst_TimelinePainter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void noModel()
    {
        TimelinePainter tp;
        setUp(tp, nullptr);
        QCOMPARE(tp.hitTest(QPoint(500, 100)).kind, TimelineHit::Kind::None);
        QCOMPARE(tp.hitTest(QPoint(50, 50)).kind, TimelineHit::Kind::None);
        QCOMPARE(tp.hitTest(QPoint(500, 5)).kind, TimelineHit::Kind::None);
        QCOMPARE(tp.contentHeight(), 0);
        QCOMPARE(tp.msUntilNowMoves(), qint64(-1));
        const QImage img = render(tp);
        QCOMPARE(img.pixelColor(600, 300), tp.theme().color(Theme::Role::Base)); // painted, not left black
    }

    void emptyRange()
    {
        TimelineModel m;
        m.setJob(laneJob({ { { NodeRunState::InMaintenance, 0 } } }));
        TimelinePainter tp;
        setUp(tp, &m);
        tp.setRange(T0, T0);
        QCOMPARE(tp.hitTest(QPoint(500, 50)).kind, TimelineHit::Kind::None);
        QCOMPARE(tp.hitTest(QPoint(500, 5)).kind, TimelineHit::Kind::None);
        // The label column still answers.
        QCOMPARE(tp.hitTest(QPoint(50, 50)).kind, TimelineHit::Kind::Label);
        render(tp); // and painting does not trip over it
    }

    void outOfRange()
    {
        TimelineModel m;
        m.setJob(laneJob({ { { NodeRunState::InMaintenance, 0 } } }));
        TimelinePainter tp;
        setUp(tp, &m);
        QCOMPARE(tp.hitTest(QPoint(-1, 50)).kind, TimelineHit::Kind::None);
        QCOMPARE(tp.hitTest(QPoint(500, 400)).kind, TimelineHit::Kind::None);
        QCOMPARE(tp.hitTest(QPoint(1100, 50)).kind, TimelineHit::Kind::None);
        // Below the last row: header 20..40, lane 40..60.
        QCOMPARE(tp.hitTest(QPoint(500, 61)).kind, TimelineHit::Kind::None);
    }

    void rowsAndTimes()
    {
        TimelineModel m;
        m.setJob(laneJob({ { { NodeRunState::Queued, 0 }, { NodeRunState::InMaintenance, 5000 } },
            { { NodeRunState::WaitingForSlot, 0 } } }));
        m.applyEvent([] {
            JobEvent e;
            e.type = JobEvent::Type::NodeTask;
            e.jobId = 9;
            e.node = QStringLiteral("web-1");
            e.task = QStringLiteral("upgrade");
            e.atMs = T0 + 6000;
            return e;
        }());
        m.flush();
        TimelinePainter tp;
        setUp(tp, &m);
        const TimelineHit ruler = tp.hitTest(QPoint(600, 5));
        QCOMPARE(ruler.kind, TimelineHit::Kind::Ruler);
        QCOMPARE(ruler.time, T0 + 5000);
        const TimelineHit header = tp.hitTest(QPoint(600, 30));
        QCOMPARE(header.kind, TimelineHit::Kind::Header);
        QCOMPARE(header.group, 0);
        const TimelineHit label = tp.hitTest(QPoint(50, 70));
        QCOMPARE(label.kind, TimelineHit::Kind::Label);
        QCOMPARE(label.lane, 1);
        const TimelineHit queued = tp.hitTest(QPoint(300, 50));
        QCOMPARE(queued.kind, TimelineHit::Kind::Lane);
        QCOMPARE(queued.lane, 0);
        QCOMPARE(queued.span, 0);
        QCOMPARE(queued.task, -1);
        QCOMPARE(queued.time, T0 + 2000);
        const TimelineHit working = tp.hitTest(QPoint(800, 50));
        QCOMPARE(working.span, 1);
        QCOMPARE(working.task, 0);
        // Past now an open span is not drawn, so nothing is hit there.
        tp.setNow(T0 + 7000);
        QCOMPARE(tp.hitTest(QPoint(900, 50)).span, -1);
        QCOMPARE(tp.hitTest(QPoint(900, 50)).task, -1);
        QCOMPARE(tp.hitTest(QPoint(750, 50)).span, 1);
    }

    void subPixelMergedSpanIsWhatIsHit()
    {
        TimelineModel m;
        // A 2 ms failure between long verifying spans; at 10 ms per pixel the pixel shows the failure.
        m.setJob(laneJob({ { { NodeRunState::Verifying, 0 }, { NodeRunState::Failed, 5002 },
            { NodeRunState::Verifying, 5004 } } }));
        TimelinePainter tp;
        setUp(tp, &m);
        const TimelineHit hit = tp.hitTest(QPoint(100 + 500, 50));
        QCOMPARE(hit.kind, TimelineHit::Kind::Lane);
        QCOMPARE(hit.span, 1);
        QCOMPARE(m.span(0, hit.span).state, NodeRunState::Failed);
        // The exact time under the cursor is in the first span; what is drawn wins.
        QCOMPARE(m.spanAt(0, hit.time), 0);
        QCOMPARE(tp.hitTest(QPoint(100 + 498, 50)).span, 0);
        const QImage img = render(tp);
        QCOMPARE(img.pixelColor(600, 50), tp.theme().nodeRunColor(NodeRunState::Failed));
    }

    void aggregatedRows()
    {
        TimelineModel m;
        m.setJob(TimelineFixtures::denseJob(2000, 20, T0, 500));
        TimelinePainter tp;
        TimelinePainter::Options o = options();
        o.fit = true;
        o.minRowHeight = 2;
        tp.setOptions(o);
        tp.setModel(&m);
        tp.setSize(QSize(1100, 400));
        tp.setRange(T0, T0 + 10'000);
        tp.setNow(T0 + 10'000);
        QVERIFY(tp.layout().isAggregated());
        QVERIFY(tp.contentHeight() <= 380);
        const TimelineHit hit = tp.hitTest(QPoint(600, 200));
        QCOMPARE(hit.kind, TimelineHit::Kind::Aggregate);
        QVERIFY(hit.laneCount > 1);
        QCOMPARE(hit.time, T0 + 5000);
        const QImage img = render(tp);
        QVERIFY(!img.isNull());
        QVERIFY(tp.lastFrame().rowsPainted <= 200);
    }

    void aggregatedRowsPanWithoutRevisitingSpans()
    {
        TimelineModel m;
        m.setJob(TimelineFixtures::denseJob(3000, 200, T0, 1000));
        TimelinePainter tp;
        TimelinePainter::Options o = options();
        o.fit = true;
        tp.setOptions(o);
        tp.setModel(&m);
        tp.setSize(QSize(1100, 400));
        tp.setRange(T0, T0 + 200'000);
        tp.setNow(T0 + 200'000);
        render(tp);
        const int rows = tp.lastFrame().rowsBuilt;
        QVERIFY(rows > 100);
        QCOMPARE(tp.lastFrame().summariesBuilt, rows);
        // A small pan (a follow step): every row's runs are rebuilt from its summary, no summary is.
        tp.setRange(T0 + 3'000, T0 + 203'000);
        render(tp);
        QCOMPARE(tp.lastFrame().rowsBuilt, rows);
        QCOMPARE(tp.lastFrame().summariesBuilt, 0);
        // A lane changes: only its row's summary is rebuilt.
        JobEvent e;
        e.type = JobEvent::Type::NodeState;
        e.jobId = 7;
        e.node = m.lane(5).node;
        e.nodeState = NodeRunState::Failed;
        e.atMs = T0 + 199'000;
        m.applyEvent(e);
        m.flush();
        render(tp);
        QCOMPARE(tp.lastFrame().summariesBuilt, 1);
        // Zooming out a level rebuilds them.
        tp.setRange(T0, T0 + 400'000);
        render(tp);
        QCOMPARE(tp.lastFrame().summariesBuilt, rows);
    }

    void scrolledRows()
    {
        TimelineModel m;
        QList<QList<std::pair<NodeRunState, qint64>>> lanes;
        for (int i = 0; i < 50; ++i)
            lanes << QList<std::pair<NodeRunState, qint64>> { { NodeRunState::Queued, 0 } };
        m.setJob(laneJob(lanes));
        TimelinePainter tp;
        setUp(tp, &m);
        QCOMPARE(tp.contentHeight(), 20 + 50 * 20);
        tp.setScrollY(400);
        // Content y = 50 - 20 + 400 = 430: row 21 (header is row 0), lane 20.
        const TimelineHit hit = tp.hitTest(QPoint(500, 50));
        QCOMPARE(hit.kind, TimelineHit::Kind::Lane);
        QCOMPARE(hit.lane, 20);
    }

    void geometryIsCachedAndRebuiltPerChangedRow()
    {
        TimelineModel m;
        QList<QList<std::pair<NodeRunState, qint64>>> lanes;
        for (int i = 0; i < 10; ++i)
            lanes << QList<std::pair<NodeRunState, qint64>> { { NodeRunState::Queued, 0 }, { NodeRunState::Starting, 1000 } };
        m.setJob(laneJob(lanes));
        TimelinePainter tp;
        setUp(tp, &m, T0 + 5000);
        render(tp);
        QCOMPARE(tp.lastFrame().rowsBuilt, 10);
        // Nothing changed: repaint from the cache.
        render(tp);
        QCOMPARE(tp.lastFrame().rowsBuilt, 0);
        // Hover and the moving now line do not rebuild either.
        tp.setHoverRow(3);
        tp.setNow(T0 + 6000);
        render(tp);
        QCOMPARE(tp.lastFrame().rowsBuilt, 0);
        // One lane changed: one row rebuilt.
        JobEvent e;
        e.type = JobEvent::Type::NodeState;
        e.jobId = 9;
        e.node = QStringLiteral("web-4");
        e.nodeState = NodeRunState::InMaintenance;
        e.atMs = T0 + 5500;
        m.applyEvent(e);
        m.flush();
        render(tp);
        QCOMPARE(tp.lastFrame().rowsBuilt, 1);
        // A new range rebuilds every visible row.
        tp.setRange(T0 + 1000, T0 + 11'000);
        render(tp);
        QCOMPARE(tp.lastFrame().rowsBuilt, 10);
        QCOMPARE(tp.lastFrame().rowsPainted, 11);
    }

    void openSpanGrowsWithoutRebuild()
    {
        TimelineModel m;
        m.setJob(laneJob({ { { NodeRunState::InMaintenance, 0 } } }));
        TimelinePainter tp;
        setUp(tp, &m, T0 + 2000);
        const QColor mnt = tp.theme().nodeRunColor(NodeRunState::InMaintenance);
        QImage img = render(tp);
        QCOMPARE(img.pixelColor(100 + 150, 50), mnt);
        QVERIFY(img.pixelColor(100 + 250, 50) != mnt);
        tp.setNow(T0 + 3000);
        img = render(tp);
        QCOMPARE(tp.lastFrame().rowsBuilt, 0);
        QCOMPARE(img.pixelColor(100 + 250, 50), mnt);
        QVERIFY(img.pixelColor(100 + 310, 50) != mnt);
    }

    void hiDpiEdgesAreExactInDevicePixels()
    {
        TimelineModel m;
        m.setJob(laneJob({ { { NodeRunState::InMaintenance, 0 }, { NodeRunState::Failed, 2500 } } }));
        TimelinePainter tp;
        setUp(tp, &m);
        const QImage img = render(tp, 2.0);
        QCOMPARE(img.size(), QSize(2200, 800));
        // 2.5 s = 250 logical px = 500 device px right of the 200-device-px label column.
        QCOMPARE(img.pixelColor(200 + 499, 100), tp.theme().nodeRunColor(NodeRunState::InMaintenance));
        QCOMPARE(img.pixelColor(200 + 500, 100), tp.theme().nodeRunColor(NodeRunState::Failed));
    }

    void statesDifferByPatternNotOnlyColour()
    {
        TimelineModel m;
        m.setJob(laneJob({ { { NodeRunState::WaitingForSlot, 0 }, { NodeRunState::InMaintenance, 5000 } } }));
        TimelinePainter tp;
        setUp(tp, &m);
        const QImage img = render(tp).convertToFormat(QImage::Format_Grayscale8);
        // In grey scale the hatched waiting span still has two tones; the solid one has one.
        QSet<int> waiting;
        QSet<int> solid;
        for (int x = 300; x < 340; ++x) {
            for (int y = 45; y < 52; ++y) {
                waiting.insert(qGray(img.pixel(x, y)));
                solid.insert(qGray(img.pixel(x + 500, y)));
            }
        }
        QVERIFY2(waiting.size() >= 2, "waiting span has no pattern");
        QCOMPARE(solid.size(), 1);
    }

    void nowLineTimer()
    {
        TimelineModel m;
        m.setJob(laneJob({ { { NodeRunState::InMaintenance, 0 } } }));
        TimelinePainter tp;
        setUp(tp, &m, T0 + 5003);
        tp.setDevicePixelRatio(1.0);
        // 10 ms per pixel; now is 3 ms into a pixel.
        QCOMPARE(tp.msUntilNowMoves(), qint64(7));
        tp.setDevicePixelRatio(2.0);
        QCOMPARE(tp.msUntilNowMoves(), qint64(2));
        tp.setNow(T0 + 20'000); // outside the range
        QCOMPARE(tp.msUntilNowMoves(), qint64(-1));
        tp.setNow(T0 + 5000);
        JobEvent done;
        done.type = JobEvent::Type::JobState;
        done.jobId = 9;
        done.jobState = JobState::Succeeded;
        done.atMs = T0 + 5000;
        m.applyEvent(done);
        m.flush();
        QCOMPARE(tp.msUntilNowMoves(), qint64(-1)); // a finished job does not move
    }

    void modelDestroyedUnderThePainter()
    {
        auto *m = new TimelineModel;
        m->setJob(laneJob({ { { NodeRunState::InMaintenance, 0 } } }));
        TimelinePainter tp;
        setUp(tp, m);
        render(tp);
        delete m;
        QCOMPARE(tp.model(), nullptr);
        QCOMPARE(tp.hitTest(QPoint(500, 50)).kind, TimelineHit::Kind::None);
        render(tp);
    }
};

QTEST_MAIN(tst_TimelinePainter)
#include "tst_timelinepainter.moc"
