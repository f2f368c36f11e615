#include "models/timelinemodel.h"
#include "support/timelinefixtures.h"
#include "widgets/timelineview.h"

#include <QDateTime>
#include <QFile>
#include <QImageReader>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton;

namespace {

TimelineFixtures::Rolling params()
{
    TimelineFixtures::Rolling p;
    p.nodesPerService = 6;
    p.maxOffline = 2;
    return p;
}

struct Fixture
{
    TimelineModel model;
    TimelineView view;
    qint64 now = 0;

    explicit Fixture(bool finished)
    {
        const TimelineFixtures::Rolling p = params();
        const qint64 end = TimelineFixtures::rollingEnd(p);
        now = finished ? end + 60'000 : p.start + (end - p.start) / 2;
        model.setJob(TimelineFixtures::rollingJob(p, finished ? 0 : now));
        view.setClock([this] { return now; });
        view.resize(1000, 500);
        view.setModel(&model);
    }
};

void wheel(QWidget *w, QPoint pos, QPoint angle, Qt::KeyboardModifiers mods)
{
    QWheelEvent e(pos, w->mapToGlobal(pos), QPoint(), angle, Qt::NoButton, mods, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(w, &e);
}

} // namespace

class tst_TimelineView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void runningJobFollowsAndTicksOnlyWhileVisible()
    {
        Fixture f(false);
        QCOMPARE(f.view.zoom()->follow(), TimelineZoom::Follow::Trace);
        QVERIFY(!f.view.isTicking()); // not shown yet
        f.view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        QVERIFY(f.view.isTicking());
        QVERIFY(f.view.zoom()->rangeEnd() > f.now);
        f.view.hide();
        QVERIFY(!f.view.isTicking());
    }

    void finishedJobKeepsNoTimer()
    {
        Fixture f(true);
        f.view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        QCOMPARE(f.view.zoom()->follow(), TimelineZoom::Follow::Off);
        QVERIFY(!f.view.isTicking());
        QVERIFY(f.view.zoom()->rangeStart() <= f.model.traceStart());
        QVERIFY(f.view.zoom()->rangeEnd() >= f.model.traceEnd(f.now));
    }

    void ctrlWheelZoomsAtTheCursorAndPanningPausesFollow()
    {
        Fixture f(false);
        f.view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        QSignalSpy following(&f.view, &TimelineView::followingChanged);
        const qint64 before = f.view.zoom()->rangeLength();
        wheel(f.view.viewport(), QPoint(600, 200), QPoint(0, 120), Qt::ControlModifier);
        QVERIFY(f.view.zoom()->rangeLength() < before);
        QVERIFY(f.view.zoom()->follow() != TimelineZoom::Follow::Off); // zooming keeps following
        wheel(f.view.viewport(), QPoint(600, 200), QPoint(0, 120), Qt::ShiftModifier);
        QCOMPARE(f.view.zoom()->follow(), TimelineZoom::Follow::Off);
        QVERIFY(following.count() >= 1);
        QCOMPARE(following.last().at(0).toBool(), false);
        QTest::keyClick(&f.view, Qt::Key_End);
        QCOMPARE(f.view.zoom()->follow(), TimelineZoom::Follow::Window);
        QCOMPARE(following.last().at(0).toBool(), true);
    }

    void keysZoomPanAndFit()
    {
        Fixture f(true);
        const qint64 length = f.view.zoom()->rangeLength();
        QTest::keyClick(&f.view, Qt::Key_Plus);
        QVERIFY(f.view.zoom()->rangeLength() < length);
        QTest::keyClick(&f.view, Qt::Key_Minus);
        QTest::keyClick(&f.view, Qt::Key_Minus);
        QVERIFY(f.view.zoom()->rangeLength() > length);
        const qint64 start = f.view.zoom()->rangeStart();
        QTest::keyClick(&f.view, Qt::Key_Right);
        QVERIFY(f.view.zoom()->rangeStart() > start);
        QTest::keyClick(&f.view, Qt::Key_0);
        QVERIFY(f.view.zoom()->rangeLength() < length * 11 / 10);
        QTest::keyClick(&f.view, Qt::Key_A);
        QVERIFY(f.view.fitLanes());
    }

    void clickingALaneAsksForItsLog()
    {
        Fixture f(true);
        f.view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        QSignalSpy activated(&f.view, &TimelineView::nodeActivated);
        // Find a lane row in the viewport.
        QPoint lanePos;
        for (int y = 0; y < 300 && lanePos.isNull(); y += 4) {
            if (f.view.hitAt(QPoint(500, y)).kind == TimelineHit::Kind::Lane)
                lanePos = QPoint(500, y);
        }
        QVERIFY(!lanePos.isNull());
        const TimelineHit hit = f.view.hitAt(lanePos);
        QTest::mouseClick(f.view.viewport(), Qt::LeftButton, {}, lanePos);
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.at(0).at(0).toLongLong(), f.model.jobId());
        QCOMPARE(activated.at(0).at(1).toString(), f.model.lane(hit.lane).node);
        QCOMPARE(f.view.timelinePainter().selectedLane(), hit.lane);
        // A drag pans instead of activating.
        const qint64 start = f.view.zoom()->rangeStart();
        QTest::mousePress(f.view.viewport(), Qt::LeftButton, {}, lanePos);
        QTest::mouseMove(f.view.viewport(), lanePos + QPoint(100, 0));
        QTest::mouseRelease(f.view.viewport(), Qt::LeftButton, {}, lanePos + QPoint(100, 0));
        QCOMPARE(activated.count(), 1);
        QVERIFY(f.view.zoom()->rangeStart() < start);
    }

    void clickingAHeaderFoldsTheService()
    {
        Fixture f(true);
        f.view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        const int before = f.view.timelinePainter().layout().rowCount();
        QPoint headerPos;
        for (int y = 0; y < 100 && headerPos.isNull(); y += 2) {
            if (f.view.hitAt(QPoint(500, y)).kind == TimelineHit::Kind::Header)
                headerPos = QPoint(500, y);
        }
        QVERIFY(!headerPos.isNull());
        QTest::mouseClick(f.view.viewport(), Qt::LeftButton, {}, headerPos);
        QCOMPARE(f.view.timelinePainter().layout().rowCount(), before - 6);
        QTest::mouseClick(f.view.viewport(), Qt::LeftButton, {}, headerPos);
        QCOMPARE(f.view.timelinePainter().layout().rowCount(), before);
    }

    void tooltipSaysWhyANodeWaits()
    {
        Fixture f(false);
        f.view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        const int lane = [&] {
            for (int i = 0; i < f.model.laneCount(); ++i) {
                if (f.model.lane(i).state == NodeRunState::WaitingForSlot)
                    return i;
            }
            return -1;
        }();
        QVERIFY(lane >= 0);
        const auto &layout = f.view.timelinePainter().layout();
        const int row = layout.rowOfLane(lane);
        const QRect lanes = f.view.timelinePainter().laneArea();
        const int y
            = lanes.top() + layout.row(row).y + layout.row(row).height / 2 - f.view.verticalScrollBar()->value();
        const int x = int(f.view.timelinePainter().timeToX(f.now - 500));
        const QString tip = f.view.toolTipAt(QPoint(x, y));
        QVERIFY2(tip.contains("waiting: slots held by"), qPrintable(tip));
        QVERIFY2(tip.contains(f.model.lane(lane).node), qPrintable(tip));
        // The ruler tells the time under the cursor.
        const QString ruler = f.view.toolTipAt(QPoint(x, lanes.top() / 2));
        QCOMPARE(ruler,
            QDateTime::fromMSecsSinceEpoch(f.view.hitAt(QPoint(x, lanes.top() / 2)).time)
                .toString("yyyy-MM-dd HH:mm:ss"));
    }

    void liveUpdatesRepaintWithoutReset()
    {
        Fixture f(false);
        f.view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        const int rows = f.view.timelinePainter().layout().rowCount();
        JobEvent e;
        e.type = JobEvent::Type::NodeState;
        e.jobId = f.model.jobId();
        e.node = f.model.lane(0).node;
        e.nodeState = NodeRunState::Failed;
        e.atMs = f.now;
        f.model.applyEvent(e);
        f.model.flush();
        QCOMPARE(f.view.timelinePainter().layout().rowCount(), rows);
        QTRY_VERIFY(f.view.timelinePainter().lastFrame().rowsPainted > 0);
    }

    void exportsPngAndSvg()
    {
        Fixture f(true);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString png = dir.filePath("t.png");
        const QString svg = dir.filePath("t.svg");
        const auto a = f.view.exportPng(png);
        QVERIFY2(a.has_value(), qPrintable(a ? QString() : a.error().toString()));
        const auto b = f.view.exportSvg(svg);
        QVERIFY2(b.has_value(), qPrintable(b ? QString() : b.error().toString()));
        QImageReader reader(png);
        const QSize size = reader.size();
        // Every lane, not just the viewport, at twice the logical size.
        const QSize logical = TimelineExport::exportSize(f.model, f.view.exportParams());
        QCOMPARE(size, logical * 2);
        QVERIFY(logical.height() >= f.view.timelinePainter().contentHeight());
        QFile file(svg);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray body = file.readAll();
        QVERIFY(body.contains("<svg"));
        QVERIFY(body.contains("web-1"));
        // An unwritable path is an error, not a crash.
        const auto bad = f.view.exportPng(dir.filePath("missing/dir/t.png"));
        QVERIFY(!bad.has_value());
        QCOMPARE(bad.error().kind, Error::Kind::Io);
    }

    void modelDeletedWhileShown()
    {
        auto *model = new TimelineModel;
        model->setJob(TimelineFixtures::rollingJob(params()));
        TimelineView view;
        view.resize(600, 300);
        view.setModel(model);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        delete model;
        QCOMPARE(view.model(), nullptr);
        QVERIFY(!view.isTicking());
        view.repaint();
        QVERIFY(!view.exportPng(QStringLiteral("/nonexistent/x.png")).has_value());
    }
};

QTEST_MAIN(tst_TimelineView)
#include "tst_timelineview.moc"
