#include "models/extravars.h"

#include <QTest>

using namespace Baton;

class TestExtraVars : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void keyValueLines()
    {
        auto r = ExtraVars::parse(
            "# a comment\nversion=1.2.3\nretries = 3\n\nenabled=true\nname=\"quoted\"\nlist=[1,2]\nraw=a b c");
        QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
        QCOMPARE(r->at("version").get<std::string>(), std::string("1.2.3"));
        QCOMPARE(r->at("retries").get<int>(), 3);
        QCOMPARE(r->at("enabled").get<bool>(), true);
        QCOMPARE(r->at("name").get<std::string>(), std::string("quoted"));
        QCOMPARE(r->at("list").size(), std::size_t(2));
        QCOMPARE(r->at("raw").get<std::string>(), std::string("a b c"));
    }

    void jsonObject()
    {
        auto r = ExtraVars::parse(R"({"a": 1, "b": {"c": [true]}})");
        QVERIFY(r);
        QCOMPARE(r->at("b").at("c").at(0).get<bool>(), true);
    }

    void emptyIsAnEmptyObject()
    {
        auto r = ExtraVars::parse("  \n ");
        QVERIFY(r);
        QVERIFY(r->is_object() && r->empty());
    }

    void errorsNameTheLine_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("contains");
        QTest::newRow("no equals") << "a=1\njust words"
                                   << "line 2";
        QTest::newRow("bad name") << "1abc=2"
                                  << "not a valid variable name";
        QTest::newRow("dash") << "my-var=2"
                              << "not a valid variable name";
        QTest::newRow("twice") << "a=1\na=2"
                               << "set twice";
        QTest::newRow("bad json") << "{\"a\": }"
                                  << "not valid JSON";
        QTest::newRow("json array") << "[1]"
                                    << "line 1";
        QTest::newRow("json bad key") << "{\"bad key\": 1}"
                                      << "not a valid variable name";
        QTest::newRow("deep") << QString("{\"a\":") + QString(100, '[') << "not valid JSON";
    }

    void errorsNameTheLine()
    {
        QFETCH(QString, text);
        QFETCH(QString, contains);
        auto r = ExtraVars::parse(text);
        QVERIFY(!r);
        QVERIFY2(r.error().message.contains(contains), qPrintable(r.error().message));
    }

    void tooLargeIsRefused()
    {
        auto r = ExtraVars::parse("a=" + QString(300 * 1024, 'x'));
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::TooLarge);
    }

    void roundTripsToText()
    {
        auto r = ExtraVars::parse("a=1\nb=text");
        QVERIFY(r);
        auto again = ExtraVars::parse(ExtraVars::toKeyValueText(*r));
        QVERIFY(again);
        QVERIFY(*again == *r);
    }
};

QTEST_GUILESS_MAIN(TestExtraVars)
#include "tst_extravars.moc"
