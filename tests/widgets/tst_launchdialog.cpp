#include "models/servicebudgetmodel.h"
#include "widgets/launchdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <QTreeWidget>

using namespace Baton;

namespace {

Consul::ServiceHealth instance(const QString &node, const QString &service, QStringList tags,
    Consul::CheckStatus status = Consul::CheckStatus::Passing)
{
    Consul::ServiceHealth h;
    h.node.name = node;
    h.service.id = service;
    h.service.name = service;
    h.service.tags = tags;
    Consul::HealthCheck c;
    c.node = node;
    c.checkId = "check";
    c.name = "check";
    c.status = status;
    c.statusText = Consul::checkStatusToWire(status);
    c.serviceId = service;
    c.serviceName = service;
    h.checks << c;
    return h;
}

ServiceStatus status(const QString &service, QList<Consul::ServiceHealth> inst, const QByteArray &maxOffline)
{
    ServiceStatus s;
    s.service = service;
    s.budget.service = service;
    s.setInstances(inst);
    Consul::KvEntry e;
    e.key = "baton/services/" + service + "/max_offline";
    e.value = maxOffline;
    e.modifyIndex = 5;
    s.setMaxOfflineKey(e);
    return s;
}

} // namespace

class TestLaunchDialog : public QObject
{
    Q_OBJECT

private:
    ServiceBudgetModel *m_services = nullptr;

    LaunchContext context()
    {
        LaunchContext c;
        c.playbooks = { "rolling-restart.yml", "patch.yml" };
        c.services = m_services;
        c.estimate = [](const QString &p, const QString &s) -> std::pair<qint64, int> {
            if (p == "rolling-restart.yml" && s == "web")
                return { 250, 12 };
            return { -1, 0 };
        };
        return c;
    }

    template<typename T> static T *child(QWidget *w, const char *name)
    {
        T *c = w->findChild<T *>(QString::fromLatin1(name));
        if (!c)
            qFatal("no child %s", name);
        return c;
    }

private Q_SLOTS:
    void init()
    {
        m_services = new ServiceBudgetModel(this);
        m_services->setServices({ status("web",
                                      { instance("web-1", "web", { "blue" }), instance("web-2", "web", { "green" }),
                                          instance("web-3", "web", { "blue" }, Consul::CheckStatus::Critical) },
                                      "2"),
            status("db", { instance("db-1", "db", {}), instance("db-2", "db", {}) }, "0") });
    }

    void cleanup() { delete m_services; }

    void previewsTheTargetWithHealthBudgetAndEstimate()
    {
        LaunchDialog d(context());
        child<QComboBox>(&d, "service")->setCurrentText("web");
        auto *preview = child<QTreeWidget>(&d, "preview");
        QCOMPARE(preview->topLevelItemCount(), 3);
        QCOMPARE(preview->topLevelItem(2)->text(2), QString("critical: check"));
        QVERIFY2(child<QLabel>(&d, "budget")->text().contains("max_offline 2"),
            qPrintable(child<QLabel>(&d, "budget")->text()));
        QVERIFY(child<QLabel>(&d, "offline")->text().contains("web-3 (critical: check)"));
        QVERIFY(child<QLabel>(&d, "estimate")->text().contains("median of 12 past runs"));
        QVERIFY(d.problems().isEmpty());
        QVERIFY(child<QPushButton>(&d, "launchButton")->isEnabled());
        // The tag narrows the target.
        child<QComboBox>(&d, "tag")->setCurrentText("blue");
        QCOMPARE(preview->topLevelItemCount(), 2);
    }

    void frozenServiceNeedsAnExplicitOverride()
    {
        LaunchDialog d(context());
        child<QComboBox>(&d, "service")->setCurrentText("db");
        QVERIFY(!d.problems().isEmpty());
        QVERIFY(d.problems().join(" ").contains("frozen"));
        QVERIFY(!child<QPushButton>(&d, "launchButton")->isEnabled());
        auto *override = child<QCheckBox>(&d, "overrideFreeze");
        QVERIFY(!override->isHidden());
        override->setChecked(true);
        QVERIFY(d.problems().isEmpty());
        QVERIFY(d.spec().overrideFreeze);
        QVERIFY(child<QPushButton>(&d, "launchButton")->isEnabled());
    }

    void extraVarsAreValidated()
    {
        LaunchDialog d(context());
        child<QComboBox>(&d, "service")->setCurrentText("web");
        auto *vars = child<QPlainTextEdit>(&d, "extraVars");
        vars->setPlainText("version=2\nnot a pair");
        QVERIFY(d.problems().join(" ").contains("line 2"));
        QVERIFY(child<QLabel>(&d, "extraVarsStatus")->text().contains("line 2"));
        QVERIFY(!child<QPushButton>(&d, "launchButton")->isEnabled());
        vars->setPlainText("{\"version\": 2, \"canary\": true}");
        QVERIFY(d.problems().isEmpty());
        QCOMPARE(d.spec().extraVars.at("version").get<int>(), 2);
    }

    void explicitNodesAreChecked()
    {
        LaunchDialog d(context());
        auto *nodes = child<QLineEdit>(&d, "nodes");
        nodes->setText("web-1, ../etc web-2");
        QVERIFY(child<QRadioButton>(&d, "byNodes")->isChecked());
        QVERIFY(d.problems().join(" ").contains("Not a node name: ../etc"));
        nodes->setText("web-1 web-2 web-2");
        QVERIFY(d.problems().isEmpty());
        const JobSpec s = d.spec();
        QCOMPARE(s.target.nodes, (QStringList { "web-1", "web-2" }));
        QCOMPARE(s.target.service, QString("web")); // both belong to web
        nodes->setText("db-1");
        QVERIFY(d.problems().join(" ").contains("frozen")); // nodes of a frozen service are refused too
    }

    void timeoutsAndCheckModeReachTheSpec()
    {
        LaunchDialog d(context());
        child<QComboBox>(&d, "service")->setCurrentText("web");
        child<QComboBox>(&d, "playbook")->setCurrentText("patch.yml");
        child<QCheckBox>(&d, "checkMode")->setChecked(true);
        child<QSpinBox>(&d, "timeout")->setValue(90);
        child<QSpinBox>(&d, "nodeTimeout")->setValue(100);
        QVERIFY(d.problems().join(" ").contains("node's timeout"));
        child<QSpinBox>(&d, "nodeTimeout")->setValue(20);
        const JobSpec s = d.spec();
        QCOMPARE(s.playbook, QString("patch.yml"));
        QVERIFY(s.checkMode);
        QCOMPARE(s.timeoutS, 90 * 60);
        QCOMPARE(s.nodeTimeoutS, 20 * 60);
    }

    void launchIsRequestedOnceWithAStableKey()
    {
        LaunchDialog d(context());
        child<QComboBox>(&d, "service")->setCurrentText("web");
        QSignalSpy requested(&d, &LaunchDialog::launchRequested);
        const QString key = d.idempotencyKey();
        QVERIFY(!key.isEmpty());
        QTest::mouseClick(child<QPushButton>(&d, "launchButton"), Qt::LeftButton);
        QTest::mouseClick(child<QPushButton>(&d, "launchButton"), Qt::LeftButton); // busy: ignored
        QCOMPARE(requested.size(), 1);
        QCOMPARE(requested[0][1].toString(), key);
        d.launchFailed(
            Error::make(Error::Kind::Forbidden, "Not allowed to launch: the token's role may not do this", 403));
        QVERIFY(child<QLabel>(&d, "problems")->text().contains("Not allowed to launch"));
        QVERIFY(child<QPushButton>(&d, "launchButton")->isEnabled());
        QTest::mouseClick(child<QPushButton>(&d, "launchButton"), Qt::LeftButton);
        QCOMPARE(requested.size(), 2);
        QCOMPARE(requested[1][1].toString(), key); // the retry is the same launch
    }

    void withoutConsulNothingIsRefusedOnItsAccount()
    {
        LaunchContext c = context();
        c.consulAvailable = false;
        ServiceBudgetModel empty;
        c.services = &empty;
        LaunchDialog d(c);
        child<QComboBox>(&d, "service")->setCurrentText("anything");
        QVERIFY2(d.problems().isEmpty(), qPrintable(d.problems().join("; ")));
        QVERIFY(child<QLabel>(&d, "budget")->text().contains("Consul is unreachable"));
    }

    void unknownServiceIsRefusedWhenConsulKnowsTheCatalog()
    {
        LaunchDialog d(context());
        child<QComboBox>(&d, "service")->setCurrentText("nope");
        QVERIFY(d.problems().join(" ").contains("Consul knows no service"));
        child<QComboBox>(&d, "playbook")->setCurrentIndex(-1);
        QVERIFY(d.problems().join(" ").contains("Pick a playbook"));
    }
};

QTEST_MAIN(TestLaunchDialog)
#include "tst_launchdialog.moc"
