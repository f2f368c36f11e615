#include "core/base/timestamps.h"

#include <QTest>

using namespace Baton;

class tst_Timestamps : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void formatsUtcWithMilliseconds()
    {
        QCOMPARE(Timestamps::toIso(0), QStringLiteral("1970-01-01T00:00:00.000Z"));
        QCOMPARE(Timestamps::toIso(1796081520123), QStringLiteral("2026-11-30T23:32:00.123Z"));
    }

    void roundTrips()
    {
        const qint64 now = Timestamps::nowMs();
        QCOMPARE(*Timestamps::fromIso(Timestamps::toIso(now)), now);
    }

    void acceptsOffsets()
    {
        QCOMPARE(*Timestamps::fromIso(QStringLiteral("2026-11-30T23:32:00.123+01:00")), 1796081520123 - 3600000);
    }

    void rejectsGarbage()
    {
        const auto r = Timestamps::fromIso(QStringLiteral("yesterday"));
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Decode);
    }
};

QTEST_GUILESS_MAIN(tst_Timestamps)
#include "tst_timestamps.moc"
