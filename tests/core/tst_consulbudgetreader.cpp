// ConsulBudgetReader: the budget rule's inputs read from Consul the way the gate reads them (health, the
// service's KV folder, sessions), composed into a ServiceBudget.
#include "core/consul/consulbudgetreader.h"
#include "core/consul/consulclient.h"
#include "support/fakeconsulserver.h"

#include <QTest>

using namespace Baton;
using Fake = FakeConsulServer;

namespace {

const QString kPrefix = "baton/services/web/";

Consul::HealthCheck check(
    const QString &node, const QString &id, const QString &name, Consul::CheckStatus status, const QString &notes = {})
{
    Consul::HealthCheck c;
    c.node = node;
    c.checkId = id;
    c.name = name;
    c.status = status;
    c.statusText = Consul::checkStatusToWire(status);
    c.notes = notes;
    return c;
}

Consul::ServiceHealth instance(const QString &node, QList<Consul::HealthCheck> extra = {})
{
    Consul::ServiceHealth h;
    h.node.name = node;
    h.service.id = "web";
    h.service.name = "web";
    h.checks << check(node, "serfHealth", "Serf Health Status", Consul::CheckStatus::Passing) << extra;
    return h;
}

Consul::KvEntry kv(const QString &key, const QByteArray &value, quint64 flags = 0, const QString &session = {})
{
    Consul::KvEntry e;
    e.key = key;
    e.value = value;
    e.flags = flags;
    e.session = session;
    return e;
}

const QString s1 = "11111111-1111-1111-1111-111111111111";
const QString s2 = "22222222-2222-2222-2222-222222222222";
const QString s3 = "33333333-3333-3333-3333-333333333333";

QList<Consul::KvEntry> folder(const QByteArray &maxOffline = "2", const QString &prefix = kPrefix)
{
    const QByteArray holders = "{\"Limit\":2,\"Holders\":{\"" + s1.toLatin1() + "\":true,\"" + s2.toLatin1()
        + "\":true,\"" + s3.toLatin1() + "\":true}}";
    QList<Consul::KvEntry> out;
    if (!maxOffline.isNull())
        out << kv(prefix + "max_offline", maxOffline);
    out << kv(prefix + "slots/.lock", holders, Consul::kSemaphoreFlag)
        // The gate's contender: names its node.
        << kv(prefix + "slots/" + s1, "{\"job\":\"7\",\"node\":\"web-2\",\"service\":\"web\"}", Consul::kSemaphoreFlag,
               s1)
        // A `consul lock -n` contender: empty value, so the session's Node names it.
        << kv(prefix + "slots/" + s2, QByteArray(), Consul::kSemaphoreFlag, s2);
    // s3 holds nothing any more: its session died and its contender key went with it.
    return out;
}

QList<Consul::ServiceHealth> health()
{
    return {
        instance("web-1"),
        instance("web-2",
            { check("web-2", "_node_maintenance", "Node Maintenance Mode", Consul::CheckStatus::Critical,
                "job 7 by alice") }),
        instance("web-3", { check("web-3", "http", "HTTP", Consul::CheckStatus::Critical) }),
        instance("web-4",
            { check("web-4", "_service_maintenance:web", "Service Maintenance Mode", Consul::CheckStatus::Critical) }),
        instance("web-5", { check("web-5", "load", "Load", Consul::CheckStatus::Warning) }),
    };
}

QList<Consul::Session> sessions()
{
    Consul::Session a;
    a.id = s2;
    a.node = "web-5";
    Consul::Session b;
    b.id = s1;
    b.node = "web-2";
    return { a, b };
}

QByteArray base64(const QByteArray &v)
{
    return v.isEmpty() ? QByteArray("null") : "\"" + v.toBase64() + "\"";
}

QByteArray folderJson(const QList<Consul::KvEntry> &entries)
{
    QByteArray out = "[";
    for (const Consul::KvEntry &e : entries) {
        if (out.size() > 1)
            out += ',';
        out += "{\"Key\":\"" + e.key.toUtf8() + "\",\"Flags\":" + QByteArray::number(e.flags) + ",\"Value\":"
            + base64(e.value) + (e.session.isEmpty() ? QByteArray() : ",\"Session\":\"" + e.session.toUtf8() + "\"")
            + ",\"ModifyIndex\":5}";
    }
    return out + "]";
}

QByteArray healthJson()
{
    return "[{\"Node\":{\"Node\":\"web-1\"},\"Service\":{\"ID\":\"web\",\"Service\":\"web\"},\"Checks\":["
           "{\"CheckID\":\"serfHealth\",\"Name\":\"Serf Health Status\",\"Status\":\"passing\"}]},"
           "{\"Node\":{\"Node\":\"web-2\"},\"Service\":{\"ID\":\"web\",\"Service\":\"web\"},\"Checks\":["
           "{\"CheckID\":\"_node_maintenance\",\"Name\":\"Node Maintenance Mode\",\"Status\":\"critical\","
           "\"Notes\":\"job 7 by alice\"}]}]";
}

} // namespace

class tst_ConsulBudgetReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void composesHoldersOfflinePeersAndLimit()
    {
        auto b = ConsulBudgetReader::compose("web", kPrefix, health(), folder(), sessions());
        QVERIFY(b);
        QCOMPARE(b->service, "web");
        QCOMPARE(b->instances, 5);
        QCOMPARE(b->maxOffline.toString(), "2");
        QVERIFY(b->maxOfflineWarning.isEmpty());
        // s3 is dead (nothing in the folder is locked by it) and is pruned, as `consul lock -n` prunes.
        QCOMPARE(b->holders, (QStringList { "web-2", "web-5" }));
        QCOMPARE(b->offline,
            (QList<OfflinePeer> { { "web-2", "maintenance: job 7 by alice" }, { "web-3", "critical: HTTP" },
                { "web-4", "maintenance" } }));
        // web-2 holds a slot and is in maintenance: counted once (the budget rule's union).
        QCOMPARE(b->occupiedExcluding("web-1"), (QStringList { "web-2", "web-3", "web-4", "web-5" }));
        QVERIFY(!b->canEnter("web-1"));
    }

    void holderWithoutContenderOrSessionIsNamedBySession()
    {
        auto b = ConsulBudgetReader::compose("web", kPrefix, health(), folder(), {});
        QVERIFY(b);
        QCOMPARE(b->holders, (QStringList { "session 22222222", "web-2" }));
        auto missing = ConsulBudgetReader::holdersWithoutNode(kPrefix, folder());
        QVERIFY(missing);
        QCOMPARE(*missing, QStringList { s2 });
    }

    void maxOfflineKeyMissingOrMalformed()
    {
        auto missing = ConsulBudgetReader::compose("web", kPrefix, health(), folder(QByteArray()), sessions());
        QVERIFY(missing);
        QCOMPARE(missing->maxOffline, MaxOffline());
        QVERIFY(missing->maxOfflineWarning.isEmpty());
        auto malformed = ConsulBudgetReader::compose("web", kPrefix, health(), folder("lots"), sessions());
        QVERIFY(malformed);
        QCOMPARE(malformed->maxOffline.value(), 1);
        QVERIFY(malformed->maxOfflineWarning.contains("lots"));
        auto percent = ConsulBudgetReader::compose("web", kPrefix, health(), folder("40%"), sessions());
        QCOMPARE(percent->limit(), 2); // 40 % of 5
    }

    void unreadableSemaphoreIsAnError()
    {
        QList<Consul::KvEntry> wrongFlags = folder();
        wrongFlags[1].flags = Consul::kLockFlag;
        auto a = ConsulBudgetReader::compose("web", kPrefix, health(), wrongFlags, sessions());
        QVERIFY(!a);
        QCOMPARE(a.error().kind, Error::Kind::Conflict);
        QList<Consul::KvEntry> garbage = folder();
        garbage[1].value = "{\"Limit\":\"two\"}";
        auto b = ConsulBudgetReader::compose("web", kPrefix, health(), garbage, sessions());
        QVERIFY(!b);
        QCOMPARE(b.error().kind, Error::Kind::Decode);
        QList<Consul::KvEntry> noLock = folder();
        noLock.removeAt(1);
        auto c = ConsulBudgetReader::compose("web", kPrefix, health(), noLock, sessions());
        QVERIFY(c);
        QVERIFY(c->holders.isEmpty());
    }

    void readsWithConsistentReadsAndLooksUpSessionsOnlyWhenNeeded()
    {
        for (const bool needSessions : { false, true }) {
            Fake server;
            QVERIFY(server.listen());
            QList<Consul::KvEntry> entries = folder("2", "ops/baton/services/web/");
            if (!needSessions)
                entries.removeLast(); // only the gate's contender, which names its node
            server.setHandler([&](const Fake::Request &r) {
                if (r.path == "/v1/health/service/web")
                    return Fake::Response::json(healthJson(), 30);
                if (r.path == "/v1/kv/ops/baton/services/web/")
                    return Fake::Response::json(folderJson(entries), 31);
                if (r.path == "/v1/session/list")
                    return Fake::Response::json("[{\"ID\":\"" + s2.toLatin1() + "\",\"Node\":\"web-5\"}]", 32);
                return Fake::Response::text(404, "unexpected");
            });
            ConsulConfig config;
            config.address = server.url();
            ConsulClient client(config);
            ConsulBudgetReader reader(&client, "ops/baton"); // a prefix without the trailing slash
            QCOMPARE(reader.maxOfflineKey("web"), "ops/baton/services/web/max_offline");
            QCOMPARE(reader.lockKey("web"), "ops/baton/services/web/slots/.lock");
            std::optional<Result<ServiceBudget>> got;
            reader.read("web", this, [&](Result<ServiceBudget> b) { got = std::move(b); });
            QTRY_VERIFY(got.has_value());
            QVERIFY2(got->has_value(), got->has_value() ? "" : qPrintable(got->error().toString()));
            QCOMPARE((*got)->instances, 2);
            QCOMPARE((*got)->holders, needSessions ? (QStringList { "web-2", "web-5" }) : (QStringList { "web-2" }));
            QCOMPARE((*got)->offline, (QList<OfflinePeer> { { "web-2", "maintenance: job 7 by alice" } }));
            QCOMPARE(server.requestCount(), needSessions ? 3 : 2);
            for (const Fake::Request &r : server.requests())
                QVERIFY2(r.bareParams.contains("consistent"), r.target.constData());
        }
    }

    void anyFailedReadFailsTheBudget()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &r) {
            if (r.path.startsWith("/v1/health/"))
                return Fake::Response::text(500, "rpc error: No cluster leader");
            return Fake::Response::json("[]", 3);
        });
        ConsulConfig config;
        config.address = server.url();
        ConsulClient client(config);
        ConsulBudgetReader reader(&client);
        std::optional<Result<ServiceBudget>> got;
        reader.read("web", this, [&](Result<ServiceBudget> b) { got = std::move(b); });
        QTRY_VERIFY(got.has_value());
        QVERIFY(!got->has_value());
        QCOMPARE(got->error().httpStatus, 500);

        std::optional<Result<ServiceBudget>> bad;
        reader.read("we/b", this, [&](Result<ServiceBudget> b) { bad = std::move(b); });
        QVERIFY(!bad.has_value()); // never synchronous
        QTRY_VERIFY(bad.has_value());
        QCOMPARE(bad->error().kind, Error::Kind::InvalidInput);
    }

    void abortedReadNeverCallsBack()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &) {
            Fake::Response r;
            r.holdMs = 60000;
            return r;
        });
        ConsulConfig config;
        config.address = server.url();
        ConsulClient client(config);
        ConsulBudgetReader reader(&client);
        bool called = false;
        ConsulCall call = reader.read("web", this, [&](Result<ServiceBudget>) { called = true; });
        QTRY_COMPARE(server.heldCount(), 2);
        call.abort();
        QTRY_COMPARE(server.heldCount(), 0);
        QTRY_COMPARE(client.pendingCalls(), 0);
        QVERIFY(!called);

        auto *context = new QObject;
        reader.read("web", context, [&](Result<ServiceBudget>) { called = true; });
        QTRY_COMPARE(server.heldCount(), 2);
        delete context;
        QTRY_COMPARE(server.heldCount(), 0);
        QVERIFY(!called);
    }
};

QTEST_GUILESS_MAIN(tst_ConsulBudgetReader)
#include "tst_consulbudgetreader.moc"
