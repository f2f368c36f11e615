#include "widgets/canceldialog.h"

#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTest>

using namespace Baton;

class TestCancelDialog : public QObject
{
    Q_OBJECT

private:
    template<typename T> static T *child(QWidget *w, const char *name)
    {
        return w->findChild<T *>(QString::fromLatin1(name));
    }

private Q_SLOTS:
    void wholeJobStatesEachEffect()
    {
        CancelDialog::Target t;
        t.jobId = 12;
        t.service = "web";
        t.runsInFlight = 2;
        CancelDialog d(t);
        QCOMPARE(d.jobMode(), JobCancelMode::Graceful);
        QVERIFY(d.effectText().contains("No node that is still waiting will start"));
        QVERIFY(d.effectText().contains("The 2 run(s) in flight finish normally"));
        QCOMPARE(child<QLabel>(&d, "effect")->text(), d.effectText());
        child<QRadioButton>(&d, "forceKeep")->setChecked(true);
        QCOMPARE(d.jobMode(), JobCancelMode::ForceKeepMaintenance);
        QVERIFY(d.effectText().contains("STAY IN MAINTENANCE"));
        QVERIFY(d.effectText().contains("web's max_offline"));
        child<QRadioButton>(&d, "forceRelease")->setChecked(true);
        QCOMPARE(d.jobMode(), JobCancelMode::ForceReleaseMaintenance);
        QVERIFY(d.effectText().contains("leave maintenance and rejoin web"));
        QCOMPARE(child<QLabel>(&d, "effect")->text(), d.effectText());
        QVERIFY(d.canConfirm());
    }

    void stuckJobsOfferForceFirst()
    {
        CancelDialog::Target t;
        t.jobId = 3;
        t.stuck = true;
        CancelDialog d(t);
        QCOMPARE(d.jobMode(), JobCancelMode::ForceKeepMaintenance);
    }

    void droppingANodeSaysNothingChangesOnIt()
    {
        CancelDialog::Target t;
        t.level = CancelDialog::Level::DropNode;
        t.jobId = 7;
        t.node = "web-4";
        CancelDialog d(t);
        QCOMPARE(d.nodeMode(), NodeCancelMode::Drop);
        QVERIFY(d.effectText().contains("web-4 has not started, so nothing on it changes"));
        QVERIFY(!child<QRadioButton>(&d, "forceKeep"));
    }

    void forceKillChoosesMaintenance()
    {
        CancelDialog::Target t;
        t.level = CancelDialog::Level::ForceKillNode;
        t.jobId = 7;
        t.node = "web-4";
        t.service = "web";
        CancelDialog d(t);
        QCOMPARE(d.nodeMode(), NodeCancelMode::ForceKeepMaintenance);
        QVERIFY(d.effectText().contains("web-4 STAYS IN MAINTENANCE"));
        child<QRadioButton>(&d, "forceRelease")->setChecked(true);
        QCOMPARE(d.nodeMode(), NodeCancelMode::ForceReleaseMaintenance);
        QVERIFY(d.effectText().contains("its slot goes to the next waiting node"));
    }

    void productionAsksToTypeWhatIsAffected()
    {
        CancelDialog::Target t;
        t.level = CancelDialog::Level::ForceKillNode;
        t.jobId = 9;
        t.node = "db-2";
        t.production = true;
        t.profileName = "prod-eu";
        CancelDialog d(t);
        auto *ok = child<QPushButton>(&d, "confirmButton");
        QVERIFY(!d.canConfirm());
        QVERIFY(!ok->isEnabled());
        QTest::keyClicks(child<QLineEdit>(&d, "confirmation"), "db-");
        QVERIFY(!ok->isEnabled());
        QTest::keyClicks(child<QLineEdit>(&d, "confirmation"), "2");
        QVERIFY(d.canConfirm());
        QVERIFY(ok->isEnabled());
        QTest::mouseClick(ok, Qt::LeftButton);
        QCOMPARE(d.result(), int(QDialog::Accepted));

        CancelDialog::Target job;
        job.jobId = 41;
        job.production = true;
        job.profileName = "prod";
        CancelDialog j(job);
        QCOMPARE(j.confirmationWord(), QString("41"));
    }

    void notProductionNeedsNoTyping()
    {
        CancelDialog::Target t;
        t.jobId = 1;
        CancelDialog d(t);
        QVERIFY(!child<QLineEdit>(&d, "confirmation"));
        QVERIFY(d.canConfirm());
    }
};

QTEST_MAIN(TestCancelDialog)
#include "tst_canceldialog.moc"
