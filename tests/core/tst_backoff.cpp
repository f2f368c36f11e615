#include "core/jobs/backoff.h"

#include <QTest>

using namespace Baton;

class TestBackoff : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void growsExponentiallyWithinJitterBounds()
    {
        Backoff b(1000, 30000, 7);
        int nominal = 1000;
        for (int i = 0; i < 10; ++i) {
            QCOMPARE(b.nominal(), nominal);
            const int d = b.next();
            QVERIFY2(d >= nominal / 2 && d <= nominal, qPrintable(QString::number(d)));
            nominal = std::min(nominal * 2, 30000);
        }
        QCOMPARE(b.nominal(), 30000);
    }

    void neverOverflowsAfterManyAttempts()
    {
        Backoff b(1000, 30000, 1);
        for (int i = 0; i < 1000; ++i) {
            const int d = b.next();
            QVERIFY(d > 0 && d <= 30000);
        }
    }

    void resetStartsAgainFromBase()
    {
        Backoff b(500, 8000, 3);
        b.next();
        b.next();
        b.next();
        QCOMPARE(b.nominal(), 4000);
        b.reset();
        QCOMPARE(b.nominal(), 500);
        QCOMPARE(b.attempts(), 0);
    }

    void jitterSpreadsClients()
    {
        // Two consoles that lost the same server at the same moment should not retry in lockstep.
        Backoff a(1000, 30000, 11);
        Backoff c(1000, 30000, 12);
        int same = 0;
        for (int i = 0; i < 8; ++i)
            same += a.next() == c.next();
        QVERIFY(same < 8);
    }

    void serverRetryIsClamped()
    {
        Backoff b(1000, 30000, 5);
        b.setBase(1);
        QCOMPARE(b.base(), 50);
        b.setBase(10'000'000);
        QCOMPARE(b.base(), 30000);
    }
};

QTEST_GUILESS_MAIN(TestBackoff)
#include "tst_backoff.moc"
