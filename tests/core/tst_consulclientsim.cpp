// ConsulClient, ConsulWatcher and ConsulBudgetReader against consul-sim (a real process on port 0): every call
// of the client, blocking reads that wake on a change or run out their wait, an index going backwards, CAS
// conflicts, lock-delay after a session is invalidated, maintenance in health, ACL errors.
#include "core/consul/consulbudgetreader.h"
#include "core/consul/consulclient.h"
#include "core/consul/consulwatcher.h"
#include "support/consulsimfixture.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace Baton;
using Baton::Test::ConsulSimFixture;
using json = nlohmann::json;

namespace {

template<typename T> struct Waiter
{
    std::optional<ConsulReply<T>> reply;
    ConsulClient::Callback<T> cb()
    {
        return [this](ConsulReply<T> r) { reply = std::move(r); };
    }
};

// Runs one call and waits for its reply (the sim answers non-blocking calls in milliseconds).
template<typename T, typename Start> ConsulReply<T> call(Start start, int timeoutMs = 15000)
{
    Waiter<T> w;
    QObject context;
    start(&context, w.cb());
    if (!QTest::qWaitFor([&] { return w.reply.has_value(); }, timeoutMs))
        qFatal("no reply from consul-sim within %d ms", timeoutMs);
    return std::move(*w.reply);
}

template<typename T> T value(const ConsulReply<T> &r)
{
    if (!r.result)
        qFatal("call failed: %s", qPrintable(r.result.error().toString()));
    return *r.result;
}

json webService(const QString &tag)
{
    return ConsulSimFixture::service(
        "web", "web", 8080, { tag }, json::array({ ConsulSimFixture::ttlCheck("web-ttl", "10m", "passing") }));
}

json datacenter()
{
    return { { "datacenter", "dc1" },
        { "nodes",
            json::array({ ConsulSimFixture::node("web-1", json::array({ webService("blue") }), { { "rack", "r1" } }),
                ConsulSimFixture::node("web-2", json::array({ webService("green") }), { { "rack", "r2" } }),
                ConsulSimFixture::node("web-3", json::array({ webService("blue") }), { { "rack", "r1" } }) }) },
        { "kv", { { "baton/services/web/max_offline", "2" } } }, { "timing", ConsulSimFixture::fastTiming() } };
}

} // namespace

class tst_ConsulClientSim : public QObject
{
    Q_OBJECT

    ConsulSimFixture m_sim;
    std::unique_ptr<ConsulClient> m_consul; // web-1's agent
    std::unique_ptr<ConsulClient> m_web2; // web-2's agent, for its maintenance and checks

    std::unique_ptr<ConsulClient> clientFor(const QString &node, const QString &token = {})
    {
        ConsulConfig config;
        config.address = m_sim.agentUrl(node);
        config.token = token;
        return std::make_unique<ConsulClient>(config);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_sim.start(datacenter()), qPrintable(m_sim.errorString()));
        m_consul = clientFor("web-1");
        m_web2 = clientFor("web-2");
    }

    void cleanupTestCase()
    {
        m_consul.reset();
        m_web2.reset();
        m_sim.stop();
    }

    void catalog()
    {
        const auto services
            = value(call<Consul::CatalogServices>([&](QObject *c, auto cb) { m_consul->catalogServices({}, c, cb); }));
        QCOMPARE(services.value("web"), (QStringList { "blue", "green" }));
        QVERIFY(services.contains("consul"));

        const auto reply = call<QList<Consul::CatalogService>>(
            [&](QObject *c, auto cb) { m_consul->catalogService("web", {}, c, cb); });
        QCOMPARE(value(reply).size(), 3);
        QVERIFY(reply.meta.hasIndex);
        QVERIFY(reply.meta.index >= 1);
        QVERIFY(reply.meta.knownLeader);

        Consul::QueryOptions blue;
        blue.tags = { "blue" };
        QCOMPARE(value(call<QList<Consul::CatalogService>>([&](QObject *c, auto cb) {
            m_consul->catalogService("web", blue, c, cb);
        })).size(),
            2);

        Consul::QueryOptions rack;
        rack.filter = "Meta.rack == \"r2\"";
        const auto nodes
            = value(call<QList<Consul::Node>>([&](QObject *c, auto cb) { m_consul->catalogNodes(rack, c, cb); }));
        QCOMPARE(nodes.size(), 1);
        QCOMPARE(nodes.first().name, "web-2");

        const auto node = value(call<std::optional<Consul::CatalogNode>>(
            [&](QObject *c, auto cb) { m_consul->catalogNode("web-3", {}, c, cb); }));
        QVERIFY(node.has_value());
        QCOMPARE(node->services.value("web").tags, QStringList { "blue" });
        QVERIFY(!value(call<std::optional<Consul::CatalogNode>>([&](QObject *c, auto cb) {
            m_consul->catalogNode("nope", {}, c, cb);
        })).has_value());

        Consul::QueryOptions otherDc;
        otherDc.datacenter = "dc9";
        const auto wrongDc
            = call<QList<Consul::Node>>([&](QObject *c, auto cb) { m_consul->catalogNodes(otherDc, c, cb); });
        QVERIFY(!wrongDc.result);
        QCOMPARE(wrongDc.result.error().httpStatus, 500);
        QCOMPARE(wrongDc.result.error().message, "No path to datacenter");
    }

    void health()
    {
        Consul::QueryOptions consistent;
        consistent.consistency = Consul::Consistency::Consistent;
        const auto instances = value(call<QList<Consul::ServiceHealth>>(
            [&](QObject *c, auto cb) { m_consul->healthService("web", consistent, c, cb); }));
        QCOMPARE(instances.size(), 3);
        for (const Consul::ServiceHealth &h : instances) {
            QStringList ids;
            for (const Consul::HealthCheck &k : h.checks)
                ids << k.checkId;
            QVERIFY2(ids.contains("serfHealth") && ids.contains("web-ttl"), qPrintable(ids.join(",")));
            QCOMPARE(h.aggregatedStatus(), Consul::CheckStatus::Passing);
        }
        const auto nodeChecks = value(
            call<QList<Consul::HealthCheck>>([&](QObject *c, auto cb) { m_consul->healthNode("web-2", {}, c, cb); }));
        QCOMPARE(nodeChecks.size(), 2);
        const auto serviceChecks = value(
            call<QList<Consul::HealthCheck>>([&](QObject *c, auto cb) { m_consul->healthChecks("web", {}, c, cb); }));
        QCOMPARE(serviceChecks.size(), 3); // no node-level checks here
        const auto critical = value(call<QList<Consul::HealthCheck>>(
            [&](QObject *c, auto cb) { m_consul->healthState(Consul::CheckStatus::Critical, {}, c, cb); }));
        QVERIFY(critical.isEmpty());
        const auto any = value(call<QList<Consul::HealthCheck>>(
            [&](QObject *c, auto cb) { m_consul->healthState(std::nullopt, {}, c, cb); }));
        QCOMPARE(any.size(), 6);
    }

    void ttlChecksAndMaintenanceShowInHealth()
    {
        // A TTL check set to warning through web-2's own agent.
        QVERIFY(call<void>([&](QObject *c, auto cb) {
            m_web2->agentCheckTtl("web-ttl", Consul::TtlStatus::Warn, "slow disk", c, cb);
        }).result);
        auto warning = value(call<QList<Consul::HealthCheck>>(
            [&](QObject *c, auto cb) { m_consul->healthState(Consul::CheckStatus::Warning, {}, c, cb); }));
        QCOMPARE(warning.size(), 1);
        QCOMPARE(warning.first().node, "web-2");
        QCOMPARE(warning.first().output, "slow disk");
        QVERIFY(call<void>([&](QObject *c, auto cb) {
            m_web2->agentCheckUpdate("web-ttl", Consul::CheckStatus::Passing, "fine again", c, cb);
        }).result);
        QVERIFY(value(call<QList<Consul::HealthCheck>>([&](QObject *c, auto cb) {
            m_consul->healthState(Consul::CheckStatus::Warning, {}, c, cb);
        })).isEmpty());

        // fail and pass through web-1's agent: critical, then passing again.
        QVERIFY(call<void>([&](QObject *c, auto cb) {
            m_consul->agentCheckTtl("web-ttl", Consul::TtlStatus::Fail, "disk full", c, cb);
        }).result);
        auto failing = value(call<QList<Consul::HealthCheck>>(
            [&](QObject *c, auto cb) { m_consul->healthState(Consul::CheckStatus::Critical, {}, c, cb); }));
        QCOMPARE(failing.size(), 1);
        QCOMPARE(failing.first().node, "web-1");
        QCOMPARE(failing.first().output, "disk full");
        QVERIFY(call<void>([&](QObject *c, auto cb) {
            m_consul->agentCheckTtl("web-ttl", Consul::TtlStatus::Pass, {}, c, cb);
        }).result);
        QVERIFY(value(call<QList<Consul::HealthCheck>>([&](QObject *c, auto cb) {
            m_consul->healthState(Consul::CheckStatus::Critical, {}, c, cb);
        })).isEmpty());
        const auto unknownCheck = call<void>(
            [&](QObject *c, auto cb) { m_consul->agentCheckTtl("no-such-check", Consul::TtlStatus::Pass, {}, c, cb); });
        QVERIFY(!unknownCheck.result);
        QVERIFY(!unknownCheck.result.error().message.isEmpty());

        // Node maintenance: a critical _node_maintenance check with our reason, on every instance of the node.
        QVERIFY(call<void>([&](QObject *c, auto cb) {
            m_web2->agentNodeMaintenance(true, "baton job 7 by alice", c, cb);
        }).result);
        Consul::QueryOptions consistent;
        consistent.consistency = Consul::Consistency::Consistent;
        auto instances = value(call<QList<Consul::ServiceHealth>>(
            [&](QObject *c, auto cb) { m_consul->healthService("web", consistent, c, cb); }));
        QStringList offline;
        for (const Consul::ServiceHealth &h : instances) {
            if (auto why = h.offlineReason())
                offline << h.node.name + ": " + *why;
        }
        QCOMPARE(offline, QStringList { "web-2: maintenance: baton job 7 by alice" });
        Consul::QueryOptions passing;
        passing.passingOnly = true;
        QCOMPARE(value(call<QList<Consul::ServiceHealth>>([&](QObject *c, auto cb) {
            m_consul->healthService("web", passing, c, cb);
        })).size(),
            2);
        const auto agentChecks
            = value(call<Consul::AgentChecks>([&](QObject *c, auto cb) { m_web2->agentChecks({}, c, cb); }));
        QVERIFY(agentChecks.contains("_node_maintenance"));
        QCOMPARE(agentChecks.value("_node_maintenance").status, Consul::CheckStatus::Critical);

        // The budget reader sees it too.
        ConsulBudgetReader reader(m_consul.get());
        std::optional<Result<ServiceBudget>> budget;
        reader.read("web", this, [&](Result<ServiceBudget> b) { budget = std::move(b); });
        QTRY_VERIFY(budget.has_value());
        QVERIFY(budget->has_value());
        QCOMPARE((*budget)->instances, 3);
        QCOMPARE((*budget)->maxOffline.toString(), "2");
        QCOMPARE((*budget)->offline, (QList<OfflinePeer> { { "web-2", "maintenance: baton job 7 by alice" } }));

        QVERIFY(call<void>([&](QObject *c, auto cb) { m_web2->agentNodeMaintenance(false, {}, c, cb); }).result);

        // Service maintenance, with Consul's default note when no reason is given.
        QVERIFY(
            call<void>([&](QObject *c, auto cb) { m_web2->agentServiceMaintenance("web", true, {}, c, cb); }).result);
        const auto checks = value(
            call<QList<Consul::HealthCheck>>([&](QObject *c, auto cb) { m_consul->healthNode("web-2", {}, c, cb); }));
        bool found = false;
        for (const Consul::HealthCheck &k : checks) {
            if (k.checkId == "_service_maintenance:web") {
                found = true;
                QVERIFY(k.isMaintenance());
                QCOMPARE(k.status, Consul::CheckStatus::Critical);
                QVERIFY(k.notes.contains("no reason was provided"));
            }
        }
        QVERIFY(found);
        QVERIFY(
            call<void>([&](QObject *c, auto cb) { m_web2->agentServiceMaintenance("web", false, {}, c, cb); }).result);
        const auto unknown
            = call<void>([&](QObject *c, auto cb) { m_web2->agentServiceMaintenance("nope", true, {}, c, cb); });
        QVERIFY(!unknown.result);
        QCOMPARE(unknown.result.error().kind, Error::Kind::NotFound);
        QCOMPARE(unknown.result.error().message, "No service registered with ID \"nope\"");
        QVERIFY(value(call<QList<Consul::HealthCheck>>([&](QObject *c, auto cb) {
            m_consul->healthState(Consul::CheckStatus::Critical, {}, c, cb);
        })).isEmpty());
    }

    void agent()
    {
        const auto self = value(call<Consul::AgentSelf>([&](QObject *c, auto cb) { m_web2->agentSelf(c, cb); }));
        QCOMPARE(self.nodeName, "web-2");
        QCOMPARE(self.datacenter, "dc1");
        const auto services
            = value(call<Consul::AgentServices>([&](QObject *c, auto cb) { m_web2->agentServices({}, c, cb); }));
        QCOMPARE(services.value("web").tags, QStringList { "green" });
        QCOMPARE(services.value("web").port, 8080);
    }

    void kv()
    {
        const QString key = "it/kv/semaphore lock+é";
        const QByteArray bytes("\x00\x01{\"Limit\":2}\xff", 15);
        Consul::KvPutOptions create;
        create.cas = 0;
        create.flags = Consul::kSemaphoreFlag;
        QCOMPARE(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut(key, bytes, create, {}, c, cb); })), true);
        // cas=0 is create-only: the second one loses.
        QCOMPARE(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut(key, "x", create, {}, c, cb); })), false);

        const auto got = value(
            call<std::optional<Consul::KvEntry>>([&](QObject *c, auto cb) { m_consul->kvGet(key, {}, c, cb); }));
        QVERIFY(got.has_value());
        QCOMPARE(got->key, key);
        QCOMPARE(got->value, bytes);
        QCOMPARE(got->flags, Consul::kSemaphoreFlag);

        // CAS against a stale ModifyIndex fails; against the current one succeeds.
        Consul::KvPutOptions stale;
        stale.cas = got->modifyIndex - 1;
        QCOMPARE(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut(key, "y", stale, {}, c, cb); })), false);
        Consul::KvPutOptions current;
        current.cas = got->modifyIndex;
        QCOMPARE(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut(key, "y", current, {}, c, cb); })), true);

        QVERIFY(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut("it/kv/dir/a", "1", {}, {}, c, cb); })));
        QVERIFY(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut("it/kv/dir/b", "2", {}, {}, c, cb); })));
        const auto tree
            = value(call<QList<Consul::KvEntry>>([&](QObject *c, auto cb) { m_consul->kvList("it/kv/", {}, c, cb); }));
        QCOMPARE(tree.size(), 3);
        const auto folded
            = value(call<QStringList>([&](QObject *c, auto cb) { m_consul->kvKeys("it/kv/", "/", {}, c, cb); }));
        QCOMPARE(folded, (QStringList { "it/kv/dir/", "it/kv/semaphore lock+é" }));

        const auto missing
            = call<std::optional<Consul::KvEntry>>([&](QObject *c, auto cb) { m_consul->kvGet("it/nope", {}, c, cb); });
        QVERIFY(missing.result && !missing.result->has_value());
        QVERIFY(missing.meta.hasIndex); // Consul's 404 carries the index
        QVERIFY(value(call<QList<Consul::KvEntry>>([&](QObject *c, auto cb) {
            m_consul->kvList("it/none/", {}, c, cb);
        })).isEmpty());

        // DELETE with a stale cas fails; recurse removes the folder.
        Consul::KvDeleteOptions casDelete;
        casDelete.cas = 1;
        QCOMPARE(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvDelete(key, casDelete, {}, c, cb); })), false);
        Consul::KvDeleteOptions recurse;
        recurse.recurse = true;
        QVERIFY(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvDelete("it/kv/", recurse, {}, c, cb); })));
        QVERIFY(value(call<QList<Consul::KvEntry>>([&](QObject *c, auto cb) {
            m_consul->kvList("it/kv/", {}, c, cb);
        })).isEmpty());
    }

    void sessionsAndLocks()
    {
        Consul::SessionSpec spec;
        spec.name = "it session";
        spec.node = "web-1";
        spec.ttlMs = 30000;
        spec.behavior = Consul::SessionBehavior::Delete;
        spec.lockDelayMs = 500;
        spec.nodeChecks = QStringList { "serfHealth" };
        const QString id = value(call<QString>([&](QObject *c, auto cb) { m_consul->sessionCreate(spec, {}, c, cb); }));
        QCOMPARE(id.size(), 36);

        const auto info = value(
            call<std::optional<Consul::Session>>([&](QObject *c, auto cb) { m_consul->sessionInfo(id, {}, c, cb); }));
        QVERIFY(info.has_value());
        QCOMPARE(info->name, "it session");
        QCOMPARE(info->node, "web-1");
        QCOMPARE(info->ttlMs, 30000);
        QCOMPARE(info->behavior, Consul::SessionBehavior::Delete);
        QCOMPARE(info->lockDelayNs, qint64(500) * 1000 * 1000);
        QCOMPARE(info->nodeChecks, QStringList { "serfHealth" });

        QVERIFY(!value(call<QList<Consul::Session>>([&](QObject *c, auto cb) {
            m_consul->sessionList({}, c, cb);
        })).isEmpty());
        QCOMPARE(value(call<QList<Consul::Session>>([&](QObject *c, auto cb) {
            m_consul->sessionsOfNode("web-1", {}, c, cb);
        })).size(),
            1);
        const auto renewed
            = value(call<Consul::Session>([&](QObject *c, auto cb) { m_consul->sessionRenew(id, {}, c, cb); }));
        QCOMPARE(renewed.id, id);
        QVERIFY(renewed.ttlMs >= 30000);

        // acquire / release
        Consul::KvPutOptions acquire;
        acquire.acquire = id;
        QVERIFY(
            value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut("it/lock", "held", acquire, {}, c, cb); })));
        auto held = value(
            call<std::optional<Consul::KvEntry>>([&](QObject *c, auto cb) { m_consul->kvGet("it/lock", {}, c, cb); }));
        QCOMPARE(held->session, id);
        QCOMPARE(held->lockIndex, 1u);
        Consul::KvPutOptions release;
        release.release = id;
        QVERIFY(
            value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut("it/lock", "free", release, {}, c, cb); })));
        held = value(
            call<std::optional<Consul::KvEntry>>([&](QObject *c, auto cb) { m_consul->kvGet("it/lock", {}, c, cb); }));
        QVERIFY(held->session.isEmpty());
        QCOMPARE(held->lockIndex, 1u); // release keeps LockIndex

        QVERIFY(value(call<bool>([&](QObject *c, auto cb) { m_consul->sessionDestroy(id, {}, c, cb); })));
        const auto gone = call<Consul::Session>([&](QObject *c, auto cb) { m_consul->sessionRenew(id, {}, c, cb); });
        QVERIFY(!gone.result);
        QCOMPARE(gone.result.error().kind, Error::Kind::NotFound);
        QVERIFY(!value(call<std::optional<Consul::Session>>([&](QObject *c, auto cb) {
            m_consul->sessionInfo(id, {}, c, cb);
        })).has_value());

        // An acquire with an unknown session is Consul's 500, not false.
        const auto unknown
            = call<bool>([&](QObject *c, auto cb) { m_consul->kvPut("it/lock", "x", acquire, {}, c, cb); });
        QVERIFY(!unknown.result);
        QCOMPARE(unknown.result.error().httpStatus, 500);
    }

    void lockDelayAfterSessionInvalidation()
    {
        Consul::SessionSpec spec;
        spec.ttlMs = 30000;
        spec.lockDelayMs = 1000; // fastTiming caps lock-delay at 1 s
        const QString first
            = value(call<QString>([&](QObject *c, auto cb) { m_consul->sessionCreate(spec, {}, c, cb); }));
        const QString second
            = value(call<QString>([&](QObject *c, auto cb) { m_consul->sessionCreate(spec, {}, c, cb); }));
        Consul::KvPutOptions a;
        a.acquire = first;
        QVERIFY(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut("it/delayed", "1", a, {}, c, cb); })));

        QVERIFY(m_sim.invalidateSession(first)); // as if its TTL ran out
        Consul::KvPutOptions b;
        b.acquire = second;
        // Inside the lock-delay every acquire answers false, even for a healthy new session ...
        QCOMPARE(
            value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut("it/delayed", "2", b, {}, c, cb); })), false);
        const auto released = value(call<std::optional<Consul::KvEntry>>(
            [&](QObject *c, auto cb) { m_consul->kvGet("it/delayed", {}, c, cb); }));
        QVERIFY(released.has_value());
        QVERIFY(released->session.isEmpty()); // Behavior release: the key stays, unlocked
        // ... and once it is over the acquire succeeds.
        bool acquired = false;
        QTRY_VERIFY_WITH_TIMEOUT((acquired = value(call<bool>(
                                      [&](QObject *c, auto cb) { m_consul->kvPut("it/delayed", "2", b, {}, c, cb); }))),
            10000);
        QVERIFY(acquired);
        QVERIFY(value(call<bool>([&](QObject *c, auto cb) { m_consul->sessionDestroy(second, {}, c, cb); })));
    }

    void txn()
    {
        QVERIFY(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut("it/txn/a", "1", {}, {}, c, cb); })));
        const auto a = value(
            call<std::optional<Consul::KvEntry>>([&](QObject *c, auto cb) { m_consul->kvGet("it/txn/a", {}, c, cb); }));
        const QList<Consul::TxnOp> ok = { Consul::TxnOp::cas("it/txn/a", "2", a->modifyIndex, Consul::kSemaphoreFlag),
            Consul::TxnOp::set("it/txn/b", "3"), Consul::TxnOp::get("it/txn/a") };
        const auto done = value(call<Consul::TxnResult>([&](QObject *c, auto cb) { m_consul->txn(ok, {}, c, cb); }));
        QVERIFY(done.committed);
        QCOMPARE(done.results.size(), 3);
        QCOMPARE(done.results.last().value, QByteArray("2"));
        QCOMPARE(done.results.last().flags, Consul::kSemaphoreFlag);

        // The same CAS again is stale: nothing applies, the errors say which op.
        const QList<Consul::TxnOp> conflict
            = { Consul::TxnOp::set("it/txn/c", "4"), Consul::TxnOp::cas("it/txn/a", "5", a->modifyIndex) };
        const auto rolledBack
            = value(call<Consul::TxnResult>([&](QObject *c, auto cb) { m_consul->txn(conflict, {}, c, cb); }));
        QVERIFY(!rolledBack.committed);
        QCOMPARE(rolledBack.errors.size(), 1);
        QCOMPARE(rolledBack.errors.first().opIndex, 1);
        QCOMPARE(rolledBack.errors.first().what, "failed to set key \"it/txn/a\", index is stale");
        QVERIFY(!value(call<std::optional<Consul::KvEntry>>([&](QObject *c, auto cb) {
            m_consul->kvGet("it/txn/c", {}, c, cb);
        })).has_value());
    }

    void blockingReadWakesOnChangeOrAfterItsWait()
    {
        const auto first = call<std::optional<Consul::KvEntry>>(
            [&](QObject *c, auto cb) { m_consul->kvGet("it/block", {}, c, cb); });
        QVERIFY(first.meta.hasIndex);

        // Nothing changes: the read comes back after its wait, with the same index and 200.
        Consul::QueryOptions shortWait;
        shortWait.index = first.meta.index;
        shortWait.waitMs = 1000;
        QElapsedTimer t;
        t.start();
        const auto timedOut = call<std::optional<Consul::KvEntry>>(
            [&](QObject *c, auto cb) { m_consul->kvGet("it/block", shortWait, c, cb); });
        QVERIFY(t.elapsed() >= 1000);
        QVERIFY(timedOut.result && !timedOut.result->has_value());
        QCOMPARE(timedOut.meta.index, first.meta.index);

        // A change wakes it long before its 60 s wait (the wake-up latency is measured in bench_consul_watcher).
        Consul::QueryOptions longWait;
        longWait.index = first.meta.index;
        longWait.waitMs = 60000;
        Waiter<std::optional<Consul::KvEntry>> w;
        m_consul->kvGet("it/block", longWait, this, w.cb());
        QTest::qWait(200); // let it park
        QVERIFY(!w.reply.has_value());
        t.restart();
        QVERIFY(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut("it/block", "now", {}, {}, c, cb); })));
        QTRY_VERIFY_WITH_TIMEOUT(w.reply.has_value(), 30000);
        const qint64 woke = t.elapsed();
        qInfo("blocking read woke %lld ms after the write was sent", static_cast<long long>(woke));
        QVERIFY(woke < 30000);
        QCOMPARE(value(*w.reply)->value, QByteArray("now"));
        QVERIFY(w.reply->meta.index > first.meta.index);
    }

    void watcherFollowsChanges()
    {
        ConsulWatchOptions options;
        options.waitMs = 10000;
        std::unique_ptr<ConsulWatch<QList<Consul::KvEntry>>> w(
            ConsulWatches::kvTree(m_consul.get(), "it/watch/", options));
        QSignalSpy changed(w.get(), &ConsulWatcher::changed);
        w->start();
        QTRY_COMPARE(changed.count(), 1);
        QVERIFY(w->value().isEmpty());
        QVERIFY(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut("it/watch/x", "1", {}, {}, c, cb); })));
        QTRY_COMPARE(changed.count(), 2);
        QCOMPARE(w->value().first().value, QByteArray("1"));
        // A write elsewhere does not wake this prefix; a same-value write is no change.
        QVERIFY(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut("it/other", "1", {}, {}, c, cb); })));
        QVERIFY(value(call<bool>([&](QObject *c, auto cb) { m_consul->kvPut("it/watch/x", "1", {}, {}, c, cb); })));
        QTest::qWait(300);
        QCOMPARE(changed.count(), 2);
        QVERIFY(w->requestCount() <= 4);
        QCOMPARE(w->consecutiveErrors(), 0);
    }

    void indexGoingBackwardsResetsTheWatcher()
    {
        // A datacenter restarted on the same port numbers its indexes from the start again, like a snapshot
        // restore: the watcher's index is ahead of the server's.
        ConsulSimFixture sim;
        QVERIFY2(
            sim.start({ { "nodes", json::array({ ConsulSimFixture::node("solo") }) } }), qPrintable(sim.errorString()));
        const QUrl url = sim.agentUrl("solo");
        ConsulConfig config;
        config.address = url;
        ConsulClient client(config);
        for (int i = 0; i < 30; ++i)
            QVERIFY(value(
                call<bool>([&](QObject *c, auto cb) { client.kvPut(QString("w/k%1").arg(i), "v", {}, {}, c, cb); })));
        ConsulWatchOptions options;
        options.waitMs = 1500;
        options.minBackoffMs = 100;
        options.maxBackoffMs = 200;
        options.refillMs = 500; // a quick bucket: this test is about the index, not the rate
        std::unique_ptr<ConsulWatch<QList<Consul::KvEntry>>> w(ConsulWatches::kvTree(&client, "w/", options));
        QSignalSpy changed(w.get(), &ConsulWatcher::changed);
        w->start();
        QTRY_COMPARE(changed.count(), 1);
        QCOMPARE(w->value().size(), 30);
        const quint64 before = w->index();
        QVERIFY(before > 30);

        sim.stop();
        json restarted
            = { { "nodes", json::array({ ConsulSimFixture::node("solo") }) }, { "kv", { { "w/fresh", "1" } } } };
        restarted["nodes"][0]["http"] = QString("127.0.0.1:%1").arg(url.port()).toStdString();
        QVERIFY2(sim.start(restarted), qPrintable(sim.errorString()));
        QTRY_VERIFY_WITH_TIMEOUT(changed.count() >= 2, 30000);
        QCOMPARE(w->value().size(), 1);
        QCOMPARE(w->value().first().key, "w/fresh");
        QVERIFY(w->resetCount() >= 1);
        // After the reset one plain fetch picks up the new numbering; then it blocks again, from there.
        QTRY_VERIFY(w->index() >= 1);
        QVERIFY(w->index() < before);
    }

    void aclErrorsAreTyped()
    {
        ConsulSimFixture sim;
        json config = { { "nodes", json::array({ ConsulSimFixture::node("a") }) },
            { "acl",
                { { "enabled", true }, { "default_policy", "deny" },
                    { "tokens",
                        json::array({ { { "accessor_id", "e5a4f1a2-0d5c-4a5f-9a5e-1f2b3c4d5e6f" },
                            { "secret_id", "reader-secret" },
                            { "policy", { { "key_prefix", { { "public/", "read" } } } } } } }) } } } };
        QVERIFY2(sim.start(config), qPrintable(sim.errorString()));
        ConsulConfig anonymous;
        anonymous.address = sim.agentUrl("a");
        ConsulClient anon(anonymous);
        const auto denied
            = call<std::optional<Consul::KvEntry>>([&](QObject *c, auto cb) { anon.kvGet("foo", {}, c, cb); });
        QVERIFY(!denied.result);
        QCOMPARE(denied.result.error().kind, Error::Kind::Forbidden);
        QCOMPARE(denied.result.error().message,
            "Permission denied: anonymous token lacks permission 'key:read' on \"foo\". The anonymous token is "
            "used implicitly when a request does not specify a token.");

        ConsulConfig reader = anonymous;
        reader.token = "reader-secret";
        ConsulClient withToken(reader);
        const auto write = call<bool>([&](QObject *c, auto cb) { withToken.kvPut("public/x", "1", {}, {}, c, cb); });
        QCOMPARE(write.result.error().kind, Error::Kind::Forbidden);
        QCOMPARE(write.result.error().message,
            "Permission denied: token with AccessorID 'e5a4f1a2-0d5c-4a5f-9a5e-1f2b3c4d5e6f' lacks permission "
            "'key:write' on \"public/x\"");
        QVERIFY(call<std::optional<Consul::KvEntry>>([&](QObject *c, auto cb) {
            withToken.kvGet("public/x", {}, c, cb);
        }).result);

        ConsulConfig unknown = anonymous;
        unknown.token = "no-such-token";
        ConsulClient stranger(unknown);
        const auto notFound
            = call<std::optional<Consul::KvEntry>>([&](QObject *c, auto cb) { stranger.kvGet("public/x", {}, c, cb); });
        QCOMPARE(notFound.result.error().kind, Error::Kind::Forbidden);
        QCOMPARE(notFound.result.error().message, "ACL not found");
        QVERIFY(!sim.logOutput().contains("reader-secret"));
    }

    void budgetReaderSeesSemaphoreHolders()
    {
        // A gate-style holder on web-3: session, contender key naming the node, then the .lock CAS.
        Consul::SessionSpec spec;
        spec.node = "web-3";
        spec.ttlMs = 60000;
        spec.behavior = Consul::SessionBehavior::Delete;
        const QString sid
            = value(call<QString>([&](QObject *c, auto cb) { m_consul->sessionCreate(spec, {}, c, cb); }));
        Consul::KvPutOptions contender;
        contender.acquire = sid;
        contender.flags = Consul::kSemaphoreFlag;
        QVERIFY(value(call<bool>([&](QObject *c, auto cb) {
            m_consul->kvPut(
                "baton/services/web/slots/" + sid, "{\"node\":\"web-3\",\"service\":\"web\"}", contender, {}, c, cb);
        })));
        Consul::KvPutOptions lock;
        lock.cas = 0;
        lock.flags = Consul::kSemaphoreFlag;
        QVERIFY(value(call<bool>([&](QObject *c, auto cb) {
            m_consul->kvPut("baton/services/web/slots/.lock",
                "{\"Limit\":2,\"Holders\":{\"" + sid.toUtf8() + "\":true}}", lock, {}, c, cb);
        })));
        ConsulBudgetReader reader(m_consul.get());
        std::optional<Result<ServiceBudget>> budget;
        reader.read("web", this, [&](Result<ServiceBudget> b) { budget = std::move(b); });
        QTRY_VERIFY(budget.has_value());
        QVERIFY2(budget->has_value(), budget->has_value() ? "" : qPrintable(budget->error().toString()));
        QCOMPARE((*budget)->holders, QStringList { "web-3" });
        QVERIFY((*budget)->canEnter("web-1"));

        // The session dies: its contender key goes (Behavior delete), the holder is pruned.
        QVERIFY(m_sim.invalidateSession(sid));
        budget.reset();
        reader.read("web", this, [&](Result<ServiceBudget> b) { budget = std::move(b); });
        QTRY_VERIFY(budget.has_value());
        QVERIFY(budget->has_value());
        QVERIFY((*budget)->holders.isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_ConsulClientSim)
#include "tst_consulclientsim.moc"
