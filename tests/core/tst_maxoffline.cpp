#include "core/domain/maxoffline.h"

#include <QTest>

using namespace Baton;

class tst_MaxOffline : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("normalized");
        QTest::newRow("count") << "2" << true << "2";
        QTest::newRow("freeze") << "0" << true << "0";
        QTest::newRow("spaces") << " 3\n" << true << "3";
        QTest::newRow("percent") << "25%" << true << "25%";
        QTest::newRow("hundred percent") << "100%" << true << "100%";
        QTest::newRow("zero percent") << "0%" << true << "0%";
        QTest::newRow("over hundred") << "101%" << false << "";
        QTest::newRow("negative") << "-1" << false << "";
        QTest::newRow("word") << "two" << false << "";
        QTest::newRow("fraction") << "1.5" << false << "";
        QTest::newRow("empty") << "" << false << "";
        QTest::newRow("only percent") << "%" << false << "";
        QTest::newRow("space inside") << "2 %" << false << "";
        QTest::newRow("huge") << "99999999999" << false << "";
    }

    void parse()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(QString, normalized);
        const auto r = MaxOffline::parse(text);
        QCOMPARE(r.has_value(), valid);
        if (valid)
            QCOMPARE(r->toString(), normalized);
        else
            QCOMPARE(r.error().kind, Error::Kind::InvalidInput);
    }

    void limits_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("instances");
        QTest::addColumn<int>("limit");
        QTest::newRow("count ignores size") << "2" << 8 << 2;
        QTest::newRow("count above size") << "10" << 3 << 10;
        QTest::newRow("freeze") << "0" << 8 << 0;
        QTest::newRow("percent rounds down") << "25%" << 10 << 2;
        QTest::newRow("percent at least one") << "10%" << 3 << 1;
        QTest::newRow("percent of nothing") << "50%" << 0 << 1;
        QTest::newRow("zero percent freezes") << "0%" << 10 << 0;
        QTest::newRow("all") << "100%" << 6 << 6;
    }

    void limits()
    {
        QFETCH(QString, text);
        QFETCH(int, instances);
        QFETCH(int, limit);
        QCOMPARE(MaxOffline::parse(text)->limitFor(instances), limit);
    }

    void readingTheKey()
    {
        const MaxOfflineReading missing = MaxOffline::fromKv(std::nullopt);
        QCOMPARE(missing.value.limitFor(5), 1);
        QVERIFY(missing.warning.isEmpty());
        QVERIFY(!missing.keyPresent);

        const MaxOfflineReading bad = MaxOffline::fromKv(QByteArray("lots"));
        QCOMPARE(bad.value.limitFor(5), 1);
        QVERIFY(bad.keyPresent);
        QVERIFY(bad.warning.contains(QStringLiteral("lots")));
        QVERIFY(bad.warning.contains(QStringLiteral("default")));

        const MaxOfflineReading good = MaxOffline::fromKv(QByteArray("50%"));
        QCOMPARE(good.value.limitFor(6), 3);
        QVERIFY(good.warning.isEmpty());
    }

    void describe()
    {
        QCOMPARE(MaxOffline::parse(u"25%")->describe(12), QStringLiteral("25% (= 3 of 12)"));
        QCOMPARE(MaxOffline::freeze().describe(12), QStringLiteral("0 (frozen)"));
        QCOMPARE(MaxOffline().describe(12), QStringLiteral("1"));
    }
};

QTEST_GUILESS_MAIN(tst_MaxOffline)
#include "tst_maxoffline.moc"
