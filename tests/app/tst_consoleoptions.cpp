#include "app/consoleoptions.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Baton;

class TestConsoleOptions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesTheBriefsCommandLine()
    {
        QTemporaryDir dir;
        auto o = ConsoleOptions::parse({ "--job-service", "https://svc:8443", "--consul=127.0.0.1:8500", "--wall",
            "--screenshot", dir.filePath("x.png"), "--screenshot-after", "250" });
        QVERIFY2(o, qPrintable(o ? QString() : o.error().message));
        QCOMPARE(o->jobServiceUrl, QUrl("https://svc:8443"));
        QCOMPARE(o->consulUrl, QUrl("http://127.0.0.1:8500"));
        QVERIFY(o->wall);
        QCOMPARE(o->screenshotPath, dir.filePath("x.png"));
        QCOMPARE(o->screenshotAfterMs, 250);
    }

    void badInputIsOneClearLine_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("contains");
        QTest::newRow("unknown") << QStringList { "--frobnicate" } << "unknown option \"--frobnicate\"";
        QTest::newRow("missing value") << QStringList { "--consul" } << "--consul needs a value";
        QTest::newRow("bad url") << QStringList { "--job-service", "svc" } << "needs an http(s) URL";
        QTest::newRow("bad consul") << QStringList { "--consul", "ftp://x" } << "--consul:";
        QTest::newRow("bad after") << QStringList { "--screenshot", "/tmp/x.png", "--screenshot-after", "soon" }
                                   << "milliseconds";
        QTest::newRow("after alone") << QStringList { "--screenshot-after", "5" } << "need --screenshot";
        QTest::newRow("no folder") << QStringList { "--screenshot", "/no/such/folder/x.png" } << "does not exist";
        QTest::newRow("view") << QStringList { "--screenshot", "/tmp/x.png", "--screenshot-view", "moon" }
                              << "must be one of";
        QTest::newRow("theme") << QStringList { "--theme", "pink" } << "light or dark";
    }

    void badInputIsOneClearLine()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, contains);
        auto o = ConsoleOptions::parse(args);
        QVERIFY(!o);
        QVERIFY2(o.error().message.contains(contains), qPrintable(o.error().message));
        QVERIFY(!o.error().message.contains('\n'));
    }

    void helpAndVersion()
    {
        QVERIFY(ConsoleOptions::parse({ "--help" })->help);
        QVERIFY(ConsoleOptions::parse({ "--version" })->version);
        QVERIFY(ConsoleOptions::helpText().contains("--screenshot-after MS"));
    }

    // Defaults come from the saved profile, then the command line overrides, then the environment fills what is left.
    void resolutionOrder()
    {
        ConnectionProfile saved;
        saved.name = "lab";
        saved.jobServiceUrl = QUrl("http://saved:8080");
        saved.readOnly = true;
        QProcessEnvironment env;
        env.insert("BATON_URL", "http://env:9000");
        env.insert("BATON_TOKEN", "env-token");
        env.insert("CONSUL_HTTP_ADDR", "consul.env:8500");
        env.insert("CONSUL_HTTP_TOKEN", "consul-token");

        auto none = ConsoleOptions::parse({});
        auto r = none->resolve(saved, env);
        QVERIFY(r);
        QCOMPARE(r->profile.name, QString("lab"));
        QCOMPARE(r->profile.jobServiceUrl, QUrl("http://saved:8080")); // the profile wins over BATON_URL
        QCOMPARE(r->profile.consulUrl, QUrl("http://consul.env:8500")); // missing in the profile: the environment
        QVERIFY(r->profile.readOnly);
        QCOMPARE(r->overrides.jobServiceToken, QByteArray("env-token"));
        QCOMPARE(r->overrides.consulToken, QByteArray("consul-token"));

        auto flags = ConsoleOptions::parse({ "--job-service", "http://flag:1" });
        r = flags->resolve(saved, env);
        QCOMPARE(r->profile.jobServiceUrl, QUrl("http://flag:1"));

        r = none->resolve(std::nullopt, env);
        QCOMPARE(r->profile.name, QString("default"));
        QCOMPARE(r->profile.jobServiceUrl, QUrl("http://env:9000"));
        QVERIFY(!r->fromSavedProfile);
    }

    void badEnvironmentIsAnError()
    {
        QProcessEnvironment env;
        env.insert("BATON_URL", "not a url");
        auto r = ConsoleOptions::parse({})->resolve(std::nullopt, env);
        QVERIFY(!r);
        QVERIFY(r.error().message.contains("BATON_URL"));
        QProcessEnvironment env2;
        env2.insert("CONSUL_HTTP_TOKEN_FILE", "/no/such/token");
        r = ConsoleOptions::parse({})->resolve(std::nullopt, env2);
        QVERIFY(!r);
        QVERIFY(r.error().message.contains("CONSUL_HTTP_TOKEN_FILE"));
    }
};

QTEST_GUILESS_MAIN(TestConsoleOptions)
#include "tst_consoleoptions.moc"
