#include "widgets/maxofflineeditor.h"

#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

using namespace Baton;

namespace {
ServiceStatus web(const QByteArray &value, quint64 index, QStringList holders = { "web-1" })
{
    ServiceStatus s;
    s.service = "web";
    s.budget.service = "web";
    s.instances = 12;
    s.budget.instances = 12;
    s.budget.holders = holders;
    for (const QString &h : holders)
        s.budget.offline.append({ h, "maintenance: baton: job 3 by alice" });
    Consul::KvEntry e;
    e.key = "baton/services/web/max_offline";
    e.value = value;
    e.modifyIndex = index;
    s.setMaxOfflineKey(e);
    s.waiting = { "web-7", "web-9", "web-11" };
    return s;
}

template<typename T> T *child(QWidget *w, const char *name)
{
    return w->findChild<T *>(QString::fromLatin1(name));
}
} // namespace

class TestMaxOfflineEditor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void previewsTheEffect()
    {
        MaxOfflineEditor e(web("1", 40));
        QCOMPARE(e.candidate(), MaxOffline::count(1));
        QVERIFY(!child<QPushButton>(&e, "applyButton")->isEnabled()); // no change yet
        child<QSpinBox>(&e, "countValue")->setValue(3);
        QCOMPARE(e.candidate(), MaxOffline::count(3));
        QCOMPARE(e.previewText(), QString("Raising web to 3 lets web-7 and web-9 start now."));
        QVERIFY(child<QPushButton>(&e, "applyButton")->isEnabled());
        child<QRadioButton>(&e, "freezeMode")->setChecked(true);
        QVERIFY(e.previewText().startsWith("Freezing web"));
        child<QRadioButton>(&e, "percentMode")->setChecked(true);
        child<QSpinBox>(&e, "percentValue")->setValue(25);
        QCOMPARE(e.candidate(), MaxOffline::percent(25));
        QVERIFY(child<QLabel>(&e, "effective")->text().contains("= 3 of 12"));
    }

    void applyWritesAgainstTheIndexItRead()
    {
        MaxOfflineEditor e(web("1", 40));
        QSignalSpy apply(&e, &MaxOfflineEditor::applyRequested);
        child<QSpinBox>(&e, "countValue")->setValue(2);
        QTest::mouseClick(child<QPushButton>(&e, "applyButton"), Qt::LeftButton);
        QCOMPARE(apply.size(), 1);
        QCOMPARE(apply[0][0].toString(), QString("web"));
        QCOMPARE(apply[0][1].value<MaxOffline>(), MaxOffline::count(2));
        QCOMPARE(apply[0][2].toULongLong(), quint64(40));
        // While the write is in flight, a second click does nothing.
        QTest::mouseClick(child<QPushButton>(&e, "applyButton"), Qt::LeftButton);
        QCOMPARE(apply.size(), 1);
    }

    // The CAS conflict path: someone else wrote first. Their value is shown, ours is not applied, and the next
    // apply is conditioned on their write.
    void conflictShowsTheirValueAndRebases()
    {
        MaxOfflineEditor e(web("1", 40));
        QSignalSpy apply(&e, &MaxOfflineEditor::applyRequested);
        child<QSpinBox>(&e, "countValue")->setValue(3);
        QTest::mouseClick(child<QPushButton>(&e, "applyButton"), Qt::LeftButton);
        QCOMPARE(apply.size(), 1);
        e.showConflict(web("25%", 57));
        QVERIFY(e.hasConflict());
        auto *notice = child<QLabel>(&e, "notice");
        QVERIFY(!notice->isHidden());
        QVERIFY2(notice->text().contains("Someone else changed max_offline of web from 1 to 25% (= 3 of 12)"),
            qPrintable(notice->text()));
        QVERIFY(notice->text().contains("Your value was not written"));
        QCOMPARE(e.expectedIndex(), quint64(57));
        QCOMPARE(e.candidate(), MaxOffline::count(3)); // the operator's choice is kept for review
        QVERIFY(e.previewText().startsWith("Same limit today"));
        QTest::mouseClick(child<QPushButton>(&e, "applyButton"), Qt::LeftButton);
        QCOMPARE(apply.size(), 2);
        QCOMPARE(apply[1][2].toULongLong(), quint64(57));
    }

    // Their write reaches the editor through the watch while ours is in flight; then our CAS loses. The notice
    // still says what it changed from, as the operator saw it.
    void conflictAfterTheWatchBroughtTheirValueInFlight()
    {
        MaxOfflineEditor e(web("1", 40));
        child<QSpinBox>(&e, "countValue")->setValue(2);
        QTest::mouseClick(child<QPushButton>(&e, "applyButton"), Qt::LeftButton);
        e.updateStatus(web("3", 41)); // the watch, while busy
        e.showConflict(web("3", 41));
        QVERIFY(e.hasConflict());
        const QString text = child<QLabel>(&e, "notice")->text();
        QVERIFY2(text.contains("from 1 to 3"), qPrintable(text));
        QCOMPARE(e.expectedIndex(), quint64(41));
    }

    void concurrentChangeWhileOpenIsShownBeforeApply()
    {
        MaxOfflineEditor e(web("1", 40));
        e.updateStatus(web("1", 40, { "web-1", "web-2" })); // only health changed
        QVERIFY(!e.hasConflict());
        QVERIFY(child<QLabel>(&e, "notice")->isHidden());
        e.updateStatus(web("0", 44));
        QVERIFY(e.hasConflict());
        QVERIFY(child<QLabel>(&e, "notice")->text().contains("to 0 (frozen)"));
        QCOMPARE(e.expectedIndex(), quint64(44));
    }

    void errorsAreShownAndApplyComesBack()
    {
        MaxOfflineEditor e(web("1", 40));
        child<QSpinBox>(&e, "countValue")->setValue(2);
        QTest::mouseClick(child<QPushButton>(&e, "applyButton"), Qt::LeftButton);
        e.applyFailed(Error::make(Error::Kind::Forbidden, "Permission denied: token lacks key:write", 403));
        QVERIFY(child<QLabel>(&e, "notice")->text().contains("Permission denied"));
        QVERIFY(child<QPushButton>(&e, "applyButton")->isEnabled());
    }
};

QTEST_MAIN(TestMaxOfflineEditor)
#include "tst_maxofflineeditor.moc"
