#include "core/base/jsonfields.h"

#include <QTest>

using namespace Baton;
using namespace Baton::JsonFields;
using nlohmann::json;

class tst_JsonFields : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void requiredFieldsHaveTheirType()
    {
        const json j = { { "s", "x" }, { "i", -3 }, { "u", 18446744073709551615ULL }, { "b", true } };
        QCOMPARE(*requireString(j, "s"), QStringLiteral("x"));
        QCOMPARE(*requireInt(j, "i"), std::int64_t(-3));
        QCOMPARE(*requireUInt(j, "u"), std::uint64_t(18446744073709551615ULL));
        QCOMPARE(*requireBool(j, "b"), true);
    }

    void wrongTypeNamesTheField()
    {
        const json j = { { "s", 1 }, { "i", "1" }, { "u", -1 }, { "b", "true" }, { "big", 18446744073709551615ULL } };
        const auto s = requireString(j, "s");
        QVERIFY(!s);
        QCOMPARE(s.error().kind, Error::Kind::Decode);
        QVERIFY(s.error().message.contains(QStringLiteral("\"s\"")));
        QVERIFY(!requireInt(j, "i"));
        QVERIFY(!requireUInt(j, "u"));
        QVERIFY(!requireBool(j, "b"));
        QVERIFY(!requireInt(j, "big")); // does not fit int64
        QVERIFY(!requireString(j, "missing"));
        QVERIFY(requireString(j, "missing").error().message.contains(QStringLiteral("missing")));
    }

    void optionalFieldsAcceptMissingAndNull()
    {
        const json j = { { "n", nullptr }, { "s", "v" }, { "list", { "a", "b" } }, { "bad", { "a", 1 } } };
        QVERIFY(!optionalString(j, "n")->has_value());
        QVERIFY(!optionalString(j, "absent")->has_value());
        QCOMPARE(optionalString(j, "s")->value(), QStringLiteral("v"));
        QVERIFY(!optionalInt(j, "s")); // present with the wrong type is still an error
        QCOMPARE(*optionalStringList(j, "list"), QStringList({ QStringLiteral("a"), QStringLiteral("b") }));
        QVERIFY(optionalStringList(j, "absent")->isEmpty());
        QVERIFY(!optionalStringList(j, "bad"));
    }

    void nonObjectParentIsTreatedAsMissing()
    {
        const json arr = json::array({ 1, 2 });
        QVERIFY(!requireString(arr, "x"));
        QVERIFY(!optionalString(arr, "x")->has_value());
    }

    void utf8RoundTrip()
    {
        const QString s = QStringLiteral("größe ✓");
        QCOMPARE(toQString(toStd(s)), s);
    }
};

QTEST_GUILESS_MAIN(tst_JsonFields)
#include "tst_jsonfields.moc"
