// ACLs in consul-sim: token sources, Consul's 403 texts (compared with the samples), filtering of lists,
// prefix writes, and the per-endpoint permissions (consul-api.md §8).
#include "support/consulsimfixture.h"
#include "support/testpaths.h"

#include <set>

#include <QFile>
#include <QTest>

using Baton::Test::ConsulSimFixture;
using json = nlohmann::json;
using Reply = ConsulSimFixture::Reply;
using Headers = QList<QPair<QByteArray, QByteArray>>;

namespace {

QByteArray sample(const QString &name)
{
    QFile f(Baton::TestPaths::testDataDir() + "/consul-samples/" + name);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

const Headers kGate { { "X-Consul-Token", "gate-secret" } };
const Headers kRoot { { "X-Consul-Token", "root-secret" } };

} // namespace

class TstSimAcl : public QObject
{
    Q_OBJECT

private:
    ConsulSimFixture sim;
    Reply req(const QByteArray &method, const QString &path, const Headers &h = {}, const QByteArray &body = {})
    {
        return sim.request(method, "n1", path, body, h);
    }

private Q_SLOTS:
    void initTestCase()
    {
        const json web = ConsulSimFixture::service("web", "web", 80);
        const json config = { { "nodes", json::array({ ConsulSimFixture::node("n1", json::array({ web })) }) },
            { "acl",
                { { "enabled", true }, { "default_policy", "deny" },
                    { "anonymous_policy", { { "key_prefix", { { "public/", "read" } } } } },
                    { "tokens",
                        { { { "secret_id", "root-secret" }, { "management", true } },
                            { { "accessor_id", "e5a4f1a2-0d5c-4a5f-9a5e-1f2b3c4d5e6f" }, { "secret_id", "gate-secret" },
                                { "policy",
                                    { { "key_prefix", { { "baton/", "write" }, { "locks/", "read" } } },
                                        { "key", { { "baton/frozen", "read" } } },
                                        { "session_prefix", { { "", "write" } } },
                                        { "node_prefix", { { "", "read" } } },
                                        { "service_prefix", { { "web", { { "policy", "read" } } } } } } } } } } } } };
        QVERIFY2(sim.start(config), qPrintable(sim.errorString()));
        QCOMPARE(req("PUT", "/v1/kv/public/info", kRoot, "hi").body, QByteArray("true"));
        QCOMPARE(req("PUT", "/v1/kv/baton/services/web/max_offline", kRoot, "1").body, QByteArray("true"));
        QCOMPARE(req("PUT", "/v1/kv/baton/frozen", kRoot, "x").body, QByteArray("true"));
        QCOMPARE(req("PUT", "/v1/kv/locks/deploy/.lock", kRoot, "x").body, QByteArray("true"));
        QCOMPARE(req("PUT", "/v1/kv/secret/thing", kRoot, "x").body, QByteArray("true"));
    }

    void textsMatchTheSamples()
    {
        Reply r = req("GET", "/v1/kv/foo");
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, sample("error-403-anonymous.txt"));
        QCOMPARE(r.header("Content-Type"), QByteArray("text/plain; charset=utf-8"));
        r = req("PUT", "/v1/kv/locks/deploy/.lock", kGate, "x");
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, sample("error-403-token.txt"));
        r = req("GET", "/v1/kv/public/info", { { "X-Consul-Token", "no-such-token" } });
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, sample("error-403-unknown-token.txt"));
        QCOMPARE(r.header("X-Consul-Default-Acl-Policy"), QByteArray("deny"));
        // The token is resolved where Consul resolves it, at the RPC: local validation answers first.
        QCOMPARE(req("GET", "/v1/kv/", { { "X-Consul-Token", "no-such-token" } }).body, QByteArray("Missing key name"));
        QCOMPARE(req("GET", "/v1/kv/x?index=zz", { { "X-Consul-Token", "no-such-token" } }).body,
            QByteArray("Invalid index"));
    }

    void tokenSources()
    {
        QCOMPARE(req("GET", "/v1/kv/baton/frozen?token=gate-secret").status, 200);
        QCOMPARE(req("GET", "/v1/kv/baton/frozen", { { "Authorization", "Bearer gate-secret" } }).status, 200);
        QCOMPARE(req("GET", "/v1/kv/baton/frozen", { { "Authorization", "bearer gate-secret" } }).status, 200);
        QCOMPARE(req("GET", "/v1/kv/baton/frozen", kGate).status, 200);
        // ?token wins over the header.
        QCOMPARE(req("GET", "/v1/kv/baton/frozen?token=nope", kGate).body, QByteArray("ACL not found"));
        QCOMPARE(req("GET", "/v1/kv/public/info").status, 200); // the anonymous policy
    }

    void listsAreFilteredSilently()
    {
        Reply r = req("GET", "/v1/kv/?recurse", kGate);
        QCOMPARE(r.status, 200);
        std::set<std::string> keys;
        for (const json &e : r.json())
            keys.insert(e["Key"].get<std::string>());
        QCOMPARE(
            keys, (std::set<std::string> { "baton/frozen", "baton/services/web/max_offline", "locks/deploy/.lock" }));
        QCOMPARE(r.header("X-Consul-Results-Filtered-By-Acls"), QByteArray("true"));
        r = req("GET", "/v1/kv/secret/?recurse"); // everything filtered: 404, and no header without a token
        QCOMPARE(r.status, 404);
        QVERIFY(r.header("X-Consul-Results-Filtered-By-Acls").isEmpty());
        r = req("GET", "/v1/kv/?keys");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("[\"public/info\"]"));
        QCOMPARE(req("GET", "/v1/catalog/services").body, QByteArray("{}"));
        QCOMPARE(req("GET", "/v1/catalog/service/web").body, QByteArray("[]"));
        QCOMPARE(req("GET", "/v1/health/service/web").body, QByteArray("[]"));
        QCOMPARE(req("GET", "/v1/catalog/service/web", kGate).json().size(), std::size_t(1));
        const json services = req("GET", "/v1/catalog/services", kGate).json();
        QVERIFY(services.contains("web"));
        QVERIFY(!services.contains("consul")); // service:read only on web*
    }

    void writesNeedWrite()
    {
        QCOMPARE(req("PUT", "/v1/kv/baton/new", kGate, "1").body, QByteArray("true"));
        Reply r = req("PUT", "/v1/kv/baton/frozen", kGate, "2");
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body,
            QByteArray("Permission denied: token with AccessorID 'e5a4f1a2-0d5c-4a5f-9a5e-1f2b3c4d5e6f' "
                       "lacks permission 'key:write' on \"baton/frozen\""));
        // A recursive delete needs write on everything under the prefix.
        r = req("DELETE", "/v1/kv/baton/?recurse", kGate);
        QCOMPARE(r.status, 403);
        QCOMPARE(req("DELETE", "/v1/kv/baton/services/?recurse", kGate).body, QByteArray("true"));
        QCOMPARE(req("DELETE", "/v1/kv/public/info").status, 403);
    }

    void sessionsAgentAndTxn()
    {
        Reply r = req("PUT", "/v1/session/create", {}, "{}");
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body,
            QByteArray("Permission denied: anonymous token lacks permission 'session:write' on \"n1\". The "
                       "anonymous token is used implicitly when a request does not specify a token."));
        r = req("PUT", "/v1/session/create", kGate, "{}");
        QCOMPARE(r.status, 200);
        r = req("GET", "/v1/agent/self", kGate);
        QCOMPARE(r.status, 403);
        QVERIFY(r.body.endsWith("lacks permission 'agent:read' on \"n1\""));
        QCOMPARE(req("GET", "/v1/agent/self", kRoot).status, 200);
        r = req("PUT", "/v1/agent/maintenance?enable=true", kGate);
        QCOMPARE(r.status, 403);
        QVERIFY(r.body.endsWith("lacks permission 'node:write' on \"n1\""));
        r = req("PUT", "/v1/txn", kGate,
            "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"baton/"
            "t\",\"Value\":\"eA==\"}},{\"KV\":{\"Verb\":\"set\",\"Key\":\"secret/x\",\"Value\":\"eA==\"}}]");
        QCOMPARE(r.status, 409);
        QCOMPARE(r.json()["Errors"][0]["OpIndex"].get<int>(), 1);
        QVERIFY(r.json()["Errors"][0]["What"].get<std::string>().find("lacks permission 'key:write' on \"secret/x\"")
            != std::string::npos);
        QCOMPARE(req("GET", "/v1/kv/baton/t", kGate).status, 404);
    }
};

QTEST_GUILESS_MAIN(TstSimAcl)
#include "tst_simacl.moc"
