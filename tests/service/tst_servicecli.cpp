// Integration: baton-service's command line — --help, --version, one clear line and a non-zero exit for every
// bad flag or unreadable/malformed file — plus JSON logs and a clean SIGTERM.

#include "support/testpaths.h"

#include <csignal>
#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class TstServiceCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void helpAndVersion();
    void refusals_data();
    void refusals();
    void jsonLogsAndSigterm();

private:
    struct Run
    {
        int code = -1;
        QByteArray out;
        QByteArray err;
    };
    Run run(const QStringList &args)
    {
        QProcess p;
        p.start(Baton::TestPaths::program("baton-service"), args);
        Run r;
        if (!p.waitForFinished(20000)) {
            p.kill();
            p.waitForFinished();
            return r;
        }
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        return r;
    }
    void write(const QString &name, const QByteArray &content)
    {
        QFile f(m_dir.path() + "/" + name);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
    }
    QTemporaryDir m_dir;
    QString pb() const { return m_dir.path() + "/pb"; }
};

void TstServiceCli::initTestCase()
{
    QVERIFY(QDir(m_dir.path()).mkpath("pb"));
    write("tokens-ok.json", R"({"tokens": [{"name": "a", "token": "aaaaaaaaaa", "role": "admin"}]})");
    write("tokens-badrole.json", R"({"tokens": [{"name": "a", "token": "aaaaaaaaaa", "role": "root"}]})");
    write("tokens-notjson.json", "{tokens: ");
    write("tokens-dup.json",
        R"({"tokens": [{"name": "a", "token": "aaaaaaaaaa", "role": "admin"}, {"name": "b", "token": "aaaaaaaaaa", "role": "viewer"}]})");
    write("vars-bad.json", R"({"defaults": [], "nodes": {}})");
    write("vars-unknown.json", R"({"default": {}})");
    QVERIFY(QDir(m_dir.path()).mkpath("a-folder"));
}

void TstServiceCli::helpAndVersion()
{
    const Run help = run({ "--help" });
    QCOMPARE(help.code, 0);
    QVERIFY(help.out.contains("--playbooks"));
    QVERIFY(help.out.contains("--node-vars"));
    const Run version = run({ "--version" });
    QCOMPARE(version.code, 0);
    QVERIFY(version.out.startsWith("baton-service "));
}

void TstServiceCli::refusals_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("says");
    const QString d = m_dir.path();
    const QStringList base { "--playbooks", pb(), "--db", d + "/x.db", "--consul", "http://127.0.0.1:1" };
    QTest::newRow("unknown flag") << QStringList { "--bogus" } << 2 << "bogus";
    QTest::newRow("stray argument") << (base + QStringList { "extra" }) << 2 << "unexpected argument";
    QTest::newRow("no playbooks") << QStringList { "--db", d + "/x.db" } << 2 << "--playbooks";
    QTest::newRow("playbooks missing") << QStringList { "--playbooks", d + "/nope" } << 1 << "not a readable folder";
    QTest::newRow("bad listen") << (base + QStringList { "--listen", "here" }) << 2 << "--listen";
    QTest::newRow("bad port") << (base + QStringList { "--listen", "127.0.0.1:70000" }) << 2 << "--listen";
    QTest::newRow("open without tokens") << (base + QStringList { "--listen", "0.0.0.0:0" }) << 2 << "--tokens";
    QTest::newRow("bad number") << (base + QStringList { "--max-runners", "many" }) << 2 << "--max-runners";
    QTest::newRow("zero runners") << (base + QStringList { "--max-runners", "0" }) << 2 << "--max-runners";
    QTest::newRow("bad log format") << (base + QStringList { "--log-format", "xml" }) << 2 << "--log-format";
    QTest::newRow("bad prefix") << (base + QStringList { "--kv-prefix", "/baton" }) << 2 << "--kv-prefix";
    QTest::newRow("cert without key") << (base + QStringList { "--tls-cert", d + "/tokens-ok.json" }) << 2
                                      << "--tls-key";
    QTest::newRow("tokens missing") << (base + QStringList { "--tokens", d + "/none.json" }) << 1 << "does not exist";
    QTest::newRow("tokens a folder") << (base + QStringList { "--tokens", d + "/a-folder" }) << 1 << "not a file";
    QTest::newRow("tokens not json") << (base + QStringList { "--tokens", d + "/tokens-notjson.json" }) << 1
                                     << "tokens file";
    QTest::newRow("tokens bad role") << (base + QStringList { "--tokens", d + "/tokens-badrole.json" }) << 1
                                     << "role must be one of";
    QTest::newRow("tokens repeated") << (base + QStringList { "--tokens", d + "/tokens-dup.json" }) << 1
                                     << "repeats a token";
    QTest::newRow("node vars missing") << (base + QStringList { "--node-vars", d + "/none.json" }) << 1
                                       << "does not exist";
    QTest::newRow("node vars bad") << (base + QStringList { "--node-vars", d + "/vars-bad.json" }) << 1 << "defaults";
    QTest::newRow("node vars unknown key")
        << (base + QStringList { "--node-vars", d + "/vars-unknown.json" }) << 1 << "unknown key";
    QTest::newRow("db a folder") << QStringList { "--playbooks", pb(), "--db", d + "/a-folder", "--consul",
        "http://127.0.0.1:1" } << 1
                                 << "not a file";
    QTest::newRow("bad db url") << QStringList { "--playbooks", pb(), "--db", "postgresql://", "--consul",
        "http://127.0.0.1:1" } << 1
                                << "database URL";
    QTest::newRow("bad consul") << QStringList { "--playbooks", pb(), "--db", d + "/y.db", "--consul", "ftp://x" } << 1
                                << "";
}

void TstServiceCli::refusals()
{
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, says);
    const Run r = run(args);
    QCOMPARE(r.code, code);
    const QByteArray err = r.err.trimmed();
    QVERIFY2(!err.isEmpty() && !err.contains('\n'), r.err.constData());
    QVERIFY2(err.startsWith("baton-service: "), err.constData());
    QVERIFY2(err.contains(says.toUtf8()), err.constData());
    QVERIFY(!err.contains("aaaaaaaaaa"));
}

void TstServiceCli::jsonLogsAndSigterm()
{
    const QString ready = m_dir.path() + "/ready.json";
    QProcess p;
    p.start(Baton::TestPaths::program("baton-service"),
        { "--listen", "127.0.0.1:0", "--playbooks", pb(), "--db", m_dir.path() + "/run.db", "--consul",
            "http://127.0.0.1:1", "--tokens", m_dir.path() + "/tokens-ok.json", "--ready-file", ready, "--log-format",
            "json", "--work-dir", m_dir.path() + "/work" });
    QVERIFY(p.waitForStarted());
    QElapsedTimer t;
    t.start();
    while (!QFile::exists(ready) && t.elapsed() < 15000 && p.state() == QProcess::Running)
        p.waitForFinished(50);
    QVERIFY(QFile::exists(ready));
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(15000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(!QFile::exists(ready));
    const QList<QByteArray> lines = p.readAllStandardError().trimmed().split('\n');
    QVERIFY(lines.size() >= 3);
    for (const QByteArray &line : lines) {
        const auto j = nlohmann::json::parse(line.constData(), line.constData() + line.size(), nullptr, false);
        QVERIFY2(
            j.is_object() && j.contains("ts") && j.contains("level") && j.contains("category") && j.contains("msg"),
            line.constData());
        QVERIFY(!line.contains("aaaaaaaaaa"));
    }
}

QTEST_GUILESS_MAIN(TstServiceCli)
#include "tst_servicecli.moc"
