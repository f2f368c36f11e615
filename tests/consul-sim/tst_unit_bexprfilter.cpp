// The go-bexpr subset consul-sim evaluates for ?filter=, against the JSON elements Consul would send.
#include "tools/consul-sim/bexprfilter.h"

#include <QTest>

using namespace Baton::ConsulSim;

namespace {

OJson entry()
{
    return OJson::parse("{\"Node\":{\"Node\":\"web-1\",\"Meta\":{\"rack\":\"a\",\"my-key\":\"v\"}},"
                        "\"Service\":{\"ID\":\"web\",\"Service\":\"web\",\"Tags\":[\"blue\",\"v1\"],\"Port\":8080,"
                        "\"EnableTagOverride\":false,\"Meta\":{}},"
                        "\"Checks\":[{\"CheckID\":\"serfHealth\",\"Status\":\"passing\",\"Output\":\"ok\"},"
                        "{\"CheckID\":\"web-ttl\",\"Status\":\"critical\",\"Output\":\"\"}]}");
}

} // namespace

class TstUnitBexprFilter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void evaluates_data()
    {
        QTest::addColumn<QString>("expression");
        QTest::addColumn<bool>("matches");
        QTest::newRow("==") << "Node.Node == \"web-1\"" << true;
        QTest::newRow("== backtick") << "Node.Node == `web-1`" << true;
        QTest::newRow("!=") << "Node.Node != \"web-1\"" << false;
        QTest::newRow("map dot") << "Node.Meta.rack == \"a\"" << true;
        QTest::newRow("map bracket") << "Node.Meta[\"my-key\"] == \"v\"" << true;
        QTest::newRow("missing map key") << "Node.Meta.zone == \"x\"" << false;
        QTest::newRow("missing map key !=") << "Node.Meta.zone != \"x\"" << true;
        QTest::newRow("in list") << "\"blue\" in Service.Tags" << true;
        QTest::newRow("not in list") << "\"red\" not in Service.Tags" << true;
        QTest::newRow("contains") << "Service.Tags contains \"v1\"" << true;
        QTest::newRow("not contains") << "Service.Tags not contains \"v1\"" << false;
        QTest::newRow("in map keys") << "\"rack\" in Node.Meta" << true;
        QTest::newRow("is empty") << "Service.Meta is empty" << true;
        QTest::newRow("is not empty") << "Service.Tags is not empty" << true;
        QTest::newRow("matches") << "Node.Node matches \"^web-[0-9]+$\"" << true;
        QTest::newRow("not matches") << "Node.Node not matches \"^db\"" << true;
        QTest::newRow("int") << "Service.Port == 8080" << true;
        QTest::newRow("bool") << "Service.EnableTagOverride == false" << true;
        QTest::newRow("list any") << "Checks.Status == \"critical\"" << true;
        QTest::newRow("list none") << "Checks.Status == \"warning\"" << false;
        QTest::newRow("list !=") << "Checks.Status != \"critical\"" << false;
        QTest::newRow("and") << "Node.Node == \"web-1\" and \"blue\" in Service.Tags" << true;
        QTest::newRow("or") << "Node.Node == \"x\" or Service.Port == 8080" << true;
        QTest::newRow("not") << "not Node.Node == \"web-1\"" << false;
        QTest::newRow("parens") << "not (Node.Node == \"x\" or Service.Port == 1)" << true;
        QTest::newRow("precedence") << "Node.Node == \"x\" and Service.Port == 1 or Service.ID == \"web\"" << true;
        QTest::newRow("bare value") << "Service.ID == web" << true;
        QTest::newRow("in string") << "\"eb\" in Service.ID" << true;
    }

    void evaluates()
    {
        QFETCH(QString, expression);
        QFETCH(bool, matches);
        std::string error;
        const auto f = BexprFilter::create(expression.toStdString(), BexprFilter::checkServiceNodeSchema(), &error);
        QVERIFY2(f.has_value(), error.c_str());
        QCOMPARE(f->matches(entry()), matches);
    }

    void rejects_data()
    {
        QTest::addColumn<QString>("expression");
        QTest::addColumn<QString>("contains");
        QTest::newRow("empty value") << "Node.Node == "
                                     << "no match found";
        QTest::newRow("unknown selector") << "Bogus == \"x\""
                                          << "Selector \"Bogus\" is not valid";
        QTest::newRow("past a leaf") << "Service.Port.X == \"1\""
                                     << "is not valid";
        QTest::newRow("bad operator for list") << "Service.Tags == \"x\""
                                               << "Invalid match operator";
        QTest::newRow("not an int") << "Service.Port == abc"
                                    << "to int";
        QTest::newRow("bad regex") << "Node.Node matches \"(\""
                                   << "Invalid regular expression";
        QTest::newRow("unbalanced") << "(Node.Node == \"a\""
                                    << "no match found";
        QTest::newRow("trailing") << "Node.Node == \"a\" Node"
                                  << "no match found";
        QTest::newRow("unquoted dash") << "Node.Node == web-1"
                                       << "quote values";
        QTest::newRow("unterminated") << "Node.Node == \"web"
                                      << "unterminated";
        QTest::newRow("single =") << "Node.Node = \"a\""
                                  << "no match found";
        QString chain = "Service.Port == 1";
        for (int i = 0; i < 1100; ++i)
            chain += " or Service.Port == 1";
        QTest::newRow("too many terms") << chain << "more than 1024 terms";
        QTest::newRow("not chain") << (QString("not ").repeated(100) + "Service.Port == 1") << "nested deeper than 64";
    }

    void rejects()
    {
        QFETCH(QString, expression);
        QFETCH(QString, contains);
        std::string error;
        QVERIFY(!BexprFilter::create(expression.toStdString(), BexprFilter::checkServiceNodeSchema(), &error));
        QVERIFY2(error.rfind("Failed to create boolean expression evaluator: ", 0) == 0, error.c_str());
        QVERIFY2(error.find(contains.toStdString()) != std::string::npos, error.c_str());
    }

    void deepNestingIsAnErrorNotACrash()
    {
        std::string error;
        const std::string deep = std::string(100000, '(') + "Node.Node == \"a\"" + std::string(100000, ')');
        // 100k levels must be refused, not overflow the stack.
        QVERIFY(!BexprFilter::create(deep, BexprFilter::checkServiceNodeSchema(), &error));
        QVERIFY2(error.find("nested deeper than 64 levels") != std::string::npos, error.c_str());
    }
};

QTEST_GUILESS_MAIN(TstUnitBexprFilter)
#include "tst_unit_bexprfilter.moc"
