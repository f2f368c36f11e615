// baton-console as a program: --help, --version, one clear line and a non-zero exit for bad flags and unreadable
// files, and --screenshot writing a PNG without a display.

#include "support/fakejobservice.h"
#include "support/testpaths.h"

#include <QDateTime>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton;

namespace {
struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run run(const QStringList &args, const QProcessEnvironment &extra = {}, int timeoutMs = 60000)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    env.insert("BATON_TOKEN_STORE", "file");
    for (const QString &k : extra.keys())
        env.insert(k, extra.value(k));
    p.setProcessEnvironment(env);
    p.start(TestPaths::program("baton-console"), args);
    Run r;
    if (!p.waitForStarted(10000))
        return r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}
} // namespace

class TestConsoleCommandLine : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_home;

    QProcessEnvironment isolated() const
    {
        QProcessEnvironment env;
        env.insert("XDG_CONFIG_HOME", m_home.path());
        return env;
    }

private Q_SLOTS:
    void helpAndVersion()
    {
        Run help = run({ "--help" }, isolated());
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains("--screenshot PNG"));
        Run version = run({ "--version" }, isolated());
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.startsWith("baton-console "));
    }

    void badFlagsAreOneLine_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("unknown") << QStringList { "--nope" };
        QTest::newRow("bad url") << QStringList { "--job-service", "nope" };
        QTest::newRow("bad after") << QStringList { "--screenshot", "/tmp/x.png", "--screenshot-after", "-1" };
        QTest::newRow("missing value") << QStringList { "--consul" };
        QTest::newRow("unknown profile") << QStringList { "--profile", "nowhere" };
    }

    void badFlagsAreOneLine()
    {
        QFETCH(QStringList, args);
        Run r = run(args, isolated());
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.startsWith("baton-console: "), r.err.constData());
        QCOMPARE(r.err.count('\n'), 1);
    }

    void unreadableFilesAreRefused()
    {
        QProcessEnvironment env = isolated();
        env.insert("CONSUL_HTTP_TOKEN_FILE", "/no/such/token-file");
        Run r = run({ "--consul", "http://127.0.0.1:1" }, env);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("CONSUL_HTTP_TOKEN_FILE"), r.err.constData());
        QCOMPARE(r.err.count('\n'), 1);
    }

    void screenshotWritesAPng()
    {
        Test::FakeJobService service;
        QVERIFY(service.listen());
        JobSpec s;
        s.playbook = "rolling-restart.yml";
        s.target.nodes = { "web-1", "web-2" };
        service.createJob(s);
        QTemporaryDir out;
        const QString png = out.filePath("main.png");
        // The fake service lives in this process: answer it while the console runs.
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("QT_QPA_PLATFORM", "offscreen");
        env.insert("BATON_TOKEN_STORE", "file");
        env.insert("XDG_CONFIG_HOME", m_home.path());
        p.setProcessEnvironment(env);
        p.start(TestPaths::program("baton-console"),
            { "--job-service", service.url().toString(), "--screenshot", png, "--screenshot-after", "800" });
        QVERIFY(p.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(p.state() == QProcess::NotRunning, 60000);
        QCOMPARE(p.exitCode(), 0);
        QImage image(png);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= 800 && image.height() >= 500);
        QVERIFY(service.requestCount("GET", "/v1/jobs") >= 1);
    }

    // --screenshot-view timeline / capacity select the busiest active job (not merely the newest) and show that
    // tab of the detail pane; with no active job, the newest job.
    void screenshotOfAJobsTimelineAndCapacity_data()
    {
        QTest::addColumn<QString>("view");
        QTest::addColumn<bool>("active");
        QTest::addColumn<QString>("expected");
        QTest::newRow("timeline, busiest") << "timeline" << true << "timeline of job 1";
        QTest::newRow("capacity, busiest") << "capacity" << true << "capacity of job 1";
        QTest::newRow("timeline, newest") << "timeline" << false << "timeline of job 2";
    }

    void screenshotOfAJobsTimelineAndCapacity()
    {
        QFETCH(QString, view);
        QFETCH(bool, active);
        QFETCH(QString, expected);
        Test::FakeJobService service;
        QVERIFY(service.listen());
        auto job = [&](const QStringList &nodes, const QList<NodeRunState> &states) {
            Job j;
            j.spec.playbook = "rolling.yml";
            j.spec.target.service = "web";
            j.operatorName = "alice";
            j.createdAtMs = QDateTime::currentMSecsSinceEpoch() - 60000 + service.jobCount() * 1000;
            for (int i = 0; i < nodes.size(); ++i) {
                NodeRun r;
                r.node = nodes[i];
                r.service = "web";
                r.state = states[i];
                r.transitions = { { states[i], j.createdAtMs + 1000, {} } };
                j.nodes << r;
            }
            j.counts = j.countNodes();
            j.state = j.counts.terminal() == j.counts.total() ? JobState::Succeeded : JobState::Running;
            return service.addJob(j);
        };
        using S = NodeRunState;
        if (active) {
            QCOMPARE(job({ "web-1", "web-2", "web-3" }, { S::InMaintenance, S::Verifying, S::WaitingForSlot }), 1);
            QCOMPARE(job({ "web-4", "web-5" }, { S::InMaintenance, S::Queued }), 2); // newer, fewer in flight
        } else {
            QCOMPARE(job({ "web-1" }, { S::Succeeded }), 1);
            QCOMPARE(job({ "web-2" }, { S::Succeeded }), 2);
        }
        QTemporaryDir out;
        const QString png = out.filePath(view + ".png");
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("QT_QPA_PLATFORM", "offscreen");
        env.insert("BATON_TOKEN_STORE", "file");
        env.insert("XDG_CONFIG_HOME", m_home.path());
        p.setProcessEnvironment(env);
        p.start(TestPaths::program("baton-console"),
            { "--job-service", service.url().toString(), "--screenshot", png, "--screenshot-view", view,
                "--screenshot-after", "1500" });
        QVERIFY(p.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(p.state() == QProcess::NotRunning, 60000);
        const QByteArray stdoutText = p.readAllStandardOutput();
        QCOMPARE(p.exitCode(), 0);
        QVERIFY2(stdoutText.contains(expected.toUtf8()), stdoutText.constData());
        QVERIFY(!QImage(png).isNull());
        // The selected job's snapshot was fetched for the detail pane.
        QVERIFY(service.requestCount("GET", expected.endsWith('1') ? "/v1/jobs/1" : "/v1/jobs/2") >= 1);
    }

    void screenshotIntoAMissingFolderFails()
    {
        Run r = run({ "--screenshot", "/no/such/dir/x.png" }, isolated());
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("does not exist"));
    }

    void wallModeSaysPlainlyWhenItIsMissing()
    {
        QTemporaryDir out;
        // No platform given: the console picks offscreen with a 1920×1080 screen itself.
        QProcessEnvironment env = isolated();
        env.insert("QT_QPA_PLATFORM", "");
        Run r = run({ "--wall", "--screenshot", out.filePath("wall.png"), "--screenshot-after", "200" }, env);
        QCOMPARE(r.exitCode, 0);
        // Either the wall display is built in, or the console says it is not there yet.
        QVERIFY(r.err.contains("wall display is not available") || !r.err.contains("wall"));
        const QImage wall(out.filePath("wall.png"));
        QVERIFY(!wall.isNull());
        // Wall mode is full screen; screenshots get a 1920×1080 offscreen screen for it, not the platform's 800×800.
        if (!r.err.contains("wall display is not available")) {
            QCOMPARE(wall.size(), QSize(1920, 1080));
            QVERIFY2(r.out.contains("): wall"), r.out.constData()); // --wall alone is a picture of the wall
        }
    }
};

QTEST_GUILESS_MAIN(TestConsoleCommandLine)
#include "tst_consolecommandline.moc"
