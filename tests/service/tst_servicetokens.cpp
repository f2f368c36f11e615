// Unit: the tokens file and bearer lookup.

#include "service/tokenstore.h"

#include <QTest>

using namespace Baton;

class TstServiceTokens : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void lookupByBearer();
    void malformedFiles_data();
    void malformedFiles();
};

void TstServiceTokens::lookupByBearer()
{
    auto store = TokenStore::parse(R"({"tokens": [{"name": "alice", "token": "alice-secret-1", "role": "operator"},
                                                  {"name": "bob", "token": "bob-secret-22", "role": "viewer"}]})");
    QVERIFY(store);
    QCOMPARE(store->size(), 2);
    auto a = store->fromAuthorization("Bearer alice-secret-1");
    QVERIFY(a);
    QCOMPARE(a->name, QString("alice"));
    QCOMPARE(a->role, Role::Operator);
    QVERIFY(a->may(Role::Viewer));
    QVERIFY(a->may(Role::Operator));
    QVERIFY(!a->may(Role::Admin));
    QVERIFY(store->fromAuthorization("bearer   bob-secret-22 "));
    QVERIFY(!store->fromAuthorization("Bearer alice-secret-"));
    QVERIFY(!store->fromAuthorization("Basic YWxpY2U6eA=="));
    QVERIFY(!store->fromAuthorization("Bearer"));
    QVERIFY(!store->fromAuthorization(""));
    QVERIFY(!store->fromAuthorization(QByteArray(10000, 'a')));
}

void TstServiceTokens::malformedFiles_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("not json") << QByteArray("{");
    QTest::newRow("array") << QByteArray("[]");
    QTest::newRow("no tokens") << QByteArray("{}");
    QTest::newRow("tokens object") << QByteArray(R"({"tokens": {}})");
    QTest::newRow("entry string") << QByteArray(R"({"tokens": ["x"]})");
    QTest::newRow("missing role") << QByteArray(R"({"tokens": [{"name": "a", "token": "aaaaaaaaaa"}]})");
    QTest::newRow("bad role") << QByteArray(R"({"tokens": [{"name": "a", "token": "aaaaaaaaaa", "role": "god"}]})");
    QTest::newRow("short token") << QByteArray(R"({"tokens": [{"name": "a", "token": "short", "role": "admin"}]})");
    QTest::newRow("space in token") << QByteArray(
        R"({"tokens": [{"name": "a", "token": "has a space", "role": "admin"}]})");
    QTest::newRow("empty name") << QByteArray(R"({"tokens": [{"name": " ", "token": "aaaaaaaaaa", "role": "admin"}]})");
    QTest::newRow("same name") << QByteArray(
        R"({"tokens": [{"name": "a", "token": "aaaaaaaaaa", "role": "admin"}, {"name": "a", "token": "bbbbbbbbbb", "role": "admin"}]})");
    QTest::newRow("same token") << QByteArray(
        R"({"tokens": [{"name": "a", "token": "aaaaaaaaaa", "role": "admin"}, {"name": "b", "token": "aaaaaaaaaa", "role": "admin"}]})");
    QTest::newRow("too deep") << QByteArray(100, '[') + QByteArray(100, ']');
}

void TstServiceTokens::malformedFiles()
{
    QFETCH(QByteArray, text);
    auto store = TokenStore::parse(text);
    QVERIFY(!store);
    QVERIFY(!store.error().message.isEmpty());
    QVERIFY(!store.error().message.contains("aaaaaaaaaa"));
}

QTEST_GUILESS_MAIN(TstServiceTokens)
#include "tst_servicetokens.moc"
