// PUT /v1/txn in consul-sim: the KV verbs, all-or-nothing with the 409 shape, limits (consul-api.md §9).
#include "support/consulsimfixture.h"

#include <QTest>
#include <QThread>

using Baton::Test::ConsulSimFixture;
using json = nlohmann::json;
using Reply = ConsulSimFixture::Reply;

class TstSimTxn : public QObject
{
    Q_OBJECT

private:
    ConsulSimFixture sim;
    Reply txn(const json &ops) { return sim.request("PUT", "n1", "/v1/txn", QByteArray::fromStdString(ops.dump())); }
    Reply txnRaw(const QByteArray &body) { return sim.request("PUT", "n1", "/v1/txn", body); }
    static json kv(const std::string &verb, const std::string &key, json extra = json::object())
    {
        extra["Verb"] = verb;
        extra["Key"] = key;
        return { { "KV", extra } };
    }
    json get(const QString &key)
    {
        const Reply r = sim.request("GET", "n1", "/v1/kv/" + key);
        return r.status == 200 ? r.json()[0] : json();
    }
    QString session(const json &body = json::object())
    {
        return QString::fromStdString(
            sim.request("PUT", "n1", "/v1/session/create", QByteArray::fromStdString(body.dump()))
                .json()["ID"]
                .get<std::string>());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(sim.start({ { "nodes", json::array({ ConsulSimFixture::node("n1") }) },
                     { "timing", ConsulSimFixture::fastTiming() } }),
            qPrintable(sim.errorString()));
    }

    void setGetAndResultShape()
    {
        const Reply r = txn(json::array(
            { kv("set", "t/a", { { "Value", "dGVzdA==" }, { "Flags", 16210313421097356768ull } }), kv("get", "t/a") }));
        QCOMPARE(r.status, 200);
        const json body = r.json();
        QVERIFY(body["Errors"].is_null());
        QCOMPARE(body["Results"].size(), std::size_t(2));
        QVERIFY(body["Results"][0]["KV"]["Value"].is_null()); // non-get results carry no value
        QCOMPARE(body["Results"][1]["KV"]["Value"].get<std::string>(), std::string("dGVzdA=="));
        QCOMPARE(body["Results"][1]["KV"]["Flags"].get<std::uint64_t>(), std::uint64_t(16210313421097356768ull));
        QVERIFY(r.header("X-Consul-Index").isEmpty());
        QCOMPARE(get("t/a")["Value"].get<std::string>(), std::string("dGVzdA=="));
    }

    void casConflictRollsBackEverything()
    {
        sim.request("PUT", "n1", "/v1/kv/t/b", "old");
        const auto mi = get("t/b")["ModifyIndex"].get<std::uint64_t>();
        const Reply r = txn(json::array({ kv("set", "t/c", { { "Value", "bmV3" } }),
            kv("cas", "locks/deploy/.lock", { { "Index", 44 }, { "Value", "eA==" } }), kv("delete", "t/b") }));
        QCOMPARE(r.status, 409);
        const json body = r.json();
        QVERIFY(body["Results"].is_null());
        QCOMPARE(body["Errors"].size(), std::size_t(1));
        QCOMPARE(body["Errors"][0]["OpIndex"].get<int>(), 1);
        QCOMPARE(body["Errors"][0]["What"].get<std::string>(),
            std::string("failed to set key \"locks/deploy/.lock\", index is stale"));
        QVERIFY(get("t/c").is_null()); // the set before the failure was rolled back
        QCOMPARE(get("t/b")["ModifyIndex"].get<std::uint64_t>(), mi); // the delete after it never happened
    }

    void semaphoreStyleCasPlusDelete()
    {
        sim.request(
            "PUT", "n1", "/v1/kv/sem/.lock?cas=0&flags=16210313421097356768", "{\"Limit\":2,\"Holders\":{\"x\":true}}");
        sim.request("PUT", "n1", "/v1/kv/sem/x", "");
        const json lock = get("sem/.lock");
        const Reply r = txn(json::array({ kv("cas", "sem/.lock",
                                              { { "Index", lock["ModifyIndex"] }, { "Flags", 16210313421097356768ull },
                                                  { "Value", "eyJMaW1pdCI6MiwiSG9sZGVycyI6e319" } }),
            kv("delete", "sem/x") }));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()["Results"].size(), std::size_t(1)); // deletes add no result
        QVERIFY(get("sem/x").is_null());
        const json after = get("sem/.lock");
        QCOMPARE(after["Flags"].get<std::uint64_t>(), std::uint64_t(16210313421097356768ull));
        QVERIFY(after["ModifyIndex"].get<std::uint64_t>() > lock["ModifyIndex"].get<std::uint64_t>());
    }

    void lockUnlockCheckVerbs()
    {
        const QString s = session({ { "LockDelay", "1s" } });
        Reply r = txn(json::array({ kv("lock", "t/lock", { { "Session", s.toStdString() } }),
            kv("check-session", "t/lock", { { "Session", s.toStdString() } }) }));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()["Results"][0]["KV"]["LockIndex"].get<int>(), 1);
        const auto mi = get("t/lock")["ModifyIndex"].get<std::uint64_t>();
        r = txn(json::array({ kv("check-index", "t/lock", { { "Index", mi } }), kv("check-not-exists", "t/none") }));
        QCOMPARE(r.status, 200);
        r = txn(json::array({ kv("check-index", "t/lock", { { "Index", mi + 1 } }) }));
        QCOMPARE(r.status, 409);
        QCOMPARE(r.json()["Errors"][0]["What"].get<std::string>(),
            "failed index check for key \"t/lock\", current modify index " + std::to_string(mi)
                + " != " + std::to_string(mi + 1));
        r = txn(json::array({ kv("unlock", "t/lock", { { "Session", "00000000-0000-0000-0000-000000000000" } }) }));
        QCOMPARE(r.json()["Errors"][0]["What"].get<std::string>(),
            std::string("failed to unlock key \"t/lock\", lock isn't held, or is held by another session"));
        const QString other = session();
        r = txn(json::array({ kv("lock", "t/lock", { { "Session", other.toStdString() } }) }));
        QCOMPARE(r.json()["Errors"][0]["What"].get<std::string>(),
            std::string("failed to lock key \"t/lock\", lock is already held"));
        // Invalidate the holder: the key gets a lock-delay and a txn lock reports it.
        QVERIFY(sim.invalidateSession(s));
        r = txn(json::array({ kv("lock", "t/lock", { { "Session", other.toStdString() } }) }));
        QCOMPARE(r.status, 409);
        QCOMPARE(r.json()["Errors"][0]["What"].get<std::string>(),
            std::string("failed to lock key \"t/lock\" due to lock delay"));
        QThread::msleep(1100);
        QCOMPARE(txn(json::array({ kv("lock", "t/lock", { { "Session", other.toStdString() } }) })).status, 200);
        r = txn(json::array({ kv("get", "t/missing") }));
        QCOMPARE(r.json()["Errors"][0]["What"].get<std::string>(), std::string("key \"t/missing\" doesn't exist"));
        r = txn(json::array({ kv("frobnicate", "t/x") }));
        QCOMPARE(r.json()["Errors"][0]["What"].get<std::string>(), std::string("unknown KV verb \"frobnicate\""));
    }

    void readOnlyTxn()
    {
        sim.request("PUT", "n1", "/v1/kv/ro/1", "a");
        sim.request("PUT", "n1", "/v1/kv/ro/2", "b");
        const Reply r = txn(json::array({ kv("get-tree", "ro/") }));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()["Results"].size(), std::size_t(2));
        QCOMPARE(r.header("X-Consul-Knownleader"), QByteArray("true"));
        QVERIFY(r.header("X-Consul-Index").isEmpty());
    }

    void deleteTreeAndDeleteCas()
    {
        sim.request("PUT", "n1", "/v1/kv/dt/a", "1");
        sim.request("PUT", "n1", "/v1/kv/dt/b", "1");
        const auto mi = get("dt/a")["ModifyIndex"].get<std::uint64_t>();
        Reply r = txn(json::array({ kv("delete-cas", "dt/a", { { "Index", mi + 5 } }) }));
        QCOMPARE(r.json()["Errors"][0]["What"].get<std::string>(),
            std::string("failed to delete key \"dt/a\", index is stale"));
        r = txn(json::array({ kv("delete-cas", "dt/a", { { "Index", mi } }), kv("delete-tree", "dt/") }));
        QCOMPARE(r.status, 200);
        QCOMPARE(sim.request("GET", "n1", "/v1/kv/dt/?recurse").status, 404);
    }

    void limitsAndParseErrors()
    {
        json ops = json::array();
        for (int i = 0; i < 129; ++i)
            ops.push_back(kv("get", "x"));
        Reply r = txn(ops);
        QCOMPARE(r.status, 413);
        QCOMPARE(r.body, QByteArray("Transaction contains too many operations (129 > 128)"));
        ops.erase(ops.begin());
        QCOMPARE(txn(ops).status, 409); // 128 is fine (each get of a missing key fails)
        r = txnRaw("[{\"KV\":{\"Verb\":\"set\",\"Key\":\"x\",\"Value\":\"***\"}}]");
        QCOMPARE(r.status, 400);
        QVERIFY(r.body.startsWith("Failed to parse body: "));
        r = txnRaw("{nope");
        QCOMPARE(r.status, 400);
        QVERIFY(r.body.startsWith("Failed to parse body: "));
        r = txnRaw("[{\"KV\":{\"Verb\":\"set\",\"Key\":\"x\",\"Flags\":-1}}]");
        QCOMPARE(r.status, 400);
        const QByteArray big = QByteArray(600 * 1024, 'a');
        r = txnRaw(big);
        QCOMPARE(r.status, 413);
        QVERIFY(r.body.startsWith("Request body(614400 bytes) too large, max size: 524288 bytes."));
        QCOMPARE(sim.request("GET", "n1", "/v1/txn").status, 405);
        // Lower-case field names work, as with Go's decoder.
        r = txnRaw("[{\"kv\":{\"verb\":\"set\",\"key\":\"lc\",\"value\":\"eA==\"}}]");
        QCOMPARE(r.status, 200);
        QCOMPARE(get("lc")["Value"].get<std::string>(), std::string("eA=="));
    }
};

QTEST_GUILESS_MAIN(TstSimTxn)
#include "tst_simtxn.moc"
