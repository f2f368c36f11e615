#include "models/timelinemodel.h"
#include "support/timelinefixtures.h"
#include "widgets/timelinepainter.h"

#include <QImage>
#include <QPaintDevice>
#include <QPaintEngine>
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

// A paint device that records what a vector device (SVG, print) is asked to fill: the brush of every rectangle
// fill, in order, so a test can see whether fills are grouped by style or interleaved run by run.
class FillRecorder : public QPaintDevice
{
public:
    struct Fill
    {
        QColor color;
        Qt::BrushStyle style;
        int rects;
        qreal left; // of the first rectangle, in device coordinates
    };

    explicit FillRecorder(QSize size)
        : m_size(size)
        , m_engine(this)
    { }
    QPaintEngine *paintEngine() const override { return const_cast<Engine *>(&m_engine); }
    const QList<Fill> &fills() const { return m_fills; }

protected:
    int metric(PaintDeviceMetric m) const override
    {
        switch (m) {
        case PdmWidth:
            return m_size.width();
        case PdmHeight:
            return m_size.height();
        case PdmWidthMM:
            return m_size.width() * 254 / 960;
        case PdmHeightMM:
            return m_size.height() * 254 / 960;
        case PdmNumColors:
            return INT_MAX;
        case PdmDepth:
            return 32;
        case PdmDpiX:
        case PdmDpiY:
        case PdmPhysicalDpiX:
        case PdmPhysicalDpiY:
            return 96;
        case PdmDevicePixelRatio:
            return 1;
        case PdmDevicePixelRatioScaled:
            return int(QPaintDevice::devicePixelRatioFScale());
        default:
            return 0;
        }
    }

private:
    class Engine : public QPaintEngine
    {
    public:
        explicit Engine(FillRecorder *owner)
            : QPaintEngine(AllFeatures)
            , m_owner(owner)
        { }
        bool begin(QPaintDevice *) override { return true; }
        bool end() override { return true; }
        Type type() const override { return QPaintEngine::User; }
        void updateState(const QPaintEngineState &s) override
        {
            if (s.state() & DirtyBrush)
                m_brush = s.brush();
        }
        void drawRects(const QRect *rects, int count) override { record(count, count > 0 ? rects[0].left() : 0); }
        void drawRects(const QRectF *rects, int count) override { record(count, count > 0 ? rects[0].left() : 0); }
        void drawPixmap(const QRectF &, const QPixmap &, const QRectF &) override { }
        void drawImage(const QRectF &, const QImage &, const QRectF &, Qt::ImageConversionFlags) override { }
        void drawPolygon(const QPointF *, int, PolygonDrawMode) override { }
        void drawPolygon(const QPoint *, int, PolygonDrawMode) override { }
        void drawPath(const QPainterPath &) override { }
        void drawLines(const QLineF *, int) override { }
        void drawLines(const QLine *, int) override { }
        void drawTextItem(const QPointF &, const QTextItem &) override { }

    private:
        void record(int count, qreal left)
        {
            if (m_brush.style() != Qt::NoBrush)
                m_owner->m_fills.push_back(
                    { m_brush.color(), m_brush.style(), count, left + painter()->transform().dx() });
        }
        FillRecorder *m_owner;
        QBrush m_brush;
    };

    QSize m_size;
    Engine m_engine;
    QList<Fill> m_fills;
};

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
        m.setJob(laneJob(
            { { { NodeRunState::Verifying, 0 }, { NodeRunState::Failed, 5002 }, { NodeRunState::Verifying, 5004 } } }));
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
            lanes << QList<std::pair<NodeRunState, qint64>> { { NodeRunState::Queued, 0 },
                { NodeRunState::Starting, 1000 } };
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

    void vectorFillsAreBatchedByStyle()
    {
        // Fifteen lanes of twenty alternating states, each span 50 px wide: a few hundred bars. On a vector
        // device they are filled style by style, so the brush changes a handful of times, not once per bar.
        const NodeRunState cycle[] = { NodeRunState::WaitingForSlot, NodeRunState::InMaintenance,
            NodeRunState::Verifying, NodeRunState::Starting };
        QList<QList<std::pair<NodeRunState, qint64>>> lanes;
        for (int l = 0; l < 15; ++l) {
            QList<std::pair<NodeRunState, qint64>> lane;
            for (int i = 0; i < 20; ++i)
                lane.push_back({ cycle[(i + l) % 4], qint64(i) * 500 });
            lanes << lane;
        }
        TimelineModel m;
        m.setJob(laneJob(lanes));
        TimelinePainter tp;
        setUp(tp, &m);
        FillRecorder device(tp.size());
        {
            QPainter p(&device);
            tp.paint(p, QRect(QPoint(0, 0), tp.size()));
        }
        // The bars: fills inside the lane area (the label column has a state chip per lane, drawn with its label).
        QList<FillRecorder::Fill> bars;
        for (const FillRecorder::Fill &f : device.fills()) {
            if (f.left >= tp.laneArea().left())
                bars << f;
        }
        int rects = 0;
        int changes = 0;
        for (qsizetype i = 0; i < bars.size(); ++i) {
            rects += bars.at(i).rects;
            if (i > 0 && (bars.at(i).color != bars.at(i - 1).color || bars.at(i).style != bars.at(i - 1).style))
                ++changes;
        }
        QVERIFY2(rects >= 15 * 20, qPrintable(QString::number(rects)));
        // Each style: its fill, then its pattern; plus zebra, header band and grid fills. Bar by bar would be ~600.
        QVERIFY2(
            changes <= 30, qPrintable(QStringLiteral("%1 brush changes for %2 rectangles").arg(changes).arg(rects)));
    }

    void releasedCachesComeBackTheSame()
    {
        TimelineModel m;
        m.setJob(TimelineFixtures::denseJob(300, 50, T0, 200));
        TimelinePainter tp;
        TimelinePainter::Options o = options();
        o.fit = true;
        tp.setOptions(o);
        tp.setModel(&m);
        tp.setSize(QSize(1100, 400));
        tp.setRange(T0, T0 + 10'000);
        tp.setNow(T0 + 10'000);
        const QImage before = render(tp);
        const qsizetype held = tp.cacheBytes();
        QVERIFY(held >= qsizetype(1000) * 380 * 4); // at least the raster of the lane area
        tp.releaseCaches();
        QCOMPARE(tp.cacheBytes(), qsizetype(0));
        QCOMPARE(tp.hitTest(QPoint(600, 200)).kind, TimelineHit::Kind::Aggregate); // still answers
        const QImage after = render(tp);
        QCOMPARE(after, before);
        QVERIFY(tp.lastFrame().rowsBuilt > 0); // a cold frame
        QVERIFY(tp.cacheBytes() > 0);
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
