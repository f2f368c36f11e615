// consul-sim's command line: --help/--version, one clear line and a non-zero exit on bad flags and bad
// configs, the ready file, and a clean exit on SIGTERM/SIGINT.
#include "support/consulsimfixture.h"
#include "support/testpaths.h"

#include <csignal>

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using Baton::Test::ConsulSimFixture;
using json = nlohmann::json;

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run run(const QStringList &args, int timeoutMs = 10000)
{
    QProcess p;
    p.start(Baton::TestPaths::program("consul-sim"), args);
    Run r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "<timed out>";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace

class TstSimCli : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir dir;

    QString writeConfig(const QString &name, const QByteArray &content)
    {
        const QString path = dir.filePath(name);
        QFile f(path);
        if (f.open(QIODevice::WriteOnly))
            f.write(content);
        return path;
    }

private Q_SLOTS:
    void helpAndVersion()
    {
        Run r = run({ "--help" });
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith("Usage: consul-sim --config FILE [--ready-file PATH]"));
        r = run({ "-h" });
        QCOMPARE(r.exitCode, 0);
        r = run({ "--version" });
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith("consul-sim "));
    }

    void badFlags_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("nothing") << QStringList {} << QByteArray("--config FILE is required");
        QTest::newRow("unknown") << QStringList { "--bogus" } << QByteArray("unknown argument \"--bogus\"");
        QTest::newRow("config without file") << QStringList { "--config" } << QByteArray("--config needs a FILE");
        QTest::newRow("ready-file without path")
            << QStringList { "--config", "x.json", "--ready-file" } << QByteArray("--ready-file needs a PATH");
    }

    void badFlags()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, message);
        const Run r = run(args);
        QCOMPARE(r.exitCode, 2);
        QCOMPARE(r.err.count('\n'), 1); // one line
        QVERIFY2(r.err.contains(message), r.err.constData());
    }

    void badConfigs_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("malformed") << QByteArray("{\"nodes\": [") << QByteArray("malformed JSON");
        QTest::newRow("not an object") << QByteArray("[1,2]") << QByteArray("config: must be an object");
        QTest::newRow("no nodes") << QByteArray("{}") << QByteArray("nodes: required");
        QTest::newRow("unknown key") << QByteArray("{\"nodes\":[{\"name\":\"a\"}],\"nodez\":1}")
                                     << QByteArray("nodez: unknown key");
        QTest::newRow("duplicate node") << QByteArray("{\"nodes\":[{\"name\":\"a\"},{\"name\":\"a\"}]}")
                                        << QByteArray("duplicate node name \"a\"");
        QTest::newRow("bad ttl")
            << QByteArray(
                   "{\"nodes\":[{\"name\":\"a\",\"services\":[{\"name\":\"s\",\"checks\":[{\"ttl\":\"3x\"}]}]}]}")
            << QByteArray("nodes[0].services[0].checks[0].ttl: time: unknown unit \"x\" in duration \"3x\"");
        QTest::newRow("http without interval")
            << QByteArray("{\"nodes\":[{\"name\":\"a\",\"checks\":[{\"id\":\"h\",\"http\":\"http://127.0.0.1:1/\"}]}]}")
            << QByteArray("nodes[0].checks[0].interval: required for an HTTP check");
        QTest::newRow("bad status") << QByteArray(
            "{\"nodes\":[{\"name\":\"a\",\"checks\":[{\"id\":\"c\",\"status\":\"ok\"}]}]}")
                                    << QByteArray("must be passing, warning or critical");
        QTest::newRow("bad http address") << QByteArray("{\"nodes\":[{\"name\":\"a\",\"http\":\"nowhere\"}]}")
                                          << QByteArray("nodes[0].http: must be HOST:PORT");
        QTest::newRow("reserved meta") << QByteArray("{\"nodes\":[{\"name\":\"a\",\"meta\":{\"consul-x\":\"1\"}}]}")
                                       << QByteArray("the consul- prefix is reserved");
        QTest::newRow("bad timing") << QByteArray(
            "{\"nodes\":[{\"name\":\"a\"}],\"timing\":{\"session_ttl_min\":\"-1s\"}}")
                                    << QByteArray("timing.session_ttl_min: must be greater than zero");
        QTest::newRow("bad acl rule") << QByteArray(
            "{\"nodes\":[{\"name\":\"a\"}],\"acl\":{\"tokens\":[{\"secret_id\":\"x\",\"policy\":{\"keys\":{}}}]}}")
                                      << QByteArray("unknown ACL rule");
        QTest::newRow("flags too big") << QByteArray(
            "{\"nodes\":[{\"name\":\"a\"}],\"kv\":[{\"key\":\"k\",\"flags\":-1}]}")
                                       << QByteArray("kv[0].flags: must be an unsigned 64-bit integer");
        QTest::newRow("too deep") << (QByteArray("{\"nodes\":") + QByteArray(100, '[') + QByteArray(100, ']') + "}")
                                  << QByteArray("nesting deeper than");
    }

    void badConfigs()
    {
        QFETCH(QByteArray, content);
        QFETCH(QByteArray, message);
        const QString path
            = writeConfig(QString("bad-%1.json").arg(QTest::currentDataTag()).replace(' ', '_'), content);
        const Run r = run({ "--config", path });
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY2(r.err.startsWith("consul-sim: invalid config " + path.toUtf8() + ": "), r.err.constData());
        QVERIFY2(r.err.contains(message), r.err.constData());
    }

    void unreadableConfig()
    {
        Run r = run({ "--config", dir.filePath("does-not-exist.json") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.startsWith("consul-sim: cannot read config "));
        QCOMPARE(r.err.count('\n'), 1);
        r = run({ "--config", dir.path() }); // a directory
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.err.count('\n'), 1);
    }

    void portInUseIsOneClearLine()
    {
        QTcpServer taken;
        QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
        const QString path = writeConfig("busy.json",
            QByteArray("{\"nodes\":[{\"name\":\"a\",\"http\":\"127.0.0.1:") + QByteArray::number(taken.serverPort())
                + "\"}]}");
        const Run r = run({ "--config", path });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith("consul-sim: node a: cannot listen on 127.0.0.1:"), r.err.constData());
        QCOMPARE(r.err.count('\n'), 1);
    }

    void readyFileAndSignals_data()
    {
        QTest::addColumn<int>("signal");
        QTest::newRow("SIGTERM") << int(SIGTERM);
        QTest::newRow("SIGINT") << int(SIGINT);
    }

    void readyFileAndSignals()
    {
        QFETCH(int, signal);
        const QString path = writeConfig(
            "ok.json", "{\"nodes\":[{\"name\":\"web-1\"},{\"name\":\"web-2\",\"http\":\"127.0.0.1:0\"}]}");
        const QString ready = dir.filePath("ready.json");
        QFile stale(ready);
        QVERIFY(stale.open(QIODevice::WriteOnly));
        stale.write("stale");
        stale.close();
        QProcess p;
        QElapsedTimer t;
        t.start();
        p.start(Baton::TestPaths::program("consul-sim"), { "--config", path, "--ready-file", ready });
        QVERIFY(p.waitForStarted());
        json doc;
        for (int i = 0; i < 1000; ++i) {
            QFile f(ready);
            if (f.open(QIODevice::ReadOnly)) {
                doc = json::parse(f.readAll().toStdString(), nullptr, false);
                if (doc.is_object())
                    break;
            }
            QThread::msleep(2);
        }
        qInfo("ready file after %lld ms (process start included)", t.elapsed());
        QVERIFY(doc.is_object());
        QCOMPARE(doc["nodes"].size(), std::size_t(2));
        const QUrl url(QString::fromStdString(doc["nodes"]["web-1"].get<std::string>()));
        QCOMPARE(url.scheme(), QString("http"));
        QCOMPARE(url.host(), QString("127.0.0.1"));
        QVERIFY(url.port() > 0);
        QVERIFY(doc["control"].is_string());
        ConsulSimFixture probe; // only for its request helper
        QCOMPARE(probe.request("GET", url.resolved(QUrl("/v1/agent/self"))).status, 200);
        ::kill(pid_t(p.processId()), signal);
        QVERIFY(p.waitForFinished(5000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        QVERIFY2(!QFileInfo::exists(ready), "the ready file is removed on a clean shutdown");
    }
};

QTEST_GUILESS_MAIN(TstSimCli)
#include "tst_simcli.moc"
