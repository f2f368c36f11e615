#include "models/servicebudgetmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Baton;

namespace {

Consul::ServiceHealth instance(
    const QString &node, Consul::CheckStatus status, bool maintenance = false, const QString &service = "web")
{
    Consul::ServiceHealth h;
    h.node.name = node;
    h.service.id = service;
    h.service.name = service;
    h.service.tags = { "blue" };
    Consul::HealthCheck c;
    c.node = node;
    c.checkId = "svc";
    c.name = "service check";
    c.status = status;
    c.statusText = Consul::checkStatusToWire(status);
    c.serviceId = service;
    c.serviceName = service;
    h.checks << c;
    if (maintenance) {
        Consul::HealthCheck m;
        m.node = node;
        m.checkId = "_node_maintenance";
        m.name = "Node Maintenance Mode";
        m.status = Consul::CheckStatus::Critical;
        m.statusText = "critical";
        m.notes = "baton: job 7 by alice";
        h.checks << m;
    }
    return h;
}

ServiceStatus status(const QString &name, QList<Consul::ServiceHealth> inst, const QByteArray &maxOffline = {})
{
    ServiceStatus s;
    s.service = name;
    s.budget.service = name;
    s.setInstances(inst);
    if (maxOffline.isNull()) {
        s.setMaxOfflineKey(std::nullopt);
    } else {
        Consul::KvEntry e;
        e.key = "baton/services/" + name + "/max_offline";
        e.value = maxOffline;
        e.modifyIndex = 42;
        s.setMaxOfflineKey(e);
    }
    return s;
}

} // namespace

class TestServiceBudgetModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void countsHealthAndBudget()
    {
        const ServiceStatus s = status("web",
            { instance("web-1", Consul::CheckStatus::Passing), instance("web-2", Consul::CheckStatus::Warning),
                instance("web-3", Consul::CheckStatus::Critical),
                instance("web-4", Consul::CheckStatus::Passing, true) },
            "50%");
        QCOMPARE(s.instances, 4);
        QCOMPARE(s.passing, 1);
        QCOMPARE(s.warning, 1);
        QCOMPARE(s.critical, 1);
        QCOMPARE(s.maintenance, 1);
        QCOMPARE(s.budget.limit(), 2);
        QCOMPARE(s.budget.offline.size(), 2); // the critical one and the one in maintenance
        QCOMPARE(s.maxOfflineModifyIndex, quint64(42));
        QCOMPARE(s.tags, QStringList { "blue" });
        QCOMPARE(s.budget.freeSlots(), 0);
    }

    void malformedKeyIsShownWithItsWarning()
    {
        ServiceBudgetModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setServices({ status("db", { instance("db-1", Consul::CheckStatus::Passing, false, "db") }, "lots") });
        QCOMPARE(m.rowCount(), 1);
        QVERIFY(!m.index(0, 0).data(ServiceBudgetModel::WarningTextRole).toString().isEmpty());
        QVERIFY(m.index(0, ServiceBudgetModel::MaxOfflineColumn).data().toString().contains("⚠"));
        m.setServices({ status("db", { instance("db-1", Consul::CheckStatus::Passing, false, "db") }) });
        QVERIFY(m.index(0, ServiceBudgetModel::MaxOfflineColumn).data().toString().contains("default"));
    }

    void refreshesAreDiffsNotResets()
    {
        ServiceBudgetModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setServices({ status("web", { instance("web-1", Consul::CheckStatus::Passing) }),
            status("db", { instance("db-1", Consul::CheckStatus::Passing, false, "db") }) });
        QCOMPARE(m.serviceNames(), (QStringList { "db", "web" }));
        QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
        // db disappears, cache appears, web changes, queue appears.
        m.setServices({ status("web", { instance("web-1", Consul::CheckStatus::Critical) }),
            status("cache", { instance("c-1", Consul::CheckStatus::Passing, false, "cache") }),
            status("zk", { instance("zk-1", Consul::CheckStatus::Passing, false, "zk") }) });
        QCOMPARE(reset.size(), 0);
        QCOMPARE(removed.size(), 1);
        QCOMPARE(inserted.size(), 2);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(m.serviceNames(), (QStringList { "cache", "web", "zk" }));
        QCOMPARE(m.service("web")->critical, 1);
        // The same data again: nothing at all.
        changed.clear();
        inserted.clear();
        removed.clear();
        m.setServices({ status("web", { instance("web-1", Consul::CheckStatus::Critical) }),
            status("cache", { instance("c-1", Consul::CheckStatus::Passing, false, "cache") }),
            status("zk", { instance("zk-1", Consul::CheckStatus::Passing, false, "zk") }) });
        QCOMPARE(changed.size() + inserted.size() + removed.size(), 0);
    }

    void waitingQueuesComeFromTheJobList()
    {
        ServiceBudgetModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setServices({ status("web", { instance("web-1", Consul::CheckStatus::Passing) }) });
        QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
        m.setWaiting({ { "web", { "web-7", "web-9" } } });
        QCOMPARE(changed.size(), 1);
        QCOMPARE(m.index(0, ServiceBudgetModel::WaitingColumn).data().toString(), QString("2"));
        // A Consul refresh keeps the queue.
        m.setServices({ status("web", { instance("web-1", Consul::CheckStatus::Warning) }) });
        QCOMPARE(m.service("web")->waiting, (QStringList { "web-7", "web-9" }));
        QVERIFY(m.index(0, 0).data(Qt::ToolTipRole).toString().contains("web-7"));
    }
};

QTEST_GUILESS_MAIN(TestServiceBudgetModel)
#include "tst_servicebudgetmodel.moc"
