// The console against the real thing: consul-sim and baton-service (running ansible-playbook with the gate on
// every node). It drives the operator's window the way an operator would: launch a job from the dialog and watch
// it finish in the list, cancel another one, and change max_offline in the editor.

#include "app/consoleextensions.h"
#include "app/consolesession.h"
#include "app/mainwindow.h"
#include "app/tokenstore.h"
#include "models/connectionstatusmodel.h"
#include "models/joblistmodel.h"
#include "models/noderunmodel.h"
#include "models/servicebudgetmodel.h"
#include "service/servicetestenv.h"
#include "widgets/canceldialog.h"
#include "widgets/jobtableview.h"
#include "widgets/launchdialog.h"
#include "widgets/maxofflineeditor.h"

#include <QComboBox>
#include <QLoggingCategory>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton;
using namespace Baton::Test;
using Link = ConnectionStatusModel::Link;
using LinkState = ConnectionStatusModel::State;

namespace {
template<typename T> T *child(QObject *o, const char *name)
{
    return o->findChild<T *>(QString::fromLatin1(name));
}

QStringList g_log;
QtMessageHandler g_previous = nullptr;
void capture(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    g_log << msg;
    if (g_previous && type >= QtWarningMsg)
        g_previous(type, ctx, msg);
}
} // namespace

class TestConsoleIntegration : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_config;

    // Opens the launch dialog, fills it and launches; returns the new job's id.
    qint64 launchFromDialog(MainWindow &w, ConsoleSession &session, const QString &vars)
    {
        const int before = session.jobs()->totalJobs();
        LaunchDialog *dialog = w.openLaunchDialog();
        if (!dialog)
            return -1;
        child<QComboBox>(dialog, "playbook")->setCurrentText("rolling.yml");
        child<QComboBox>(dialog, "service")->setCurrentText("web");
        child<QPlainTextEdit>(dialog, "extraVars")->setPlainText(vars);
        if (!dialog->problems().isEmpty()) {
            qWarning() << dialog->problems();
            return -1;
        }
        QTest::mouseClick(child<QPushButton>(dialog, "launchButton"), Qt::LeftButton);
        if (!QTest::qWaitFor(
                [&] { return session.jobs()->totalJobs() > before && !w.findChild<LaunchDialog *>(); }, 20000))
            return -1;
        return w.jobTable()->currentJobId();
    }

private Q_SLOTS:
    void initTestCase()
    {
        qputenv("XDG_CONFIG_HOME", m_config.path().toLocal8Bit());
        qputenv("BATON_TOKEN_STORE", "file");
        QLoggingCategory::setFilterRules("baton.*=true");
        g_previous = qInstallMessageHandler(capture);
        ConsoleExtensions::registerBuiltInExtensions();
    }

    void cleanupTestCase()
    {
        qInstallMessageHandler(g_previous);
        for (const QString &line : std::as_const(g_log))
            QVERIFY2(!line.contains(QString::fromLatin1(ServiceFixture::operatorToken())), qPrintable(line));
    }

    void launchWatchCancelAndTune()
    {
        ConsulSimFixture sim;
        QVERIFY2(sim.start(webDatacenter(3)), qPrintable(sim.errorString()));
        ServiceFixture svc;
        QVERIFY2(svc.start(serviceOptions(sim)), qPrintable(svc.errorString()));

        QSettings settings(m_config.filePath("console.conf"), QSettings::IniFormat);
        ConsoleSession session;
        std::unique_ptr<TokenStore> tokens(TokenStore::createDefault());
        MainWindow w(&session, tokens.get(), &settings);
        ConnectionProfile p;
        p.name = "integration";
        p.jobServiceUrl = svc.url();
        p.consulUrl = sim.anyUrl();
        ConnectionOverrides o;
        o.jobServiceToken = ServiceFixture::operatorToken();
        w.setProfiles({}, p, o);
        w.show();
        QTRY_COMPARE_WITH_TIMEOUT(session.connections()->status(Link::EventStream).state, LinkState::Up, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(session.connections()->status(Link::Consul).state, LinkState::Up, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(
            session.services()->service("web") && session.services()->service("web")->instances == 3, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(session.playbooks().contains("rolling.yml"), 15000);

        // 1. Launch from the dialog and watch it finish in the list (from the event stream, not by polling).
        const qint64 first = launchFromDialog(w, session, "change_seconds=0");
        QVERIFY(first > 0);
        QTRY_COMPARE_WITH_TIMEOUT(session.jobs()->jobState(first), JobState::Succeeded, 120000);
        QCOMPARE(session.jobs()->jobCounts(first).succeeded(), 3);
        const int row = session.jobs()->rowOfJob(first);
        QVERIFY(row >= 0);
        QCOMPARE(session.jobs()->index(row, JobListModel::ProgressColumn).data().toString(), QString("3 ok"));
        QTRY_COMPARE_WITH_TIMEOUT(session.nodes()->jobId(), first, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(session.nodes()->nodeAt(0)->state, NodeRunState::Succeeded, 10000);
        QVERIFY(session.nodes()->nodeAt(0)->transitions.size() >= 4);

        // 2. Launch a long one and cancel it once a node is in maintenance.
        const qint64 second = launchFromDialog(w, session, "change_seconds=60");
        QVERIFY(second > 0);
        QTRY_VERIFY_WITH_TIMEOUT(session.jobs()->jobCounts(second)[NodeRunState::InMaintenance] >= 1, 90000);
        w.jobTable()->selectJob(second);
        w.openCancelJob(second);
        CancelDialog *cancel = nullptr;
        QTRY_VERIFY((cancel = w.findChild<CancelDialog *>()) != nullptr);
        child<QRadioButton>(cancel, "forceRelease")->setChecked(true);
        QTest::mouseClick(child<QPushButton>(cancel, "confirmButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(session.jobs()->jobState(second), JobState::Cancelled, 90000);
        const nlohmann::json done = svc.waitForJob(second, 60000);
        QCOMPARE(S(done["state"]), QString("cancelled"));

        // 3. Change max_offline from the editor: a CAS write Consul then serves to everyone (and the gates).
        MaxOfflineEditor *editor = w.openMaxOfflineEditor("web");
        QVERIFY(editor);
        child<QSpinBox>(editor, "countValue")->setValue(2);
        QVERIFY(editor->previewText().startsWith("Raising web to 2"));
        QTest::mouseClick(child<QPushButton>(editor, "applyButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(
            sim.request("GET", "web-1", "/v1/kv/baton/services/web/max_offline?raw").body, QByteArray("2"), 15000);
        QTRY_COMPARE_WITH_TIMEOUT(session.services()->service("web")->budget.maxOffline, MaxOffline::count(2), 15000);
        QTRY_VERIFY(!w.findChild<MaxOfflineEditor *>());

        QVERIFY(noStraysWithin(svc, 30000));
    }
};

QTEST_MAIN(TestConsoleIntegration)
#include "tst_consoleintegration.moc"
