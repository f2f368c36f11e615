// Every body in tests/data/consul-samples/ compared field by field and type by type with what consul-sim
// answers for the same request.
//
// The samples are mostly Consul's API docs examples (see the README there), so they are not all a real CE
// answer. The comparison therefore allows, and explains, exactly these differences:
//
// Fields a sample has that consul-sim (as CE) leaves out:
//   - Namespace, Partition: Enterprise-only; CE omits them (samples README, consul-api.md §0, §10.13).
//   - "ID" on a check (health-node.json): an old docs field; CE's structs.HealthCheck has no ID.
// Fields consul-sim sends that a docs sample lacks (the README: "real responses carry more fields"):
//   - CreateIndex, ModifyIndex on nodes, services, checks and sessions (RaftIndex, embedded in each struct).
//   - Type, Interval, Timeout, ExposedPort, Definition on checks (structs.HealthCheck).
//   - Address, Weights, EnableTagOverride, Proxy, Connect, PeerName on a NodeService (structs.NodeService; all
//     present in health-service-ce-full-shape.json, the synthesized CE shape).
//   - ServiceKind, ServiceWeights, ServiceSocketPath, ServiceLocality on a ServiceNode (structs.ServiceNode; the
//     first two are in catalog-service-filtered.json, the newer CE docs sample).
//   - Height in Coord (serf's coordinate.Coordinate has Vec, Error, Adjustment, Height).
// Type differences:
//   - Tags null (catalog-node.json) vs []: current Consul replaces a nil Tags with [] (consul-api.md §2).
//   - TaggedAddresses null (catalog-service-filtered.json, a node registered without them) vs an object: Go
//     renders a nil map as null; an agent-registered node always has lan/wan addresses.
//   - ServiceTaggedAddresses: omitempty; catalog-service-filtered.json's service has none, ours has some
//     (catalog-service.json shows the field).
// Compared by type only: maps whose keys are data (Meta, NodeMeta, ServiceMeta, node TaggedAddresses,
// DebugConfig, Stats, Member.Tags, the top-level maps of /catalog/services, /agent/services, /agent/checks,
// each sample entry compared with ours), and structs whose fields became omitempty since the docs sample was
// written (Tags, ServiceTags, Proxy/ServiceProxy, Connect/ServiceConnect, Definition).
// health-service-ce-full-shape.json is the real CE field set and is compared strictly: no field missing, no
// field extra, and the maintenance checks' names, statuses and notes exactly.
#include "support/consulsimfixture.h"
#include "support/testpaths.h"

#include <set>

#include <QDir>
#include <QFile>
#include <QTest>

using Baton::Test::ConsulSimFixture;
using json = nlohmann::json;
using Reply = ConsulSimFixture::Reply;

namespace {

QByteArray sampleBytes(const QString &name)
{
    QFile f(Baton::TestPaths::testDataDir() + "/consul-samples/" + name);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

json sample(const QString &name)
{
    return json::parse(sampleBytes(name).toStdString(), nullptr, false);
}

std::string typeOf(const json &v)
{
    if (v.is_null())
        return "null";
    if (v.is_boolean())
        return "bool";
    if (v.is_number())
        return "number";
    if (v.is_string())
        return "string";
    if (v.is_array())
        return "array";
    return "object";
}

const std::set<std::string> kEnterpriseOnly { "Namespace", "Partition" };
const std::set<std::string> kExtraAllowed { "CreateIndex", "ModifyIndex", "Type", "Interval", "Timeout", "ExposedPort",
    "Definition", "Address", "Weights", "EnableTagOverride", "Proxy", "Connect", "PeerName", "ServiceKind",
    "ServiceWeights", "ServiceSocketPath", "ServiceLocality", "Height", "ServiceTaggedAddresses" };
// Maps whose keys are data: always compared by type only.
const std::set<std::string> kDataMaps { "Meta", "NodeMeta", "ServiceMeta", "DebugConfig", "Stats" };
// Structs whose docs-sample fields have since become omitempty: by type only, except in strict mode.
const std::set<std::string> kTypeOnly { "Tags", "ServiceTags", "Proxy", "ServiceProxy", "Connect", "ServiceConnect",
    "Definition" };

struct Comparison
{
    bool strict = false; // no allowances: the sample is the real CE shape
    bool topLevelKeysAreData = false; // the answer is a map keyed by names (services, checks)
    std::vector<std::string> diffs;

    // A map keyed by data (service names, check IDs): each sample value is compared with the answer's value
    // of the same key, or with any value when the key is not in the answer.
    void compareDataMap(const json &want, const json &got, const std::string &path)
    {
        if (!want.is_object() || !got.is_object()) {
            diffs.push_back(path + ": sample has " + typeOf(want) + ", consul-sim sent " + typeOf(got));
            return;
        }
        if (got.empty()) {
            diffs.push_back(path + ": consul-sim sent an empty map");
            return;
        }
        for (auto it = want.begin(); it != want.end(); ++it) {
            const json &match = got.contains(it.key()) ? got.at(it.key()) : got.begin().value();
            compare(it.value(), match, path + "." + it.key());
        }
    }

    void compare(const json &want, const json &got, const std::string &path, const std::string &key = {})
    {
        const std::string wt = typeOf(want);
        const std::string gt = typeOf(got);
        if (wt != gt) {
            const bool nullToEmpty = !strict && wt == "null"
                && ((key == "Tags" && gt == "array") || (key == "TaggedAddresses" && gt == "object"));
            if (!nullToEmpty)
                diffs.push_back(path + ": sample has " + wt + ", consul-sim sent " + gt);
            return;
        }
        if (kDataMaps.count(key) || (!strict && kTypeOnly.count(key)))
            return;
        if (want.is_object()) {
            const bool userMap = key == "TaggedAddresses" && !want.empty() && want.begin()->is_string();
            if (userMap)
                return; // node tagged addresses: a map of strings whose keys depend on the agent
            const bool isCheck = want.contains("CheckID");
            for (auto it = want.begin(); it != want.end(); ++it) {
                if (!got.contains(it.key())) {
                    const bool allowed = !strict && (kEnterpriseOnly.count(it.key()) || (isCheck && it.key() == "ID"));
                    if (!allowed)
                        diffs.push_back(path + "." + it.key() + ": missing from consul-sim's answer");
                    continue;
                }
                compare(it.value(), got.at(it.key()), path + "." + it.key(), it.key());
            }
            for (auto it = got.begin(); it != got.end(); ++it) {
                if (!want.contains(it.key()) && (strict || !kExtraAllowed.count(it.key())))
                    diffs.push_back(path + "." + it.key() + ": sent by consul-sim but not in the sample");
            }
            return;
        }
        if (want.is_array()) {
            if (want.empty() || got.empty()) {
                if (want.empty() != got.empty() && strict)
                    diffs.push_back(path + ": one side is empty");
                return;
            }
            for (std::size_t i = 0; i < want.size(); ++i) {
                const json &w = want[i];
                const json *match = nullptr;
                if (w.is_object() && w.contains("CheckID")) {
                    for (const json &g : got) {
                        if (g.value("CheckID", "") == w["CheckID"])
                            match = &g;
                    }
                }
                if (!match && !(strict && w.is_object() && w.contains("CheckID")))
                    match = &got[std::min(i, got.size() - 1)];
                if (!match) {
                    diffs.push_back(
                        path + "[" + std::to_string(i) + "]: no element with CheckID " + w["CheckID"].dump());
                    continue;
                }
                compare(w, *match, path + "[" + std::to_string(i) + "]", key);
            }
        }
    }

    std::string report() const
    {
        std::string out;
        for (const std::string &d : diffs)
            out += "\n  " + d;
        return out;
    }
};

} // namespace

class TstSimSamples : public QObject
{
    Q_OBJECT

private:
    ConsulSimFixture sim;
    QString sessionId;

    Reply get(const QString &path) { return sim.request("GET", "foobar", path); }

    void check(const QString &sampleName, const json &got, bool strict = false, bool keysAreData = false)
    {
        const json want = sample(sampleName);
        QVERIFY2(!want.is_discarded(), qPrintable("cannot read sample " + sampleName));
        Comparison c;
        c.strict = strict;
        if (keysAreData)
            c.compareDataMap(want, got, sampleName.toStdString());
        else
            c.compare(want, got, sampleName.toStdString());
        QVERIFY2(c.diffs.empty(), c.report().c_str());
    }

private Q_SLOTS:
    void initTestCase()
    {
        json redis = ConsulSimFixture::service("redis", "redis", 8000, { "primary" },
            json::array({ { { "id", "service:redis" }, { "ttl", "1h" }, { "status", "passing" } } }));
        redis["meta"] = { { "redis_version", "4.0" } };
        redis["weights"] = { { "passing", 10 }, { "warning", 1 } };
        redis["tagged_addresses"] = { { "lan", { { "address", "127.0.0.1" }, { "port", 8000 } } },
            { "wan", { { "address", "198.51.100.53" }, { "port", 80 } } } };
        json foobar = ConsulSimFixture::node(
            "foobar", json::array({ redis }), json::object({ { "instance_type", "t2.medium" } }));
        foobar["checks"] = { { { "id", "a" }, { "status", "passing" } }, { { "id", "b" }, { "status", "passing" } },
            { { "id", "c" }, { "status", "passing" } } };
        json gate = ConsulSimFixture::service("gate-1", "gate", 9000, {},
            json::array({ { { "id", "service:gate-1" }, { "ttl", "1h" }, { "status", "passing" },
                { "output", "TTL passed" } } }));
        gate["maintenance"] = "draining for upgrade";
        json nodeA = ConsulSimFixture::node("node-a", json::array({ gate }));
        nodeA["maintenance"] = "";
        const json config = { { "nodes", { foobar, nodeA } }, { "timing", ConsulSimFixture::fastTiming() } };
        QVERIFY2(sim.start(config), qPrintable(sim.errorString()));

        const Reply s
            = sim.request("PUT", "foobar", "/v1/session/create", "{\"Name\":\"test-session\",\"TTL\":\"30s\"}");
        QCOMPARE(s.status, 200);
        sessionId = QString::fromStdString(s.json()["ID"].get<std::string>());
    }

    void catalog()
    {
        check("catalog-services.json", get("/v1/catalog/services").json(), false, true);
        check("catalog-nodes.json", get("/v1/catalog/nodes").json());
        check("catalog-service.json", get("/v1/catalog/service/redis").json());
        const Reply filtered = get(
            "/v1/catalog/service/redis?filter=" + QUrl::toPercentEncoding("NodeMeta.instance_type == \"t2.medium\""));
        QCOMPARE(filtered.json().size(), std::size_t(1));
        check("catalog-service-filtered.json", filtered.json());
        check("catalog-node.json", get("/v1/catalog/node/foobar").json());
    }

    void health()
    {
        check("health-service.json", get("/v1/health/service/redis").json());
        check("health-node.json", get("/v1/health/node/foobar").json());
        const Reply filtered = get("/v1/health/node/foobar?filter=" + QUrl::toPercentEncoding("ServiceName != \"\""));
        QCOMPARE(filtered.json().size(), std::size_t(1));
        check("health-node-filtered.json", filtered.json());
        check("health-checks.json", get("/v1/health/checks/redis").json());
        check("health-state.json", get("/v1/health/state/passing").json());
    }

    void healthFullShapeIsExact()
    {
        const json got = get("/v1/health/service/gate").json();
        check("health-service-ce-full-shape.json", got, true);
        // Values that are Consul's own, not data: maintenance checks and serfHealth.
        const json want = sample("health-service-ce-full-shape.json");
        for (const json &w : want[0]["Checks"]) {
            for (const json &g : got[0]["Checks"]) {
                if (g["CheckID"] != w["CheckID"])
                    continue;
                QCOMPARE(g["Name"].get<std::string>(), w["Name"].get<std::string>());
                QCOMPARE(g["Status"].get<std::string>(), w["Status"].get<std::string>());
                QCOMPARE(g["Notes"].get<std::string>(), w["Notes"].get<std::string>());
                QCOMPARE(g["Output"].get<std::string>(), w["Output"].get<std::string>());
                QCOMPARE(g["Type"].get<std::string>(), w["Type"].get<std::string>());
                QCOMPARE(g["ServiceID"].get<std::string>(), w["ServiceID"].get<std::string>());
            }
        }
        QCOMPARE(got[0]["Checks"].size(), want[0]["Checks"].size());
    }

    void agent()
    {
        check("agent-self.json", get("/v1/agent/self").json());
        check("agent-services.json", get("/v1/agent/services").json(), false, true);
        check("agent-checks.json",
            get("/v1/agent/checks?filter=" + QUrl::toPercentEncoding("CheckID == \"service:redis\"")).json(), false,
            true);
    }

    void kv()
    {
        QCOMPARE(sim.request("PUT", "foobar", "/v1/kv/zip?acquire=" + sessionId, "test").body + "\n",
            sampleBytes("kv-put.json"));
        check("kv-get.json", get("/v1/kv/zip").json());
        for (const char *k : { "web/bar", "web/foo", "web/subdir/x" })
            sim.request("PUT", "foobar", QString("/v1/kv/") + k, "1");
        const json keys = get("/v1/kv/web/?keys&separator=/").json();
        check("kv-keys.json", keys);
        QCOMPARE(keys.size(), sample("kv-keys.json").size());
        QCOMPARE(sim.request("DELETE", "foobar", "/v1/kv/web/bar").body + "\n", sampleBytes("kv-delete.json"));
    }

    void semaphoreListingAndValue()
    {
        const QString other
            = QString::fromStdString(sim.request("PUT", "foobar", "/v1/session/create", "{\"Behavior\":\"delete\"}")
                                         .json()["ID"]
                                         .get<std::string>());
        const QByteArray lockValue = sampleBytes("semaphore-lock-value.json").trimmed();
        QCOMPARE(sim.request("PUT", "foobar",
                        "/v1/kv/locks/deploy/" + sessionId + "?acquire=" + sessionId + "&flags=16210313421097356768")
                     .body,
            QByteArray("true"));
        QCOMPARE(sim.request("PUT", "foobar",
                        "/v1/kv/locks/deploy/" + other + "?acquire=" + other + "&flags=16210313421097356768")
                     .body,
            QByteArray("true"));
        QCOMPARE(
            sim.request("PUT", "foobar", "/v1/kv/locks/deploy/.lock?cas=0&flags=16210313421097356768", lockValue).body,
            QByteArray("true"));
        const json listing = get("/v1/kv/locks/deploy?recurse").json();
        check("kv-get-recurse-semaphore.json", listing);
        QCOMPARE(listing.size(), std::size_t(3));
        QCOMPARE(listing[0]["Key"].get<std::string>(), std::string("locks/deploy/.lock"));
        QVERIFY(!listing[0].contains("Session"));
        QCOMPARE(listing[0]["Flags"].get<std::uint64_t>(), std::uint64_t(16210313421097356768ull));
        QVERIFY(listing[1]["Value"].is_null());
        // The holder set round-trips byte for byte.
        QCOMPARE(QByteArray::fromBase64(QByteArray::fromStdString(listing[0]["Value"].get<std::string>())), lockValue);
        QCOMPARE(get("/v1/kv/locks/deploy/.lock?raw").body, lockValue);
    }

    void sessions()
    {
        check("session-create.json", sim.request("PUT", "foobar", "/v1/session/create", {}).json());
        check("session-info.json", get("/v1/session/info/" + sessionId).json());
        check("session-list.json", get("/v1/session/list").json());
        check("session-renew.json", sim.request("PUT", "foobar", "/v1/session/renew/" + sessionId).json());
        QCOMPARE(get("/v1/session/info/adf4238a-882b-9ddc-4a9d-5b6758e4159e").body,
            QByteArray::fromStdString(sample("session-info-missing.json").dump()));
        // The documented create request body is accepted as is (its checks exist on foobar).
        const Reply created
            = sim.request("PUT", "foobar", "/v1/session/create", sampleBytes("session-create-request.json"));
        QCOMPARE(created.status, 200);
        const json info
            = get("/v1/session/info/" + QString::fromStdString(created.json()["ID"].get<std::string>())).json()[0];
        QCOMPARE(info["Name"].get<std::string>(), std::string("my-service-lock"));
        QCOMPARE(info["TTL"].get<std::string>(), std::string("30s"));
        QCOMPARE(info["LockDelay"].get<std::int64_t>(), std::int64_t(15000000000));
        QCOMPARE(info["NodeChecks"].dump(), std::string("[\"a\",\"b\",\"c\"]"));
    }

    void txn()
    {
        QCOMPARE(sim.request("PUT", "foobar", "/v1/kv/config/app", "test").body, QByteArray("true"));
        QCOMPARE(sim.request("PUT", "foobar", "/v1/kv/locks/deploy/.lock?flags=16210313421097356768", "x").body,
            QByteArray("true"));
        json request = sample("txn-request.json");
        QVERIFY(!request.is_discarded());
        // The sample's index 44 is stale here: the answer must be the 409 sample exactly.
        const Reply conflict = sim.request("PUT", "foobar", "/v1/txn", QByteArray::fromStdString(request.dump()));
        QCOMPARE(conflict.status, 409);
        QCOMPARE(conflict.json().dump(), sample("txn-response-409.json").dump());
        request[0]["KV"]["Index"] = get("/v1/kv/locks/deploy/.lock").json()[0]["ModifyIndex"];
        const Reply ok = sim.request("PUT", "foobar", "/v1/txn", QByteArray::fromStdString(request.dump()));
        QCOMPARE(ok.status, 200);
        check("txn-response-ok.json", ok.json());
        QVERIFY(ok.json()["Results"][0]["KV"]["Value"].is_null());
        QCOMPARE(ok.json()["Results"][1]["KV"]["Value"].get<std::string>(), std::string("dGVzdA=="));
    }

    void aclErrorTexts()
    {
        ConsulSimFixture acl;
        const json config = { { "nodes", json::array({ ConsulSimFixture::node("n1") }) },
            { "acl",
                { { "default_policy", "deny" },
                    { "tokens",
                        json::array({ { { "accessor_id", "e5a4f1a2-0d5c-4a5f-9a5e-1f2b3c4d5e6f" }, { "secret_id", "t" },
                            { "policy", { { "key_prefix", { { "locks/", "read" } } } } } } }) } } } };
        QVERIFY2(acl.start(config), qPrintable(acl.errorString()));
        QCOMPARE(acl.request("GET", "n1", "/v1/kv/foo").body, sampleBytes("error-403-anonymous.txt"));
        QCOMPARE(acl.request("PUT", "n1", "/v1/kv/locks/deploy/.lock", "x", { { "X-Consul-Token", "t" } }).body,
            sampleBytes("error-403-token.txt"));
        QCOMPARE(acl.request("GET", "n1", "/v1/kv/foo", {}, { { "X-Consul-Token", "nope" } }).body,
            sampleBytes("error-403-unknown-token.txt"));
    }

    void everySampleIsCovered()
    {
        // A new sample file must get a comparison here.
        const QStringList covered { "README.md", "agent-checks.json", "agent-self.json", "agent-services.json",
            "catalog-node.json", "catalog-nodes.json", "catalog-service-filtered.json", "catalog-service.json",
            "catalog-services.json", "error-403-anonymous.txt", "error-403-token.txt", "error-403-unknown-token.txt",
            "health-checks.json", "health-node-filtered.json", "health-node.json", "health-service-ce-full-shape.json",
            "health-service.json", "health-state.json", "kv-delete.json", "kv-get-recurse-semaphore.json",
            "kv-get.json", "kv-keys.json", "kv-put.json", "semaphore-lock-value.json", "session-create-request.json",
            "session-create.json", "session-info-missing.json", "session-info.json", "session-list.json",
            "session-renew.json", "txn-request.json", "txn-response-409.json", "txn-response-ok.json" };
        const QStringList present = QDir(Baton::TestPaths::testDataDir() + "/consul-samples").entryList(QDir::Files);
        for (const QString &f : present)
            QVERIFY2(covered.contains(f), qPrintable("sample without a comparison: " + f));
    }
};

QTEST_GUILESS_MAIN(TstSimSamples)
#include "tst_simsamples.moc"
