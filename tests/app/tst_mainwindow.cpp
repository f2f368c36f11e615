#include "app/consoleextensions.h"
#include "app/consolesession.h"
#include "app/mainwindow.h"
#include "app/tokenstore.h"
#include "models/connectionstatusmodel.h"
#include "models/joblistmodel.h"
#include "models/noderunmodel.h"
#include "models/servicebudgetmodel.h"
#include "support/consulsimfixture.h"
#include "support/fakejobservice.h"
#include "widgets/canceldialog.h"
#include "widgets/healthview.h"
#include "widgets/jobdetailpane.h"
#include "widgets/jobtableview.h"
#include "widgets/launchdialog.h"
#include "widgets/maxofflineeditor.h"
#include "widgets/profilebanner.h"
#include "widgets/servicesview.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>

using namespace Baton;
using Baton::Test::ConsulSimFixture;
using Baton::Test::FakeJobService;
using json = nlohmann::json;

namespace {

json fleet()
{
    json nodes = json::array();
    for (int i = 1; i <= 3; ++i) {
        const QString n = QString("web-%1").arg(i);
        nodes.push_back(ConsulSimFixture::node(n,
            json::array({ ConsulSimFixture::service(
                "web", "web", 8080, { "blue" }, json::array({ ConsulSimFixture::ttlCheck("web-ttl", "300s") })) })));
    }
    return { { "datacenter", "dc1" }, { "nodes", nodes } };
}

template<typename T> T *child(QObject *o, const char *name)
{
    return o->findChild<T *>(QString::fromLatin1(name));
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_config;
    FakeJobService *m_service = nullptr;
    std::unique_ptr<ConsulSimFixture> m_sim;
    ConsoleSession *m_session = nullptr;
    TokenStore *m_tokens = nullptr;
    QSettings *m_settings = nullptr;
    MainWindow *m_window = nullptr;

    void open(bool readOnly, bool production = false, const QByteArray &token = "op-token")
    {
        ConnectionProfile p;
        p.name = production ? "prod-eu" : "lab";
        p.jobServiceUrl = m_service->url();
        p.consulUrl = m_sim->anyUrl();
        p.readOnly = readOnly;
        p.production = production;
        ConnectionOverrides o;
        o.jobServiceToken = token;
        m_window->setProfiles({}, p, o);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window));
        QTRY_COMPARE_WITH_TIMEOUT(m_session->connections()->status(ConnectionStatusModel::Link::JobService).state,
            ConnectionStatusModel::State::Up, 10000);
    }

    // The service row comes from the catalog's service list, its instances from a read that follows it.
    void waitForWeb()
    {
        QTRY_VERIFY_WITH_TIMEOUT(
            m_session->services()->service("web") && m_session->services()->service("web")->instances == 3, 10000);
    }

    qint64 launchJob()
    {
        JobSpec s;
        s.playbook = "rolling-restart.yml";
        s.target.service = "web";
        return m_service->createJob(s);
    }

private Q_SLOTS:
    void initTestCase()
    {
        qputenv("XDG_CONFIG_HOME", m_config.path().toLocal8Bit());
        qputenv("BATON_TOKEN_STORE", "file");
        ConsoleExtensions::registerBuiltInExtensions();
    }

    void init()
    {
        m_service = new FakeJobService(this);
        QVERIFY(m_service->listen());
        m_service->addToken("op-token", "alice", "operator");
        m_service->addToken("viewer-token", "victor", "viewer");
        m_service->setServiceNodes("web", { "web-1", "web-2", "web-3" });
        m_sim = std::make_unique<ConsulSimFixture>();
        QVERIFY2(m_sim->start(fleet()), qPrintable(m_sim->errorString()));
        m_settings = new QSettings(m_config.filePath("console.conf"), QSettings::IniFormat);
        m_session = new ConsoleSession;
        m_tokens = TokenStore::createDefault();
        m_window = new MainWindow(m_session, m_tokens, m_settings);
    }

    void cleanup()
    {
        delete m_window;
        delete m_tokens;
        delete m_session;
        delete m_settings;
        m_sim.reset();
        delete m_service;
    }

    void readOnlyHidesEveryMutatingAction()
    {
        launchJob();
        open(true);
        QVERIFY(!m_window->launchAction()->isEnabled());
        QVERIFY(!m_window->launchAction()->isVisible());
        QVERIFY(!m_window->cancelAction()->isVisible());
        QVERIFY(child<QPushButton>(m_window, "cancelJobButton")->isHidden());
        QVERIFY(child<QPushButton>(m_window, "killNodeButton")->isHidden());
        QVERIFY(child<QPushButton>(m_window, "editMaxOffline")->isHidden());
        QVERIFY(child<QPushButton>(m_window, "releaseButton")->isHidden());
        QVERIFY(m_window->banner()->text().contains("read-only"));
        QCOMPARE(m_window->openLaunchDialog(), nullptr);
        QVERIFY(m_window->lastMessage().contains("read-only"));
        QTRY_COMPARE(m_session->jobs()->rowCount(), 1);
        m_window->jobTable()->selectJob(1);
        m_window->openCancelJob(1);
        QVERIFY(!m_window->findChild<CancelDialog *>());
        QTRY_VERIFY_WITH_TIMEOUT(m_session->services()->service("web"), 10000);
        QCOMPARE(m_window->openMaxOfflineEditor("web"), nullptr);
    }

    void launchFromTheDialogSelectsTheNewJob()
    {
        open(false);
        waitForWeb();
        QTRY_VERIFY(!m_session->playbooks().isEmpty());
        QTest::keyClick(m_window, Qt::Key_L, Qt::ControlModifier);
        LaunchDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = m_window->findChild<LaunchDialog *>()) != nullptr);
        child<QComboBox>(dialog, "playbook")->setCurrentText("rolling-restart.yml");
        child<QComboBox>(dialog, "service")->setCurrentText("web");
        QVERIFY2(dialog->problems().isEmpty(), qPrintable(dialog->problems().join("; ")));
        QTest::mouseClick(child<QPushButton>(dialog, "launchButton"), Qt::LeftButton);
        QTRY_COMPARE(m_service->jobCount(), 1);
        QTRY_COMPARE(m_window->jobTable()->currentJobId(), 1);
        QVERIFY(!m_service->requests().isEmpty());
        bool keySent = false;
        for (const auto &r : m_service->requests())
            keySent = keySent || (r.method == "POST" && !r.header("idempotency-key").isEmpty());
        QVERIFY(keySent);
        QTRY_COMPARE(m_session->nodes()->rowCount(), 3);
        QVERIFY(m_window->lastMessage().contains("Launched job 1 on 3 node(s)"));
    }

    void cancelConfirmationSendsTheChosenLevel()
    {
        const qint64 id = launchJob();
        m_service->setNodeState(id, "web-1", NodeRunState::InMaintenance);
        open(false);
        QTRY_COMPARE(m_session->jobs()->rowCount(), 1);
        m_window->jobTable()->selectJob(id);
        QTRY_COMPARE(m_session->nodes()->rowCount(), 3);
        m_window->cancelAction()->trigger();
        CancelDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = m_window->findChild<CancelDialog *>()) != nullptr);
        QVERIFY(child<QLabel>(dialog, "effect")->text().contains("The 1 run(s) in flight finish normally"));
        child<QRadioButton>(dialog, "forceRelease")->setChecked(true);
        QTest::mouseClick(child<QPushButton>(dialog, "confirmButton"), Qt::LeftButton);
        QTRY_COMPARE(m_service->cancelBodies().size(), 1);
        QVERIFY(m_service->cancelBodies()[0].second.contains("\"release\""));
        QTRY_VERIFY(
            m_session->jobs()->jobState(id) == JobState::Cancelling || isTerminal(m_session->jobs()->jobState(id)));
    }

    void forceKillingANodeFromTheDetailPane()
    {
        const qint64 id = launchJob();
        m_service->setNodeState(id, "web-2", NodeRunState::InMaintenance);
        open(false, true);
        QVERIFY(m_window->banner()->text().contains("PRODUCTION"));
        QTRY_COMPARE(m_session->jobs()->rowCount(), 1);
        m_window->jobTable()->selectJob(id);
        QTRY_COMPARE(m_session->nodes()->rowCount(), 3);
        m_window->detailPane()->nodeTable()->setCurrentIndex(
            m_session->nodes()->index(m_session->nodes()->rowOfNode("web-2"), 0));
        auto *kill = child<QPushButton>(m_window, "killNodeButton");
        QTRY_VERIFY(kill->isEnabled());
        QVERIFY(!child<QPushButton>(m_window, "dropNodeButton")->isEnabled()); // it has started: no plain drop
        QTest::mouseClick(kill, Qt::LeftButton);
        CancelDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = m_window->findChild<CancelDialog *>()) != nullptr);
        auto *confirm = child<QPushButton>(dialog, "confirmButton");
        QVERIFY(!confirm->isEnabled()); // production: type the node's name first
        QTest::keyClicks(child<QLineEdit>(dialog, "confirmation"), "web-2");
        QTest::mouseClick(confirm, Qt::LeftButton);
        QTRY_COMPARE(m_service->cancelBodies().size(), 1);
        QVERIFY(m_service->cancelBodies()[0].second.contains("\"keep\""));
        QTRY_COMPARE(
            m_session->nodes()->nodeAt(m_session->nodes()->rowOfNode("web-2"))->state, NodeRunState::Cancelled);
    }

    void relaunchingTheFailedNodesSelectsTheNewJob()
    {
        const qint64 id = launchJob();
        m_service->setNodeState(id, "web-1", NodeRunState::Succeeded);
        m_service->setNodeState(id, "web-2", NodeRunState::Failed, "task failed");
        m_service->setNodeState(id, "web-3", NodeRunState::Succeeded);
        open(false);
        QTRY_COMPARE(m_session->jobs()->rowCount(), 1);
        QTRY_COMPARE(m_session->jobs()->jobState(id), JobState::PartiallyFailed);
        m_window->jobTable()->selectJob(id);
        QTRY_COMPARE(m_session->nodes()->failedNodes(), QStringList { "web-2" });
        auto *relaunch = child<QPushButton>(m_window, "relaunchButton");
        QTRY_VERIFY(relaunch->isEnabled());
        QVERIFY(m_window->relaunchAction()->isEnabled());
        QTest::mouseClick(relaunch, Qt::LeftButton);
        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = child<QMessageBox>(m_window, "relaunchBox")) != nullptr);
        QVERIFY(box->text().contains("web-2"));
        QCOMPARE(m_service->jobCount(), 1); // nothing is sent before the operator confirms
        QAbstractButton *go = nullptr;
        for (QAbstractButton *b : box->buttons()) {
            if (b->text() == "Relaunch")
                go = b;
        }
        QVERIFY(go);
        QTest::mouseClick(go, Qt::LeftButton);
        QTRY_COMPARE(m_service->jobCount(), 2);
        const qint64 next = id + 1;
        QCOMPARE(m_service->job(next)->spec.target.nodes, QStringList { "web-2" });
        QCOMPARE(m_service->job(next)->spec.playbook, m_service->job(id)->spec.playbook);
        QTRY_COMPARE(m_window->jobTable()->currentJobId(), next);
        QVERIFY(m_session->launchedHere(next)); // its end is notified like a launch from here
        QVERIFY(m_window->lastMessage().contains(QString("relaunches job %1").arg(id)));
    }

    void switchingProfileFromTheToolbarReconnects()
    {
        FakeJobService other;
        QVERIFY(other.listen());
        other.addToken("op-token", "alice", "operator");
        JobSpec s;
        s.playbook = "other.yml";
        s.target.nodes = { "db-1" };
        other.createJob(s);
        other.createJob(s);
        ConnectionProfile lab;
        lab.name = "lab";
        lab.jobServiceUrl = m_service->url();
        lab.consulUrl = m_sim->anyUrl();
        ConnectionProfile prod = lab;
        prod.name = "prod-eu";
        prod.jobServiceUrl = other.url();
        prod.production = true;
        ConnectionOverrides o;
        o.jobServiceToken = "op-token";
        launchJob();
        m_window->setProfiles({ lab, prod }, lab, o);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window));
        QTRY_COMPARE(m_session->jobs()->rowCount(), 1);
        QVERIFY(!m_window->banner()->isVisible()); // nothing to mark on a lab profile
        auto *box = child<QComboBox>(m_window, "profileSwitcher");
        QCOMPARE(box->count(), 2);
        Q_EMIT box->activated(1); // what choosing the second entry does
        QCOMPARE(m_window->currentProfile().name, QString("prod-eu"));
        QTRY_COMPARE(m_session->jobs()->rowCount(), 2); // the other service's history, not a mix
        QCOMPARE(m_session->jobs()->jobPlaybook(m_session->jobs()->jobIdAt(0)), QString("other.yml"));
        QVERIFY(m_window->banner()->isVisible());
        QVERIFY(m_window->banner()->text().contains("PRODUCTION"));
        QVERIFY(m_window->windowTitle().contains("prod-eu"));
        QCOMPARE(m_settings->value("currentProfile").toString(), QString("prod-eu"));
    }

    void forbiddenAnswersAreShownPlainly()
    {
        open(false, false, "viewer-token");
        waitForWeb();
        QTRY_VERIFY(!m_session->playbooks().isEmpty());
        LaunchDialog *dialog = m_window->openLaunchDialog();
        QVERIFY(dialog);
        child<QComboBox>(dialog, "service")->setCurrentText("web");
        QTest::mouseClick(child<QPushButton>(dialog, "launchButton"), Qt::LeftButton);
        QTRY_VERIFY(child<QLabel>(dialog, "problems")->text().contains("Not allowed to launch"));
        QCOMPARE(m_service->jobCount(), 0);
        QVERIFY(dialog->isVisible()); // the operator can read it next to what caused it
    }

    void maxOfflineEditorAppliesAndReportsConflicts()
    {
        open(false);
        QTRY_VERIFY_WITH_TIMEOUT(m_session->services()->service("web"), 10000);
        MaxOfflineEditor *editor = m_window->openMaxOfflineEditor("web");
        QVERIFY(editor);
        // Someone else writes first.
        QCOMPARE(m_sim->request("PUT", "web-1", "/v1/kv/baton/services/web/max_offline", "3").status, 200);
        child<QSpinBox>(editor, "countValue")->setValue(2);
        QTest::mouseClick(child<QPushButton>(editor, "applyButton"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(editor->hasConflict(), 10000);
        QVERIFY(child<QLabel>(editor, "notice")->text().contains("from 1 to 3"));
        QCOMPARE(m_sim->request("GET", "web-1", "/v1/kv/baton/services/web/max_offline?raw").body, QByteArray("3"));
        // Applying again is conditioned on their write, and goes through.
        QTest::mouseClick(child<QPushButton>(editor, "applyButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(
            m_sim->request("GET", "web-1", "/v1/kv/baton/services/web/max_offline?raw").body, QByteArray("2"), 10000);
        QTRY_COMPARE(m_session->services()->service("web")->budget.maxOffline, MaxOffline::count(2));
    }

    void wallModeSaysItIsNotThereYet()
    {
        open(false);
        m_window->setViewMode(MainWindow::ViewMode::Wall);
        QVERIFY(m_window->wallPage()->isVisible());
        if (!ConsoleExtensions::wallFactory()) {
            QCOMPARE(m_window->wallPage()->objectName(), QString("wallUnavailable"));
            QVERIFY(m_window->lastMessage().contains("not available"));
        }
        // The wall is read-only and shows only itself; F11 (an action of the window) still brings the operator
        // view back.
        QVERIFY(!m_window->menuBar()->isVisible());
        QVERIFY(!m_window->statusBar()->isVisible());
        QVERIFY(!child<QToolBar>(m_window, "mainToolbar")->isVisible());
        QVERIFY(!m_window->launchAction()->isEnabled());
        QVERIFY(m_window->actions().contains(child<QAction>(m_window, "wallAction")));
        QTest::keyClick(m_window, Qt::Key_F11);
        QCOMPARE(m_window->viewMode(), MainWindow::ViewMode::Operate);
        QVERIFY(!m_window->wallPage()->isVisible());
        QVERIFY(m_window->menuBar()->isVisible());
        QVERIFY(m_window->statusBar()->isVisible());
        QVERIFY(child<QToolBar>(m_window, "mainToolbar")->isVisible());
        QVERIFY(m_window->launchAction()->isEnabled());
    }

    // The waiting queue comes from the job list, not from Consul: an open editor's preview follows it.
    void maxOfflinePreviewFollowsTheWaitingQueue()
    {
        const qint64 id = launchJob();
        open(false);
        QTRY_VERIFY_WITH_TIMEOUT(m_session->services()->service("web"), 10000);
        MaxOfflineEditor *editor = m_window->openMaxOfflineEditor("web");
        QVERIFY(editor);
        editor->setCandidate(MaxOffline::count(2));
        QVERIFY2(!editor->previewText().contains("web-2"), qPrintable(editor->previewText()));
        m_service->setNodeState(id, "web-1", NodeRunState::InMaintenance);
        m_service->setNodeState(id, "web-2", NodeRunState::WaitingForSlot, "slots held by web-1");
        QTRY_VERIFY_WITH_TIMEOUT(editor->previewText().contains("web-2"), 10000);
    }

    void windowStateIsRestored()
    {
        open(false);
        m_window->showPage(MainWindow::Page::Health);
        m_window->setTheme(Theme::Variant::Dark);
        m_window->close();
        MainWindow second(m_session, m_tokens, m_settings);
        QCOMPARE(second.currentPage(), MainWindow::Page::Health);
        QVERIFY(Theme::current().isDark());
        QCOMPARE(m_settings->value("theme").toString(), QString("dark"));
        second.setTheme(Theme::Variant::Light);
    }

    void theTimelineTabFollowsTheSelection()
    {
        const qint64 id = launchJob();
        open(false);
        QTRY_COMPARE(m_session->jobs()->rowCount(), 1);
        m_window->jobTable()->selectJob(id);
        QTRY_COMPARE(m_session->nodes()->rowCount(), 3);
        QVERIFY(m_window->findChild<QWidget *>("timelineTab"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
