// The Consul decoders against every recorded body in tests/data/consul-samples/, field by field.
#include "core/consul/consuldecode.h"
#include "core/consul/consuldigest.h"
#include "core/consul/consulencode.h"
#include "support/testpaths.h"

#include <QDir>
#include <QFile>
#include <QTest>

using namespace Baton;
using nlohmann::json;

namespace {

QByteArray sample(const QString &name)
{
    QFile f(TestPaths::testDataDir() + "/consul-samples/" + name);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read sample %s", qPrintable(name));
    return f.readAll();
}

json parsed(const QString &name)
{
    auto r = ConsulDecode::parse(sample(name));
    if (!r)
        qFatal("sample %s does not parse: %s", qPrintable(name), qPrintable(r.error().toString()));
    return *r;
}

template<typename T> T ok(Result<T> r)
{
    if (!r)
        qFatal("decode failed: %s", qPrintable(r.error().toString()));
    return std::move(*r);
}

} // namespace

class tst_ConsulDecode : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everySampleHasADecoder()
    {
        // A sample added later must be wired into a test here, not silently skipped.
        const QStringList covered = {
            "agent-checks.json",
            "agent-self.json",
            "agent-services.json",
            "catalog-node.json",
            "catalog-nodes.json",
            "catalog-service-filtered.json",
            "catalog-service.json",
            "catalog-services.json",
            "health-checks.json",
            "health-node-filtered.json",
            "health-node.json",
            "health-service-ce-full-shape.json",
            "health-service.json",
            "health-state.json",
            "kv-delete.json",
            "kv-get-recurse-semaphore.json",
            "kv-get.json",
            "kv-keys.json",
            "kv-put.json",
            "semaphore-lock-value.json",
            "session-create-request.json",
            "session-create.json",
            "session-info-missing.json",
            "session-info.json",
            "session-list.json",
            "session-renew.json",
            "txn-request.json",
            "txn-response-409.json",
            "txn-response-ok.json",
        };
        const QStringList present
            = QDir(TestPaths::testDataDir() + "/consul-samples").entryList({ "*.json" }, QDir::Files, QDir::Name);
        QVERIFY(!present.isEmpty());
        for (const QString &name : present)
            QVERIFY2(covered.contains(name), qPrintable("no decoder test for sample " + name));
    }

    void agentChecks()
    {
        const auto checks = ok(ConsulDecode::agentChecks(parsed("agent-checks.json")));
        QCOMPARE(checks.size(), 1);
        const Consul::HealthCheck &c = checks.value("service:redis");
        QCOMPARE(c.node, "foobar");
        QCOMPARE(c.checkId, "service:redis");
        QCOMPARE(c.name, "Service 'redis' check");
        QCOMPARE(c.status, Consul::CheckStatus::Passing);
        QCOMPARE(c.serviceId, "redis");
        QCOMPARE(c.serviceTags, QStringList { "primary" });
        QCOMPARE(c.interval, "10s");
        QCOMPARE(c.timeout, "1s");
        QCOMPARE(c.type, "tcp");
        QVERIFY(!c.isMaintenance());
    }

    void agentSelf()
    {
        const auto self = ok(ConsulDecode::agentSelf(parsed("agent-self.json")));
        QCOMPARE(self.nodeName, "foobar");
        QCOMPARE(self.datacenter, "dc1");
        QCOMPARE(self.nodeId, "9d754d17-d864-b1d3-e758-f3fe25a9874f");
        QCOMPARE(self.version, "1.0.0");
        QCOMPARE(self.revision, "deadbeef");
        QVERIFY(self.server);
        QCOMPARE(self.memberAddress, "10.1.10.12");
        QCOMPARE(self.meta.value("os_version"), "ubuntu_16.04");
    }

    void agentServices()
    {
        const auto services = ok(ConsulDecode::agentServices(parsed("agent-services.json")));
        QCOMPARE(services.keys(), QStringList { "redis" });
        const Consul::Service &s = services.value("redis");
        QCOMPARE(s.name, "redis");
        QCOMPARE(s.port, 8000);
        QVERIFY(s.tags.isEmpty());
        QCOMPARE(s.meta.value("redis_version"), "4.0");
        QCOMPARE(s.taggedAddresses.value("lan").address, "127.0.0.1");
        QCOMPARE(s.taggedAddresses.value("wan").port, 80);
        QCOMPARE(s.weightPassing, 10);
        QCOMPARE(s.weightWarning, 1);
        QCOMPARE(s.datacenter, "dc1");
        QVERIFY(!s.enableTagOverride);
    }

    void catalogNode()
    {
        const auto node = ok(ConsulDecode::catalogNode(parsed("catalog-node.json")));
        QVERIFY(node.has_value());
        QCOMPARE(node->node.name, "t2-node");
        QCOMPARE(node->node.address, "10.1.10.12");
        QCOMPARE(node->node.taggedAddresses.value("wan"), "10.1.10.12");
        QCOMPARE(node->node.meta.value("instance_type"), "t2.medium");
        QCOMPARE(node->services.keys(), (QStringList { "consul", "redis" }));
        QVERIFY(node->services.value("consul").tags.isEmpty()); // "Tags": null
        QCOMPARE(node->services.value("redis").tags, QStringList { "v1" });
        QCOMPARE(node->services.value("redis").taggedAddresses.value("wan").address, "198.18.1.2");
        // An unknown node is 200 null.
        QVERIFY(!ok(ConsulDecode::catalogNode(json(nullptr))).has_value());
    }

    void catalogNodes()
    {
        const auto nodes = ok(ConsulDecode::catalogNodes(parsed("catalog-nodes.json")));
        QCOMPARE(nodes.size(), 2);
        QCOMPARE(nodes[0].name, "baz");
        QCOMPARE(nodes[0].id, "40e4a748-2192-161a-0510-9bf59fe950b5");
        QCOMPARE(nodes[1].name, "t2.320");
        QCOMPARE(nodes[1].datacenter, "dc2");
        QCOMPARE(nodes[1].meta.value("instance_type"), "t2.large");
        QCOMPARE(nodes[1].taggedAddresses.value("lan"), "10.1.10.11");
    }

    void catalogService()
    {
        const auto entries = ok(ConsulDecode::catalogService(parsed("catalog-service.json")));
        QCOMPARE(entries.size(), 1);
        const Consul::CatalogService &e = entries.first();
        QCOMPARE(e.node.name, "t2.320");
        QCOMPARE(e.node.address, "192.168.10.10");
        QCOMPARE(e.node.meta.value("somekey"), "somevalue");
        QCOMPARE(e.service.id, "32a2a47f7992:nodea:5000");
        QCOMPARE(e.service.name, "web");
        QCOMPARE(e.service.address, "172.17.0.3");
        QCOMPARE(e.service.port, 5000);
        QCOMPARE(e.service.tags, QStringList { "prod" });
        QCOMPARE(e.service.meta.value("web_meta_value"), "baz");
        QCOMPARE(e.service.taggedAddresses.value("wan").port, 512);
        QCOMPARE(e.service.createIndex, 51u);
        QCOMPARE(e.service.modifyIndex, 51u);

        const auto filtered = ok(ConsulDecode::catalogService(parsed("catalog-service-filtered.json")));
        QCOMPARE(filtered.size(), 1);
        QVERIFY(filtered.first().node.taggedAddresses.isEmpty()); // "TaggedAddresses": null
        QCOMPARE(filtered.first().node.meta.value("arch"), "arm");
        QCOMPARE(filtered.first().service.tags, (QStringList { "test", "tag" }));
        QCOMPARE(filtered.first().service.port, 9090);
        QCOMPARE(filtered.first().service.createIndex, 29u);
    }

    void catalogServices()
    {
        const auto services = ok(ConsulDecode::catalogServices(parsed("catalog-services.json")));
        QCOMPARE(services.keys(), (QStringList { "consul", "postgresql", "redis" }));
        QVERIFY(services.value("consul").isEmpty());
        QCOMPARE(services.value("postgresql"), (QStringList { "primary", "secondary" }));
    }

    void healthCheckLists_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("count");
        QTest::addColumn<QString>("firstCheck");
        QTest::addColumn<int>("firstStatus");
        QTest::newRow("checks") << "health-checks.json" << 1 << "service:redis" << int(Consul::CheckStatus::Passing);
        QTest::newRow("node") << "health-node.json" << 2 << "serfHealth" << int(Consul::CheckStatus::Passing);
        QTest::newRow("node filtered") << "health-node-filtered.json" << 1 << "svc-web-health"
                                       << int(Consul::CheckStatus::Warning);
        QTest::newRow("state") << "health-state.json" << 2 << "serfHealth" << int(Consul::CheckStatus::Passing);
    }

    void healthCheckLists()
    {
        QFETCH(QString, file);
        QFETCH(int, count);
        QFETCH(QString, firstCheck);
        QFETCH(int, firstStatus);
        const auto checks = ok(ConsulDecode::healthChecks(parsed(file)));
        QCOMPARE(checks.size(), count);
        QCOMPARE(checks.first().checkId, firstCheck);
        QCOMPARE(int(checks.first().status), firstStatus);
        QCOMPARE(checks.first().statusText, Consul::checkStatusToWire(Consul::CheckStatus(firstStatus)));
    }

    void healthService()
    {
        const auto entries = ok(ConsulDecode::healthService(parsed("health-service.json")));
        QCOMPARE(entries.size(), 1);
        const Consul::ServiceHealth &e = entries.first();
        QCOMPARE(e.node.name, "foobar");
        QCOMPARE(e.service.id, "redis");
        QCOMPARE(e.service.address, "10.1.10.12");
        QCOMPARE(e.service.weightPassing, 10);
        QCOMPARE(e.checks.size(), 2);
        QCOMPARE(e.aggregatedStatus(), Consul::CheckStatus::Passing);
        QVERIFY(!e.offlineReason().has_value());
    }

    void healthServiceFullShapeShowsMaintenance()
    {
        const auto entries = ok(ConsulDecode::healthService(parsed("health-service-ce-full-shape.json")));
        QCOMPARE(entries.size(), 1);
        const Consul::ServiceHealth &e = entries.first();
        QCOMPARE(e.node.name, "node-a");
        QCOMPARE(e.node.createIndex, 11u);
        QCOMPARE(e.node.modifyIndex, 13u);
        QCOMPARE(e.node.taggedAddresses.value("lan_ipv4"), "10.1.10.12");
        QCOMPARE(e.service.id, "gate-1");
        QCOMPARE(e.service.name, "gate");
        QCOMPARE(e.service.port, 9000);
        QCOMPARE(e.checks.size(), 4);
        QCOMPARE(e.checks[0].output, "Agent alive and reachable");
        QVERIFY(e.checks[1].isMaintenance());
        QVERIFY(e.checks[1].isNodeLevel());
        QVERIFY(e.checks[2].isMaintenance());
        QCOMPARE(e.checks[2].serviceId, "gate-1");
        QCOMPARE(e.checks[3].type, "ttl");
        QCOMPARE(e.checks[3].modifyIndex, 25u);
        QCOMPARE(e.aggregatedStatus(), Consul::CheckStatus::Critical);
        // The first maintenance check (node level here) names the reason.
        QCOMPARE(e.offlineReason().value(),
            "maintenance: Maintenance mode is enabled for this node, but no reason was provided. This is a "
            "default message.");
    }

    void kvBooleans()
    {
        QCOMPARE(ok(ConsulDecode::boolean(parsed("kv-put.json"))), true);
        QCOMPARE(ok(ConsulDecode::boolean(parsed("kv-delete.json"))), true);
        QCOMPARE(ok(ConsulDecode::boolean(json(false))), false);
        QVERIFY(!ConsulDecode::boolean(json("true")));
    }

    void kvGet()
    {
        const auto entry = ok(ConsulDecode::kvSingle(parsed("kv-get.json")));
        QVERIFY(entry.has_value());
        QCOMPARE(entry->key, "zip");
        QCOMPARE(entry->value, QByteArray("test"));
        QCOMPARE(entry->flags, 0u);
        QCOMPARE(entry->session, "adf4238a-882b-9ddc-4a9d-5b6758e4159e");
        QCOMPARE(entry->lockIndex, 200u);
        QCOMPARE(entry->createIndex, 100u);
        QCOMPARE(entry->modifyIndex, 200u);
        QVERIFY(!ok(ConsulDecode::kvSingle(json(nullptr))).has_value());
    }

    void kvRecurseSemaphoreKeepsExactFlags()
    {
        const auto entries = ok(ConsulDecode::kvEntries(parsed("kv-get-recurse-semaphore.json")));
        QCOMPARE(entries.size(), 3);
        for (const Consul::KvEntry &e : entries)
            QCOMPARE(e.flags, Consul::kSemaphoreFlag); // 16210313421097356768, above 2^63
        QCOMPARE(entries[0].key, "locks/deploy/.lock");
        QVERIFY(entries[0].session.isEmpty());
        QCOMPARE(entries[0].modifyIndex, 44u);
        QCOMPARE(entries[1].session, "4ca8fe4a-fe3f-55ed-6a86-2d029a52cd6c");
        QVERIFY(entries[1].value.isEmpty()); // "Value": null
        QCOMPARE(entries[1].lockIndex, 1u);

        const auto lock = ok(ConsulDecode::semaphoreLock(entries[0].value));
        QCOMPARE(lock.limit, 2);
        QCOMPARE(lock.holders, QStringList { "4ca8fe4a-fe3f-55ed-6a86-2d029a52cd6c" });
    }

    void kvKeys()
    {
        const auto keys = ok(ConsulDecode::kvKeys(parsed("kv-keys.json")));
        QCOMPARE(keys, (QStringList { "/web/bar", "/web/foo", "/web/subdir/" }));
    }

    void semaphoreLockValue()
    {
        const auto lock = ok(ConsulDecode::semaphoreLock(sample("semaphore-lock-value.json")));
        QCOMPARE(lock.limit, 2);
        QCOMPARE(lock.holders, QStringList { "4ca8fe4a-fe3f-55ed-6a86-2d029a52cd6c" });
        const auto empty = ok(ConsulDecode::semaphoreLock(QByteArray()));
        QCOMPARE(empty.limit, 0);
        QVERIFY(empty.holders.isEmpty());
        const auto released = ok(ConsulDecode::semaphoreLock("{\"Limit\":3,\"Holders\":{\"a\":false,\"b\":true}}"));
        QCOMPARE(released.holders, QStringList { "b" });
        QVERIFY(!ConsulDecode::semaphoreLock("{\"Limit\":-1}"));
        QVERIFY(!ConsulDecode::semaphoreLock("{\"Limit\":2,\"Holders\":[\"a\"]}"));
        QVERIFY(!ConsulDecode::semaphoreLock("not json"));
    }

    void sessions_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("info") << "session-info.json";
        QTest::newRow("list") << "session-list.json";
        QTest::newRow("renew") << "session-renew.json";
    }

    void sessions()
    {
        QFETCH(QString, file);
        const auto list = ok(ConsulDecode::sessions(parsed(file)));
        QCOMPARE(list.size(), 1);
        const Consul::Session &s = list.first();
        QCOMPARE(s.id, "adf4238a-882b-9ddc-4a9d-5b6758e4159e");
        QCOMPARE(s.name, "test-session");
        QCOMPARE(s.node, "raja-laptop-02");
        QCOMPARE(s.lockDelayNs, qint64(15000000000));
        QCOMPARE(s.behavior, Consul::SessionBehavior::Release);
        QCOMPARE(s.ttl, "30s");
        QCOMPARE(s.ttlMs, 30000);
        QCOMPARE(s.nodeChecks, QStringList { "serfHealth" });
        QVERIFY(s.serviceChecks.isEmpty());
        QCOMPARE(s.createIndex, 1086449u);
    }

    void sessionMissingAndCreated()
    {
        QVERIFY(!ok(ConsulDecode::sessionSingle(parsed("session-info-missing.json"))).has_value());
        QCOMPARE(
            ok(ConsulDecode::sessionCreated(parsed("session-create.json"))), "adf4238a-882b-9ddc-4a9d-5b6758e4159e");
    }

    void sessionCreateRequestMatchesConsulsShape()
    {
        // Our encoder's body for the sample request's settings, compared field by field. The sample uses the
        // deprecated "Checks"; we send its successor "NodeChecks".
        const json want = parsed("session-create-request.json");
        Consul::SessionSpec spec;
        spec.name = "my-service-lock";
        spec.node = "foobar";
        spec.ttlMs = 30000;
        spec.lockDelayMs = 15000;
        spec.behavior = Consul::SessionBehavior::Release;
        spec.nodeChecks = QStringList { "a", "b", "c" };
        const json got = json::parse(ConsulEncode::sessionCreate(spec).toStdString());
        for (const char *key : { "LockDelay", "Name", "Node", "Behavior", "TTL" })
            QCOMPARE(QString::fromStdString(got.at(key).dump()), QString::fromStdString(want.at(key).dump()));
        QVERIFY(got.at("NodeChecks") == want.at("Checks"));
        // Defaults are left to Consul.
        const json minimal = json::parse(ConsulEncode::sessionCreate(Consul::SessionSpec {}).toStdString());
        QVERIFY(!minimal.contains("TTL"));
        QVERIFY(!minimal.contains("LockDelay"));
        QVERIFY(!minimal.contains("NodeChecks"));
        Consul::SessionSpec noChecks;
        noChecks.nodeChecks = QStringList {};
        QVERIFY(json::parse(ConsulEncode::sessionCreate(noChecks).toStdString()).at("NodeChecks") == json::array());
    }

    void txnRequestMatchesConsulsShape()
    {
        const QList<Consul::TxnOp> ops = {
            Consul::TxnOp::cas("locks/deploy/.lock", "{\"Limit\":2,\"Holders\":{}}", 44, Consul::kSemaphoreFlag),
            Consul::TxnOp::get("config/app"),
        };
        const json got = json::parse(ConsulEncode::txn(ops).toStdString());
        QVERIFY2(got == parsed("txn-request.json"), got.dump().c_str());
        QVERIFY(got[0]["KV"]["Flags"].is_number_unsigned());
    }

    void txnResponses()
    {
        const auto okResult = ok(ConsulDecode::txnResult(parsed("txn-response-ok.json")));
        QVERIFY(okResult.committed);
        QCOMPARE(okResult.results.size(), 2);
        QCOMPARE(okResult.results[0].flags, Consul::kSemaphoreFlag);
        QCOMPARE(okResult.results[0].modifyIndex, 52u);
        QCOMPARE(okResult.results[1].value, QByteArray("test"));

        const auto conflict = ok(ConsulDecode::txnResult(parsed("txn-response-409.json")));
        QVERIFY(!conflict.committed);
        QVERIFY(conflict.results.isEmpty());
        QCOMPARE(conflict.errors.size(), 1);
        QCOMPARE(conflict.errors[0].opIndex, 0);
        QCOMPARE(conflict.errors[0].what, "failed to set key \"locks/deploy/.lock\", index is stale");
    }

    void fieldTypeErrorsNameTheField()
    {
        auto r = ConsulDecode::healthService(
            json::parse("[{\"Node\":{\"Node\":\"a\"},\"Service\":{\"Service\":\"web\"},\n            "
                        "\"Checks\":[{\"CheckID\":\"x\",\"Status\":\"passing\"},{\"CheckID\":\"y\",\"Status\":7}]}]"));
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Decode);
        QVERIFY2(r.error().message.contains("entry 0") && r.error().message.contains("entry 1")
                && r.error().message.contains("Status"),
            qPrintable(r.error().message));
        auto bad64 = ConsulDecode::kvEntries(json::parse("[{\"Key\":\"k\",\"Value\":\"not base64!\"}]"));
        QVERIFY(!bad64);
        QVERIFY(bad64.error().message.contains("base64"));
        auto negativeFlags = ConsulDecode::kvEntries(json::parse("[{\"Key\":\"k\",\"Flags\":-1}]"));
        QVERIFY(!negativeFlags);
        auto floatFlags = ConsulDecode::kvEntries(json::parse("[{\"Key\":\"k\",\"Flags\":1.6e19}]"));
        QVERIFY(!floatFlags);
        auto hugePort = ConsulDecode::agentServices(json::parse("{\"a\":{\"Service\":\"a\",\"Port\":99999999999}}"));
        QVERIFY(!hugePort);
        auto badTtl = ConsulDecode::sessions(json::parse("[{\"ID\":\"s\",\"TTL\":\"15 days\"}]"));
        QVERIFY(!badTtl);
        auto badBehavior = ConsulDecode::sessions(json::parse("[{\"ID\":\"s\",\"Behavior\":\"explode\"}]"));
        QVERIFY(!badBehavior);
    }

    void offlineRuleMatchesTheGate()
    {
        // Only critical checks take an instance out; maintenance names the reason first; an unknown status
        // is "not healthy" but not offline.
        const auto entries = ok(ConsulDecode::healthService(
            json::parse("[{\"Node\":{\"Node\":\"a\"},\"Service\":{\"Service\":\"web\"},\"Checks\":["
                        "{\"CheckID\":\"x\",\"Name\":\"X\",\"Status\":\"maintenance\"}]},"
                        "{\"Node\":{\"Node\":\"b\"},\"Service\":{\"Service\":\"web\"},\"Checks\":["
                        "{\"CheckID\":\"http\",\"Name\":\"HTTP\",\"Status\":\"critical\"},"
                        "{\"CheckID\":\"_service_maintenance:web\",\"Status\":\"critical\",\"Notes\":\" \"}]},"
                        "{\"Node\":{\"Node\":\"c\"},\"Service\":{\"Service\":\"web\"},\"Checks\":["
                        "{\"CheckID\":\"http\",\"Status\":\"critical\"}]}]")));
        QCOMPARE(entries[0].checks.first().status, Consul::CheckStatus::Unknown);
        QCOMPARE(entries[0].aggregatedStatus(), Consul::CheckStatus::Warning);
        QVERIFY(!entries[0].offlineReason().has_value());
        QCOMPARE(entries[1].offlineReason().value(), "maintenance");
        QCOMPARE(entries[2].offlineReason().value(), "critical: http");
    }

    void goDurations()
    {
        QCOMPARE(Consul::parseGoDurationMs(u"15s"), 15000);
        QCOMPARE(Consul::parseGoDurationMs(u"1m30s"), 90000);
        QCOMPARE(Consul::parseGoDurationMs(u"250ms"), 250);
        QCOMPARE(Consul::parseGoDurationMs(u"1.5s"), 1500);
        QCOMPARE(Consul::parseGoDurationMs(u"1h"), 3600000);
        QCOMPARE(Consul::parseGoDurationMs(u"10ns"), 1); // rounded up, like the Go client's wait
        QCOMPARE(Consul::parseGoDurationMs(u"0"), 0);
        QVERIFY(!Consul::parseGoDurationMs(u"15"));
        QVERIFY(!Consul::parseGoDurationMs(u"2d"));
        QVERIFY(!Consul::parseGoDurationMs(u""));
        QVERIFY(!Consul::parseGoDurationMs(u"s"));
        QVERIFY(!Consul::parseGoDurationMs(u"99999999999h"));
        QCOMPARE(Consul::formatGoDuration(15000), "15s");
        QCOMPARE(Consul::formatGoDuration(1500), "1500ms");
    }

    void digestIgnoresOrderAndLayoutButNotContent()
    {
        const json a = json::parse("[{\"Node\":\"a\",\"Checks\":[{\"id\":1},{\"id\":2}]},{\"Node\":\"b\"}]");
        const json reordered
            = json::parse("[ {\"Node\":\"b\"}, {\"Checks\":[{\"id\":2},{\"id\":1}], \"Node\":\"a\"} ]");
        const json changed = json::parse("[{\"Node\":\"a\",\"Checks\":[{\"id\":1},{\"id\":3}]},{\"Node\":\"b\"}]");
        QCOMPARE(ConsulDigest::of(a), ConsulDigest::of(reordered));
        QVERIFY(!(ConsulDigest::of(a) == ConsulDigest::of(changed)));
        QVERIFY(!(ConsulDigest::of(json::parse("[1,1]")) == ConsulDigest::of(json::parse("[1]"))));
        QVERIFY(!(ConsulDigest::of(json::parse("{\"a\":\"1\"}")) == ConsulDigest::of(json::parse("{\"a\":1}"))));
        QVERIFY(!(ConsulDigest::of(json::parse("{\"ab\":\"c\"}")) == ConsulDigest::of(json::parse("{\"a\":\"bc\"}"))));
        QVERIFY(!(ConsulDigest::of(json::parse("16210313421097356768"))
            == ConsulDigest::of(json::parse("16210313421097356769"))));
    }
};

QTEST_GUILESS_MAIN(tst_ConsulDecode)
#include "tst_consuldecode.moc"
