#include "app/profilestore.h"

#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton;

class TestProfileStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTripsAndPicks()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("console.conf");
        {
            QSettings s(path, QSettings::IniFormat);
            ProfileStore store(s);
            ConnectionProfile a;
            a.name = "lab";
            a.jobServiceUrl = QUrl("http://lab:8080");
            ConnectionProfile b;
            b.name = "prod";
            b.jobServiceUrl = QUrl("https://prod:8443");
            b.consulUrl = QUrl("https://consul.prod:8501");
            b.datacenter = "eu1";
            b.caFile = "/etc/baton/ca.pem";
            b.readOnly = true;
            b.production = true;
            store.save({ a, b });
            store.setCurrent("prod");
        }
        QSettings s(path, QSettings::IniFormat);
        ProfileStore store(s);
        const QList<ConnectionProfile> all = store.load();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all[1].datacenter, QString("eu1"));
        QVERIFY(all[1].production && all[1].readOnly);
        QCOMPARE(store.pick()->name, QString("prod"));
        QCOMPARE(store.pick("lab")->name, QString("lab"));
        QCOMPARE(store.pick("nope")->name, QString("prod"));
        QCOMPARE(all[1].label(), QString("prod (read-only, production)"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(!f.readAll().toLower().contains("token"));
    }

    void profileProblems()
    {
        ConnectionProfile p;
        QVERIFY(!p.problems().isEmpty());
        p.name = "x";
        p.jobServiceUrl = QUrl("svc:80");
        QVERIFY(p.problems().join(" ").contains("not an http(s) URL"));
        p.jobServiceUrl = QUrl("http://svc:80");
        QVERIFY(p.problems().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestProfileStore)
#include "tst_profilestore.moc"
