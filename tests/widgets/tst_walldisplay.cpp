#include "models/timelinejobs.h"
#include "models/timelinemodel.h"
#include "widgets/budgetgauge.h"
#include "widgets/walldisplay.h"
#include "widgets/walltile.h"

#include <QAbstractButton>
#include <QAction>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton;

namespace {

constexpr qint64 T0 = 1'790'000'000'000;
constexpr qint64 MIN = 60'000;

NodeRun node(const QString &name, QList<StateTransition> tr, qint64 lastEvent = 0)
{
    NodeRun r;
    r.node = name;
    r.service = name.section(QLatin1Char('-'), 0, 0);
    r.transitions = tr;
    r.state = tr.constLast().state;
    r.lastEventAtMs = lastEvent ? lastEvent : tr.constLast().atMs;
    return r;
}

Job job(qint64 id, QList<NodeRun> nodes, qint64 created)
{
    Job j;
    j.id = id;
    j.state = JobState::Running;
    j.createdAtMs = created;
    j.spec.playbook = QStringLiteral("p%1.yml").arg(id);
    j.spec.nodeTimeoutS = 24 * 3600;
    j.nodes = nodes;
    return j;
}

Job finished(qint64 id, qint64 created)
{
    Job j = job(id,
        { node("web-1", { { NodeRunState::Queued, created, {} }, { NodeRunState::Succeeded, created + MIN, {} } }) },
        created);
    j.state = JobState::Succeeded;
    j.finishedAtMs = created + MIN;
    return j;
}

struct Wall
{
    QTemporaryDir dir;
    QSettings settings { dir.filePath("wall.ini"), QSettings::IniFormat };
    qint64 now = T0 + 30 * MIN;
    TimelineJobs jobs;
    WallDisplay wall { &jobs };

    Wall()
    {
        jobs.setClock([this] { return now; });
        wall.setClock([this] { return now; });
        wall.setSettings(&settings);
        wall.resize(1920, 1080);
    }
};

} // namespace

class tst_WallDisplay : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void attentionFirst()
    {
        Wall w;
        const QList<StateTransition> fine { { NodeRunState::Queued, T0, {} },
            { NodeRunState::InMaintenance, w.now - MIN, {} } };
        w.jobs.applyJob(job(1, { node("web-1", fine) }, T0 + 50));
        w.jobs.applyJob(job(2,
            { node("db-1", { { NodeRunState::Queued, T0, {} }, { NodeRunState::InMaintenance, T0 + MIN, {} } },
                T0 + MIN) },
            T0 + 40)); // stuck
        w.jobs.applyJob(job(3,
            { node("api-1", { { NodeRunState::Queued, T0, {} }, { NodeRunState::Failed, T0 + MIN, {} } }) }, T0 + 30));
        Job halted = job(4, { node("queue-1", fine) }, T0 + 20);
        halted.haltReason = QStringLiteral("queue-3 failed");
        w.jobs.applyJob(halted);
        w.jobs.applyJob(job(5,
            { node("edge-1",
                { { NodeRunState::Queued, T0, {} }, { NodeRunState::WaitingForSlot, w.now - 20 * MIN, {} } }) },
            T0 + 10));
        QCOMPARE(w.wall.visibleJobs(), (QList<qint64> { 2, 3, 4, 5, 1 }));
        QCOMPARE(w.wall.pageCount(), 1);
    }

    void manyJobsRotateWithAttentionPinned()
    {
        Wall w;
        for (int i = 1; i <= 40; ++i)
            w.jobs.applyJob(job(i,
                { node(QStringLiteral("web-%1").arg(i),
                    { { NodeRunState::Queued, T0, {} }, { NodeRunState::InMaintenance, w.now - MIN, {} } }) },
                T0 + i));
        // One job fails: it stays on every page.
        w.jobs.applyJob(job(
            99, { node("db-1", { { NodeRunState::Queued, T0, {} }, { NodeRunState::Failed, T0 + MIN, {} } }) }, T0));
        QVERIFY(w.wall.pageCount() > 1);
        const QList<qint64> first = w.wall.visibleJobs();
        QCOMPARE(first.first(), qint64(99));
        w.wall.nextPage();
        const QList<qint64> second = w.wall.visibleJobs();
        QCOMPARE(second.first(), qint64(99));
        QVERIFY(first != second);
        // Every job is shown on some page.
        QSet<qint64> seen;
        for (int p = 0; p < w.wall.pageCount(); ++p) {
            for (qint64 id : w.wall.visibleJobs())
                seen.insert(id);
            w.wall.nextPage();
        }
        QCOMPARE(seen.size(), 41);
        // Rotation runs only while shown and while there are pages.
        QVERIFY(!w.wall.isRotating());
        w.wall.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w.wall));
        QVERIFY(w.wall.isRotating());
        w.jobs.clear();
        QCOMPARE(w.wall.pageCount(), 1);
        QVERIFY(!w.wall.isRotating());
    }

    void tilesRotatedOutGiveTheirPicturesBack()
    {
        // A wall holds a tile per job and shows a page of them; only the shown ones may hold a picture, or a
        // busy wall grows by a raster for every tile it ever showed (the soak found ~70 MB).
        Wall w;
        for (int i = 1; i <= 40; ++i)
            w.jobs.applyJob(job(i,
                { node(QStringLiteral("web-%1").arg(i),
                    { { NodeRunState::Queued, T0, {} }, { NodeRunState::InMaintenance, w.now - MIN, {} } }) },
                T0 + i));
        w.wall.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w.wall));
        QVERIFY(w.wall.pageCount() > 2);
        auto tileOf = [&](qint64 id) {
            for (WallTile *t : w.wall.findChildren<WallTile *>()) {
                if (t->jobId() == id)
                    return t;
            }
            return static_cast<WallTile *>(nullptr);
        };
        const QList<qint64> first = w.wall.visibleJobs();
        QTRY_VERIFY(tileOf(first.first())->paintCount() > 0);
        for (qint64 id : first)
            QTRY_VERIFY2(tileOf(id)->cacheBytes() > 0, qPrintable(QString::number(id)));
        const int pages = w.wall.pageCount();
        for (int p = 1; p < pages; ++p) {
            w.wall.nextPage();
            QTest::qWait(20);
        }
        // Back where it started: every tile has been shown once; only the page in view holds caches.
        w.wall.nextPage();
        QTest::qWait(20);
        const QList<qint64> shown = w.wall.visibleJobs();
        QCOMPARE(shown, first);
        int holding = 0;
        for (WallTile *t : w.wall.findChildren<WallTile *>()) {
            QVERIFY(t->paintCount() > 0); // each one was painted on its page
            if (t->cacheBytes() > 0) {
                ++holding;
                QVERIFY2(shown.contains(t->jobId()), qPrintable(QString::number(t->jobId())));
            }
        }
        QVERIFY(holding <= shown.size());
    }

    void idleMeansIdle()
    {
        Wall w;
        w.wall.resize(3840, 2160); // 20 jobs tile on a 4K wall
        for (int i = 1; i <= 20; ++i)
            w.jobs.applyJob(finished(i, w.now - 3 * MIN));
        QCOMPARE(w.wall.visibleJobs().size(), 20);
        w.wall.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w.wall));
        QTest::qWait(100);
        // Finished jobs, connected, one page: no timer of the wall runs (the jobs' own timer waits for the
        // first job to leave, minutes away).
        QVERIFY(!w.wall.isTicking());
        QVERIFY(!w.wall.isRotating());
        QVERIFY(!w.wall.isStaleClockRunning());
        const int paints = w.wall.repaintCount() + w.wall.tilePaintCount();
        QTest::qWait(1200);
        QCOMPARE(w.wall.repaintCount() + w.wall.tilePaintCount(), paints);
        // The same budgets again repaint nothing either.
        ServiceBudget b;
        b.service = QStringLiteral("web");
        b.instances = 4;
        w.wall.setServiceBudgets({ b });
        QTest::qWait(50);
        const int after = w.wall.repaintCount() + w.wall.tilePaintCount();
        w.wall.setServiceBudgets({ b });
        QTest::qWait(100);
        QCOMPARE(w.wall.repaintCount() + w.wall.tilePaintCount(), after);
    }

    void runningJobsTickAtMostOnceASecond()
    {
        Wall w;
        w.jobs.applyJob(job(1,
            { node("web-1", { { NodeRunState::Queued, T0, {} }, { NodeRunState::InMaintenance, w.now - MIN, {} } }) },
            T0));
        QVERIFY(!w.wall.isTicking()); // hidden
        w.wall.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w.wall));
        QVERIFY(w.wall.isTicking());
        w.wall.hide();
        QVERIFY(!w.wall.isTicking());
    }

    void stalenessBannerAndItsClock()
    {
        Wall w;
        w.wall.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w.wall));
        QVERIFY(!w.wall.isStale());
        QVERIFY(!w.wall.isStaleClockRunning());
        w.wall.setConnection(WallDisplay::Connection::Connecting, w.now - 42'000, "connection refused");
        QVERIFY(w.wall.isStale());
        QVERIFY(w.wall.isStaleClockRunning());
        QCOMPARE(w.wall.staleText(),
            QStringLiteral("Reconnecting to the job service… last update 42 s ago (connection refused)"));
        w.now += 5000;
        QCOMPARE(w.wall.staleText(),
            QStringLiteral("Reconnecting to the job service… last update 47 s ago (connection refused)"));
        w.wall.setConnection(WallDisplay::Connection::Disconnected, 0);
        QCOMPARE(w.wall.staleText(), QStringLiteral("Connection lost — no update yet"));
        w.wall.setConnection(WallDisplay::Connection::Connected, w.now);
        QVERIFY(!w.wall.isStaleClockRunning());
        QVERIFY(w.wall.staleText().isEmpty());
    }

    void layoutIsRememberedPerScreen()
    {
        Wall w;
        const QString a = WallLayout::screenKey("DP-1", QRect(0, 0, 1920, 1080));
        const QString b = WallLayout::screenKey("HDMI/2", QRect(1920, 0, 3840, 2160));
        QCOMPARE(a, QStringLiteral("DP-1 1920x1080+0+0"));
        QVERIFY(!b.contains('/'));
        w.wall.useScreenKey(a);
        QCOMPARE(w.wall.wallLayout(), WallLayout());
        QTest::keyClick(&w.wall, Qt::Key_BracketRight);
        QTest::keyClick(&w.wall, Qt::Key_BracketRight);
        QTest::keyClick(&w.wall, Qt::Key_B);
        QTest::keyClick(&w.wall, Qt::Key_Plus);
        QCOMPARE(w.wall.wallLayout().columns, 2);
        QVERIFY(!w.wall.wallLayout().showBudgets);
        w.wall.useScreenKey(b);
        QCOMPARE(w.wall.wallLayout(), WallLayout()); // the other screen has its own
        w.wall.useScreenKey(a);
        QCOMPARE(w.wall.wallLayout().columns, 2);
        QVERIFY(!w.wall.wallLayout().showBudgets);
        QVERIFY(w.wall.wallLayout().fontScale > WallLayout().fontScale);
        // Garbage in the settings file is clamped, not trusted.
        w.settings.setValue(QStringLiteral("wall/screens/%1/columns").arg(b), 999);
        w.settings.setValue(QStringLiteral("wall/screens/%1/fontScale").arg(b), "banana");
        w.wall.useScreenKey(b);
        QCOMPARE(w.wall.wallLayout().columns, 8);
        QCOMPARE(w.wall.wallLayout().fontScale, 0.8);
    }

    void escapeAsksToLeave()
    {
        Wall w;
        QSignalSpy exit(&w.wall, &WallDisplay::exitRequested);
        QTest::keyClick(&w.wall, Qt::Key_Escape);
        QCOMPARE(exit.count(), 1);
    }

    void readOnlyDarkAndLargeType()
    {
        Wall w;
        w.jobs.applyJob(job(1,
            { node("web-1", { { NodeRunState::Queued, T0, {} }, { NodeRunState::InMaintenance, w.now - MIN, {} } }) },
            T0));
        ServiceBudget b;
        b.service = QStringLiteral("web");
        b.instances = 4;
        w.wall.setServiceBudgets({ b });
        w.wall.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w.wall));
        // Read-only: nothing on the wall can launch, cancel or edit anything.
        QVERIFY(w.wall.findChildren<QAbstractButton *>().isEmpty());
        QVERIFY(w.wall.findChildren<QLineEdit *>().isEmpty());
        QVERIFY(w.wall.findChildren<QAction *>().isEmpty());
        QVERIFY(w.wall.actions().isEmpty());
        QSignalSpy exit(&w.wall, &WallDisplay::exitRequested);
        const QList<qint64> shown = w.wall.visibleJobs();
        const QList<WallTile *> tiles = w.wall.findChildren<WallTile *>();
        QVERIFY(!tiles.isEmpty());
        QTest::mouseClick(tiles.constFirst(), Qt::LeftButton, {}, tiles.constFirst()->rect().center());
        QTest::mouseDClick(tiles.constFirst(), Qt::LeftButton, {}, tiles.constFirst()->rect().center());
        QTest::mouseClick(tiles.constFirst(), Qt::RightButton, {}, tiles.constFirst()->rect().center());
        QCOMPARE(w.wall.visibleJobs(), shown);
        QCOMPARE(exit.count(), 0);
        QCOMPARE(w.jobs.model(1)->lane(0).state, NodeRunState::InMaintenance);
        // Dark: the picture is mostly dark whatever the desktop theme.
        QVERIFY(w.wall.palette().color(QPalette::Window).lightness() < 80);
        const QImage img = w.wall.grab().toImage().convertToFormat(QImage::Format_Grayscale8);
        qint64 sum = 0;
        for (int y = 0; y < img.height(); y += 4) {
            for (int x = 0; x < img.width(); x += 4)
                sum += qGray(img.pixel(x, y));
        }
        const qint64 mean = sum / (((img.height() + 3) / 4) * qint64((img.width() + 3) / 4));
        QVERIFY2(mean < 90, qPrintable(QString::number(mean)));
        // Large type by default, and the type size is the operator's (+/-), kept for the screen.
        QVERIFY(w.wall.wallLayout().fontScale >= 1.5);
        w.wall.useScreenKey(QStringLiteral("test-screen"));
        const qreal before = w.wall.wallLayout().fontScale;
        QTest::keyClick(&w.wall, Qt::Key_Plus);
        QVERIFY(w.wall.wallLayout().fontScale > before);
    }

    void budgetsInTroubleComeFirst()
    {
        Wall w;
        w.jobs.applyJob(job(1,
            { node("web-1", { { NodeRunState::Queued, T0, {} }, { NodeRunState::InMaintenance, w.now - MIN, {} } }) },
            T0));
        ServiceBudget quiet;
        quiet.service = QStringLiteral("aaa");
        quiet.instances = 3;
        ServiceBudget web;
        web.service = QStringLiteral("web");
        web.instances = 4;
        web.holders = QStringList { "web-1" };
        ServiceBudget over;
        over.service = QStringLiteral("db");
        over.instances = 4;
        over.maxOffline = MaxOffline::count(1);
        over.offline = { { "db-1", "critical: disk" }, { "db-2", "maintenance: manual" } };
        w.wall.setServiceBudgets({ quiet, web, over });
        QCOMPARE(w.wall.gaugeServices(), (QStringList { "db", "web", "aaa" }));
    }

    void jobsComeAndGo()
    {
        Wall w;
        w.wall.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w.wall));
        QVERIFY(w.wall.visibleJobs().isEmpty());
        JobEvent created;
        created.type = JobEvent::Type::JobCreated;
        created.job = job(7, { node("web-1", { { NodeRunState::Queued, w.now, {} } }) }, w.now);
        w.jobs.applyEvent(created);
        QCOMPARE(w.wall.visibleJobs(), QList<qint64> { 7 });
        JobEvent done;
        done.type = JobEvent::Type::JobState;
        done.jobId = 7;
        done.jobState = JobState::Succeeded;
        done.atMs = w.now;
        w.jobs.applyEvent(done);
        w.jobs.flush();
        w.now += 11 * MIN; // past the linger time
        w.jobs.setClock([&w] { return w.now; });
        QVERIFY(w.wall.visibleJobs().isEmpty());
    }
};

QTEST_MAIN(tst_WallDisplay)
#include "tst_walldisplay.moc"
