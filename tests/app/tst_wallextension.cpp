#include "app/consoleextensions.h"
#include "app/consolesession.h"
#include "app/wallextension.h"
#include "models/timelinejobs.h"
#include "models/timelinemodel.h"
#include "support/fakejobservice.h"
#include "widgets/walldisplay.h"

#include <QAction>
#include <QSignalSpy>
#include <QTest>
#include <QVBoxLayout>

using namespace Baton;
using Baton::Test::FakeJobService;

namespace {

JobSpec spec(const QString &service = "web")
{
    JobSpec s;
    s.playbook = "rolling-restart.yml";
    s.target.service = service;
    return s;
}

} // namespace

class tst_WallExtension : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeJobService> m_service;
    std::unique_ptr<ConsoleSession> m_session;

    void connectSession()
    {
        ConnectionProfile p;
        p.name = "wall-test";
        p.jobServiceUrl = m_service->url();
        m_session->connectTo(p, {});
    }

private Q_SLOTS:
    void init()
    {
        m_service = std::make_unique<FakeJobService>();
        QVERIFY(m_service->listen());
        m_service->setServiceNodes("web", { "web-1", "web-2", "web-3" });
        m_service->setServiceNodes("db", { "db-1", "db-2" });
        m_session = std::make_unique<ConsoleSession>();
    }

    void cleanup()
    {
        m_session.reset();
        m_service.reset();
    }

    void registeredAsTheWallFactory()
    {
        ConsoleExtensions::clearForTests();
        QVERIFY(!ConsoleExtensions::wallFactory());
        ConsoleExtensions::registerBuiltInExtensions();
        QVERIFY(ConsoleExtensions::wallFactory());
    }

    void showsActiveJobsAndFollowsTheStream()
    {
        const qint64 before = m_service->createJob(spec("web"));
        std::unique_ptr<QWidget> page(createWallPage(m_session.get(), nullptr));
        QVERIFY(page);
        auto *wall = page->findChild<WallDisplay *>();
        auto *jobs = page->findChild<TimelineJobs *>();
        QVERIFY(wall && jobs);
        wall->resize(1920, 1080); // room for every job on one page (the page is not shown, its layout idle)
        connectSession();
        // A job running before the wall: fetched whole when the profile applies.
        QTRY_VERIFY(wall->visibleJobs().contains(before));
        QCOMPARE(jobs->model(before)->laneCount(), 3);
        // Live events move its lanes.
        m_service->setNodeState(before, "web-2", NodeRunState::InMaintenance, {}, "restart");
        QTRY_COMPARE(
            jobs->model(before)->lane(jobs->model(before)->laneOf("web-2")).state, NodeRunState::InMaintenance);
        // A job launched now arrives with its job.created event.
        const qint64 launched = m_service->createJob(spec("db"));
        QTRY_VERIFY2(wall->visibleJobs().contains(launched),
            qPrintable(QString("held %1, shown %2, pages %3")
                           .arg(jobs->count())
                           .arg(wall->visibleJobs().size())
                           .arg(wall->pageCount())));
        // A job the stream mentions but never announced is fetched.
        Job quiet;
        quiet.spec = spec("web");
        quiet.state = JobState::Running;
        NodeRun r;
        r.node = "web-9";
        r.service = "web";
        r.transitions << StateTransition { NodeRunState::Queued, 1000, {} };
        quiet.nodes << r;
        const qint64 hidden = m_service->addJob(quiet);
        m_service->setNodeState(hidden, "web-9", NodeRunState::Starting);
        QTRY_VERIFY(wall->visibleJobs().contains(hidden));
    }

    void staleWhileTheStreamIsDown()
    {
        std::unique_ptr<QWidget> page(createWallPage(m_session.get(), nullptr));
        auto *wall = page->findChild<WallDisplay *>();
        connectSession();
        QTRY_VERIFY(!wall->isStale());
        m_service->close();
        m_service->dropStreams();
        QTRY_VERIFY(wall->isStale());
        QVERIFY(wall->staleText().startsWith("Reconnecting") || wall->staleText().startsWith("Connection lost"));
    }

    void reconnectsAndCatchesUpAfterAnOutage()
    {
        const qint64 id = m_service->createJob(spec("web"));
        std::unique_ptr<QWidget> page(createWallPage(m_session.get(), nullptr));
        auto *wall = page->findChild<WallDisplay *>();
        auto *jobs = page->findChild<TimelineJobs *>();
        wall->resize(1920, 1080);
        connectSession();
        QTRY_VERIFY(wall->visibleJobs().contains(id));
        QTRY_VERIFY(!wall->isStale());
        m_service->setNodeState(id, "web-1", NodeRunState::InMaintenance, {}, "restart");
        QTRY_COMPARE(jobs->model(id)->lane(jobs->model(id)->laneOf("web-1")).state, NodeRunState::InMaintenance);
        const quint64 seenBefore = m_service->lastSeq();
        // The service goes away; the wall says so.
        const quint16 port = m_service->port();
        m_service->close();
        m_service->dropStreams();
        QTRY_VERIFY(wall->isStale());
        // Things move while the wall cannot see them.
        m_service->setNodeState(id, "web-1", NodeRunState::Verifying);
        m_service->setNodeState(id, "web-2", NodeRunState::WaitingForSlot, "slots held by web-1");
        // The service is back on the same address: the wall reconnects by itself, resumes after the last event
        // it had, and shows what it missed.
        QVERIFY(m_service->listen(port));
        QTRY_VERIFY_WITH_TIMEOUT(!wall->isStale(), 30'000);
        TimelineModel *m = jobs->model(id);
        QTRY_COMPARE(m->lane(m->laneOf("web-2")).state, NodeRunState::WaitingForSlot);
        QCOMPARE(m->lane(m->laneOf("web-1")).state, NodeRunState::Verifying);
        QVERIFY(m_service->lastEventIdsSeen().contains(QByteArray::number(seenBefore)));
        QVERIFY(wall->staleText().isEmpty());
    }

    void fullScreenWhileShownAndEscLeaves()
    {
        QWidget window;
        auto *layout = new QVBoxLayout(&window);
        QWidget *page = createWallPage(m_session.get(), &window);
        layout->addWidget(page);
        auto *action = new QAction(&window);
        action->setObjectName("wallAction");
        action->setCheckable(true);
        action->setChecked(true);
        QObject::connect(action, &QAction::toggled, page, [page](bool on) { page->setVisible(on); });
        window.resize(800, 600);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_VERIFY(window.isFullScreen());
        auto *wall = page->findChild<WallDisplay *>();
        QVERIFY(!wall->screenKey().isEmpty()); // the layout of this screen was loaded
        QTest::keyClick(wall, Qt::Key_Escape);
        QVERIFY(!action->isChecked());
        QTRY_VERIFY(!window.isFullScreen());
    }
};

QTEST_MAIN(tst_WallExtension)
#include "tst_wallextension.moc"
