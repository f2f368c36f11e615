#include "core/base/boundedjson.h"

#include <QTest>

using namespace Baton;

class tst_BoundedJson : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesValidDocument()
    {
        const auto r = parseJsonBounded(QByteArray("{\"a\":[1,2,{\"b\":\"x\"}],\"flags\":16210313421097356768}"));
        QVERIFY(r.has_value());
        QCOMPARE((*r)["a"][2]["b"].get<std::string>(), std::string("x"));
        // uint64 above 2^63 must survive exactly; QJsonDocument would round it.
        QVERIFY((*r)["flags"].is_number_unsigned());
        QCOMPARE((*r)["flags"].get<std::uint64_t>(), std::uint64_t(16210313421097356768ULL));
    }

    void rejects_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("kind");
        QTest::newRow("empty") << QByteArray() << int(Error::Kind::Decode);
        QTest::newRow("truncated object") << QByteArray("{\"a\": [1, 2") << int(Error::Kind::Decode);
        QTest::newRow("trailing garbage") << QByteArray("{\"a\":1} x") << int(Error::Kind::Decode);
        QTest::newRow("bad escape") << QByteArray("[\"\\q\"]") << int(Error::Kind::Decode);
        QTest::newRow("lone surrogate") << QByteArray("[\"\\ud800\"]") << int(Error::Kind::Decode);
        QTest::newRow("invalid utf8") << QByteArray("[\"\xff\xfe\"]") << int(Error::Kind::Decode);
        QTest::newRow("nan") << QByteArray("[NaN]") << int(Error::Kind::Decode);
        QTest::newRow("deep arrays") << QByteArray(100000, '[') << int(Error::Kind::Decode);
        QTest::newRow("deep objects") << QByteArray("{\"a\":").repeated(100) + QByteArray("1") + QByteArray(100, '}')
                                      << int(Error::Kind::Decode);
        QTest::newRow("too large") << QByteArray(2 * 1024 * 1024, ' ') << int(Error::Kind::TooLarge);
    }

    void rejects()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, kind);
        const auto r = parseJsonBounded(body, JsonLimits { 1024 * 1024, 64 });
        QVERIFY(!r.has_value());
        QCOMPARE(int(r.error().kind), kind);
        QVERIFY(!r.error().message.isEmpty());
    }

    void depthCountsOnlyStructureOutsideStrings()
    {
        QCOMPARE(jsonNestingDepth("[\"[[[[\", {\"k\": \"}}}{{{\"}]", 100), 2);
        QCOMPARE(jsonNestingDepth("[\"\\\"[[[\", 1]", 100), 1);
        QCOMPARE(jsonNestingDepth("", 100), 0);
        // Stops as soon as the limit is exceeded.
        QCOMPARE(jsonNestingDepth(std::string(1000, '['), 10), 11);
    }

    void depthAtLimitIsAccepted()
    {
        const QByteArray atLimit = QByteArray(64, '[') + QByteArray(64, ']');
        QVERIFY(parseJsonBounded(atLimit, JsonLimits { 1024, 64 }).has_value());
        const QByteArray over = QByteArray(65, '[') + QByteArray(65, ']');
        QVERIFY(!parseJsonBounded(over, JsonLimits { 1024, 64 }).has_value());
    }
};

QTEST_GUILESS_MAIN(tst_BoundedJson)
#include "tst_boundedjson.moc"
