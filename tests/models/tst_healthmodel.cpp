#include "models/healthmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Baton;

namespace {
Consul::HealthCheck check(const QString &node, const QString &id, Consul::CheckStatus s, const QString &service = "web",
    const QString &notes = {})
{
    Consul::HealthCheck c;
    c.node = node;
    c.checkId = id;
    c.name = id;
    c.status = s;
    c.statusText = Consul::checkStatusToWire(s);
    c.serviceName = id.startsWith("_node") ? QString() : service;
    c.serviceId = c.serviceName;
    c.notes = notes;
    c.output = "HTTP GET http://x: 200 OK\nmore";
    return c;
}

Consul::HealthCheck maintenance(const QString &node, const QString &reason)
{
    return check(node, "_node_maintenance", Consul::CheckStatus::Critical, {}, reason);
}
} // namespace

class TestHealthModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nodesWithTheirChecks()
    {
        HealthModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setChecks({ check("web-2", "serfHealth", Consul::CheckStatus::Passing),
                        check("web-1", "http", Consul::CheckStatus::Critical),
                        check("web-1", "serfHealth", Consul::CheckStatus::Passing) },
            { "web-1", "web-2", "web-3" });
        QCOMPARE(m.rowCount(), 3);
        const QModelIndex web1 = m.index(0, 0);
        QCOMPARE(web1.data().toString(), QString("web-1"));
        QCOMPARE(m.rowCount(web1), 2);
        QCOMPARE(m.index(0, 0, web1).data().toString(), QString("http")); // critical first
        QCOMPARE(m.index(0, HealthModel::StatusColumn).data().toString(), QString("critical"));
        QCOMPARE(m.index(0, HealthModel::DetailColumn, web1).data().toString(), QString("HTTP GET http://x: 200 OK"));
        QCOMPARE(m.rowCount(m.index(2, 0)), 0); // web-3 has no checks
    }

    void orphansAreTold()
    {
        HealthModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setChecks({ maintenance("a", "baton: job 7 by alice"), maintenance("b", "baton: job 8 by bob"),
            maintenance("c", "kernel upgrade by hand"), maintenance("d", "baton: job 9 by carol"),
            check("e", "serfHealth", Consul::CheckStatus::Passing) });
        m.setJobs({ { "b", 8 } }, { { "d", 9 } });
        QCOMPARE(m.orphanState("a"), HealthModel::Orphan::Baton);
        QCOMPARE(m.orphanState("b"), HealthModel::Orphan::None);
        QCOMPARE(m.orphanState("c"), HealthModel::Orphan::Manual);
        QCOMPARE(m.orphanState("d"), HealthModel::Orphan::KeptForInspection);
        QCOMPARE(m.orphanState("e"), HealthModel::Orphan::None);
        QCOMPARE(m.orphanedNodes(), (QStringList { "a", "d" }));
        QVERIFY(m.index(0, HealthModel::StatusColumn).data().toString().contains("orphaned"));
        QCOMPARE(m.index(1, HealthModel::JobColumn).data().toString(), QString("job 8"));
        QCOMPARE(m.maintenanceReason("c"), QString("kernel upgrade by hand"));
        // Job 8 finishes without releasing b: b becomes an orphan.
        QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
        m.setJobs({}, { { "d", 9 } });
        QCOMPARE(m.orphanState("b"), HealthModel::Orphan::Baton);
        QCOMPARE(changed.size(), 1);
    }

    void maintenanceSinceIsKeptAcrossRefreshes()
    {
        qint64 clock = 1000000;
        HealthModel m;
        m.setClock([&clock] { return clock; });
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setChecks({ maintenance("a", "baton: job 1 by x") });
        clock += 120000;
        m.setChecks({ maintenance("a", "baton: job 1 by x"), check("a", "serfHealth", Consul::CheckStatus::Passing) });
        QCOMPARE(m.index(0, HealthModel::SinceColumn).data().toString(), QString("2 min ago"));
        m.setChecks({ check("a", "serfHealth", Consul::CheckStatus::Passing) });
        QCOMPARE(m.index(0, HealthModel::SinceColumn).data().toString(), QString());
    }

    void refreshesAreDiffs()
    {
        HealthModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setChecks(
            { check("a", "http", Consul::CheckStatus::Passing), check("b", "http", Consul::CheckStatus::Passing) });
        QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
        m.setChecks(
            { check("a", "http", Consul::CheckStatus::Warning), check("c", "http", Consul::CheckStatus::Passing) });
        QCOMPARE(reset.size(), 0);
        QCOMPARE(removed.size(), 1); // b
        QCOMPARE(inserted.size(), 1); // c
        QCOMPARE(changed.size(), 2); // a's check and a's row
        QCOMPARE(m.index(0, HealthModel::StatusColumn).data().toString(), QString("warning"));
        changed.clear();
        m.setChecks(
            { check("a", "http", Consul::CheckStatus::Warning), check("c", "http", Consul::CheckStatus::Passing) });
        QCOMPARE(changed.size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestHealthModel)
#include "tst_healthmodel.moc"
