// ConsulClient against FakeConsulServer: what goes on the wire (encoding, headers, options), how answers and
// failures come back (typed errors, metadata), and the life-cycle rules (abort, context, no synchronous
// callbacks, body cap while downloading, timeouts). The same calls against consul-sim are in
// tst_consulclientsim.cpp.
#include "core/consul/consulclient.h"
#include "support/fakeconsulserver.h"
#include "support/testpaths.h"

#include <nlohmann/json.hpp>

#include <QLoggingCategory>
#include <QMutex>
#include <QProcessEnvironment>
#include <QSemaphore>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace Baton;
using Fake = FakeConsulServer;

namespace {

template<typename T> struct Waiter
{
    std::optional<ConsulReply<T>> reply;
    int calls = 0;
    ConsulClient::Callback<T> cb()
    {
        return [this](ConsulReply<T> r) {
            ++calls;
            reply = std::move(r);
        };
    }
    bool wait(int ms = 10000)
    {
        return QTest::qWaitFor([this] { return reply.has_value(); }, ms);
    }
};

QStringList g_log;
QMutex g_logMutex;
QtMessageHandler g_previous = nullptr;

void captureMessages(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log.append(message);
    }
    if (g_previous && type != QtDebugMsg)
        g_previous(type, context, message);
}

const char kCanary[] = "c4nary-70k3n-5ecret-0123456789";

} // namespace

class tst_ConsulClient : public QObject
{
    Q_OBJECT

    ConsulConfig configFor(const Fake &server) const
    {
        ConsulConfig c;
        c.address = server.url();
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QLoggingCategory::setFilterRules("baton.consul.debug=true");
        g_previous = qInstallMessageHandler(captureMessages);
    }

    void cleanupTestCase()
    {
        qInstallMessageHandler(g_previous);
        QMutexLocker lock(&g_logMutex);
        for (const QString &line : std::as_const(g_log))
            QVERIFY2(!line.contains(kCanary), qPrintable("token leaked into the log: " + line));
    }

    void tokenGoesOnlyIntoTheHeader()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &) { return Fake::Response::json("[]", 5); });
        ConsulConfig config = configFor(server);
        config.token = kCanary;
        ConsulClient client(config);
        Waiter<QList<Consul::Node>> w;
        client.catalogNodes({}, this, w.cb());
        QVERIFY(w.wait());
        QVERIFY(w.reply->result);
        QCOMPARE(server.requestCount(), 1);
        const Fake::Request &r = server.requests().first();
        QCOMPARE(r.header("X-Consul-Token"), QByteArray(kCanary));
        QVERIFY(!r.target.contains(kCanary));
        QVERIFY(!config.describe().contains(kCanary));
        QVERIFY(config.describe().contains("token=set"));
        QMutexLocker lock(&g_logMutex);
        QVERIFY2(!g_log.isEmpty(), "debug logging of requests is expected to be on in this test");
    }

    void tokenEchoedInAnErrorIsScrubbed()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &r) {
            return Fake::Response::text(403, "ACL not found for token " + r.header("X-Consul-Token"));
        });
        ConsulConfig config = configFor(server);
        config.token = kCanary;
        ConsulClient client(config);
        Waiter<Consul::AgentSelf> w;
        client.agentSelf(this, w.cb());
        QVERIFY(w.wait());
        QVERIFY(!w.reply->result);
        QCOMPARE(w.reply->result.error().kind, Error::Kind::Forbidden);
        QVERIFY(!w.reply->result.error().message.contains(kCanary));
        QVERIFY(w.reply->result.error().message.contains("<redacted>"));
    }

    void keysAndQueryValuesAreEncodedSoGoDecodesThemExactly()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &) { return Fake::Response::json("true"); });
        ConsulClient client(configFor(server));
        const QString key = QString::fromUtf8("a b/c+d%e?f#g&h=i/\xc3\xa9t\xc3\xa9");
        Waiter<bool> w;
        client.kvPut(key, "v", {}, {}, this, w.cb());
        QVERIFY(w.wait());
        QVERIFY(w.reply->result);
        QCOMPARE(QString::fromUtf8(server.requests().first().path), "/v1/kv/" + key);

        server.setHandler([](const Fake::Request &) { return Fake::Response::json("[]", 3); });
        Consul::QueryOptions options;
        options.filter = "Service.Tags contains \"a+b\" and Node.Meta[\"x\"] == \"1&2=3\"";
        options.tags = { "blue", "c d" };
        options.passingOnly = true;
        Waiter<QList<Consul::ServiceHealth>> h;
        client.healthService("web api", options, this, h.cb());
        QVERIFY(h.wait());
        QVERIFY(h.reply->result);
        const Fake::Request &r = server.requests().last();
        QCOMPARE(r.path, QByteArray("/v1/health/service/web api"));
        QCOMPARE(QString::fromUtf8(r.param("filter")), options.filter);
        QList<QByteArray> tags;
        for (const auto &p : r.params) {
            if (p.first == "tag")
                tags << p.second;
        }
        QCOMPARE(tags, (QList<QByteArray> { "blue", "c d" }));
        QVERIFY(r.bareParams.contains("passing"));
    }

    void queryOptionsBecomeConsulsParameters()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &) { return Fake::Response::json("{}", 9); });
        ConsulConfig config = configFor(server);
        config.datacenter = "dc1";
        ConsulClient client(config);

        Consul::QueryOptions blocking;
        blocking.index = 42;
        blocking.waitMs = 15000;
        blocking.consistency = Consul::Consistency::Consistent;
        Waiter<Consul::CatalogServices> a;
        client.catalogServices(blocking, this, a.cb());
        QVERIFY(a.wait());
        Fake::Request r = server.requests().last();
        QCOMPARE(r.param("index"), QByteArray("42"));
        QCOMPARE(r.param("wait"), QByteArray("15000ms"));
        QCOMPARE(r.param("dc"), QByteArray("dc1"));
        QVERIFY(r.bareParams.contains("consistent"));
        QVERIFY(!r.bareParams.contains("stale"));

        Consul::QueryOptions stale;
        stale.consistency = Consul::Consistency::Stale;
        stale.datacenter = "dc2";
        stale.waitMs = 5000; // without an index a wait means nothing and is not sent
        Waiter<Consul::CatalogServices> b;
        client.catalogServices(stale, this, b.cb());
        QVERIFY(b.wait());
        r = server.requests().last();
        QVERIFY(!r.hasParam("index"));
        QVERIFY(!r.hasParam("wait"));
        QCOMPARE(r.param("dc"), QByteArray("dc2"));
        QVERIFY(r.bareParams.contains("stale"));

        // The wait is capped at Consul's maximum of 10 minutes.
        Consul::QueryOptions long_;
        long_.index = 1;
        long_.waitMs = 60 * 60 * 1000;
        Waiter<Consul::CatalogServices> c;
        client.catalogServices(long_, this, c.cb());
        QVERIFY(c.wait());
        QCOMPARE(server.requests().last().param("wait"), QByteArray("600000ms"));
    }

    void blockingTimeoutAllowsForWaitAndJitter()
    {
        ConsulConfig config;
        config.requestTimeoutMs = 7000;
        config.blockingGraceMs = 2000;
        ConsulClient client(config);
        ConsulHttpRequest plain;
        QCOMPARE(client.timeoutFor(plain), 7000);
        ConsulHttpRequest blocking;
        Consul::QueryOptions o;
        o.index = 5;
        o.waitMs = 160000;
        client.addQueryOptions(blocking, o);
        QCOMPARE(client.timeoutFor(blocking), 160000 + 10000 + 2000);
        ConsulHttpRequest defaultWait;
        o.waitMs = 0; // Consul's default of 5 minutes applies
        client.addQueryOptions(defaultWait, o);
        QCOMPARE(client.timeoutFor(defaultWait), 300000 + 18750 + 2000);
    }

    void metadataComesFromTheHeaders()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &r) {
            Fake::Response resp = Fake::Response::json("[]", 1234567890123ULL);
            if (r.path.endsWith("bad")) {
                resp.index = QByteArray("12abc");
                resp.headers = { { "X-Consul-KnownLeader", "false" } };
            } else {
                resp.headers = { { "X-Consul-Effective-Consistency", "consistent" } };
            }
            return resp;
        });
        ConsulClient client(configFor(server));
        Waiter<QList<Consul::HealthCheck>> good;
        client.healthNode("good", {}, this, good.cb());
        QVERIFY(good.wait());
        QVERIFY(good.reply->meta.hasIndex);
        QCOMPARE(good.reply->meta.index, 1234567890123ULL);
        QVERIFY(good.reply->meta.knownLeader);
        QCOMPARE(good.reply->meta.lastContactMs, 0);
        QCOMPARE(good.reply->meta.httpStatus, 200);
        QCOMPARE(good.reply->meta.effectiveConsistency, "consistent");
        Waiter<QList<Consul::HealthCheck>> bad;
        client.healthNode("bad", {}, this, bad.cb());
        QVERIFY(bad.wait());
        QVERIFY(bad.reply->result); // a bad header is not a bad body
        QVERIFY(!bad.reply->meta.hasIndex);
    }

    void httpErrorsCarryConsulsPlainText_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("kind");
        QTest::newRow("403 anonymous") << 403
                                       << QByteArray(
                                              "Permission denied: anonymous token lacks permission 'key:read' on "
                                              "\"foo\". The anonymous token is used implicitly when a request "
                                              "does not specify a token.")
                                       << int(Error::Kind::Forbidden);
        QTest::newRow("403 unknown token") << 403 << QByteArray("ACL not found") << int(Error::Kind::Forbidden);
        QTest::newRow("400") << 400 << QByteArray("Invalid wait time") << int(Error::Kind::Http);
        QTest::newRow("429") << 429 << QByteArray("rate limit exceeded") << int(Error::Kind::Http);
        QTest::newRow("500") << 500 << QByteArray("No path to datacenter") << int(Error::Kind::Http);
        QTest::newRow("empty body") << 503 << QByteArray() << int(Error::Kind::Http);
    }

    void httpErrorsCarryConsulsPlainText()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(int, kind);
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([&](const Fake::Request &) {
            Fake::Response r = Fake::Response::text(status, body);
            r.index = QByteArray("77");
            return r;
        });
        ConsulClient client(configFor(server));
        Waiter<std::optional<Consul::KvEntry>> w;
        client.kvGet("foo", {}, this, w.cb());
        QVERIFY(w.wait());
        QVERIFY(!w.reply->result);
        const Error &e = w.reply->result.error();
        QCOMPARE(int(e.kind), kind);
        QCOMPARE(e.httpStatus, status);
        if (!body.isEmpty())
            QCOMPARE(e.message, QString::fromUtf8(body));
        else
            QVERIFY(!e.message.isEmpty());
        QCOMPARE(w.reply->meta.index, 77u); // metadata survives errors
    }

    void notFoundMeansEmptyWhereConsulMeansEmpty()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &r) {
            if (r.path.startsWith("/v1/session/renew/"))
                return Fake::Response::text(404, "Session id 'abc' not found");
            Fake::Response resp = Fake::Response::text(404, "");
            resp.index = QByteArray("88");
            return resp;
        });
        ConsulClient client(configFor(server));
        Waiter<std::optional<Consul::KvEntry>> get;
        client.kvGet("missing", {}, this, get.cb());
        QVERIFY(get.wait());
        QVERIFY(get.reply->result);
        QVERIFY(!get.reply->result->has_value());
        QCOMPARE(get.reply->meta.index, 88u);
        Waiter<QList<Consul::KvEntry>> list;
        client.kvList("nothing/", {}, this, list.cb());
        QVERIFY(list.wait());
        QVERIFY(list.reply->result);
        QVERIFY(list.reply->result->isEmpty());
        Waiter<QStringList> keys;
        client.kvKeys("nothing/", "/", {}, this, keys.cb());
        QVERIFY(keys.wait());
        QVERIFY(keys.reply->result && keys.reply->result->isEmpty());
        QVERIFY(server.requests().last().bareParams.contains("keys"));
        QCOMPARE(server.requests().last().param("separator"), QByteArray("/"));
        Waiter<Consul::Session> renew;
        client.sessionRenew("abc", {}, this, renew.cb());
        QVERIFY(renew.wait());
        QVERIFY(!renew.reply->result);
        QCOMPARE(renew.reply->result.error().kind, Error::Kind::NotFound);
        QCOMPARE(renew.reply->result.error().message, "Session id 'abc' not found");
    }

    void malformedBodiesAreDecodeErrorsNamingTheCall()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &r) {
            if (r.path.endsWith("truncated"))
                return Fake::Response::json("[{\"Node\":\"a\",");
            if (r.path.endsWith("deep"))
                return Fake::Response::json(QByteArray(100000, '['));
            return Fake::Response::json("[{\"CheckID\":42,\"Status\":\"passing\"}]");
        });
        ConsulClient client(configFor(server));
        for (const char *node : { "truncated", "deep", "wrongtype" }) {
            Waiter<QList<Consul::HealthCheck>> w;
            client.healthNode(node, {}, this, w.cb());
            QVERIFY(w.wait());
            QVERIFY(!w.reply->result);
            QCOMPARE(w.reply->result.error().kind, Error::Kind::Decode);
            QVERIFY2(w.reply->result.error().message.startsWith("GET /v1/health/node/"),
                qPrintable(w.reply->result.error().message));
        }
    }

    void transportFailuresAreNetworkErrors_data()
    {
        QTest::addColumn<int>("fault");
        QTest::newRow("closed without answer") << int(Fake::Response::Fault::CloseWithoutAnswer);
        QTest::newRow("truncated body") << int(Fake::Response::Fault::TruncateBody);
        QTest::newRow("not http") << int(Fake::Response::Fault::GarbageStatusLine);
    }

    void transportFailuresAreNetworkErrors()
    {
        QFETCH(int, fault);
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([&](const Fake::Request &) {
            Fake::Response r = Fake::Response::json("[{\"Node\":\"a\",\"Address\":\"10.0.0.1\"}]", 5);
            r.fault = Fake::Response::Fault(fault);
            return r;
        });
        ConsulClient client(configFor(server));
        Waiter<QList<Consul::Node>> w;
        client.catalogNodes({}, this, w.cb());
        QVERIFY(w.wait());
        QVERIFY(!w.reply->result);
        QCOMPARE(w.reply->result.error().kind, Error::Kind::Network);
    }

    void connectionRefusedIsANetworkError()
    {
        quint16 port = 0;
        {
            Fake server;
            QVERIFY(server.listen());
            port = server.port();
        }
        ConsulConfig config;
        config.address = QUrl(QString("http://127.0.0.1:%1").arg(port));
        ConsulClient client(config);
        Waiter<Consul::AgentSelf> w;
        client.agentSelf(this, w.cb());
        QVERIFY(w.wait());
        QVERIFY(!w.reply->result);
        QCOMPARE(w.reply->result.error().kind, Error::Kind::Network);
        QVERIFY(w.reply->result.error().message.contains(QString::number(port)));
    }

    void bodyIsCappedWhileItDownloads_data()
    {
        QTest::addColumn<int>("fault");
        QTest::newRow("endless chunked body") << int(Fake::Response::Fault::EndlessBody);
        QTest::newRow("1 TB content-length") << int(Fake::Response::Fault::HugeContentLength);
    }

    void bodyIsCappedWhileItDownloads()
    {
        QFETCH(int, fault);
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([&](const Fake::Request &) {
            Fake::Response r;
            r.fault = Fake::Response::Fault(fault);
            r.streamLimit = 512LL * 1024 * 1024;
            return r;
        });
        ConsulConfig config = configFor(server);
        config.maxBodyBytes = 1024 * 1024;
        ConsulClient client(config);
        Waiter<QList<Consul::ServiceHealth>> w;
        client.healthService("web", {}, this, w.cb());
        QVERIFY(w.wait(30000));
        QVERIFY(!w.reply->result);
        QCOMPARE(w.reply->result.error().kind, Error::Kind::TooLarge);
        // The client stopped reading long before the server's 512 MiB: the limit held during the download.
        QVERIFY2(server.bytesStreamed() < 64LL * 1024 * 1024, qPrintable(QString::number(server.bytesStreamed())));
        QTRY_COMPARE(server.openConnections(), 0);
    }

    void silentServerTimesOut()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &) {
            Fake::Response r;
            r.fault = Fake::Response::Fault::NeverAnswer;
            return r;
        });
        ConsulConfig config = configFor(server);
        config.requestTimeoutMs = 300;
        ConsulClient client(config);
        Waiter<QList<Consul::Session>> w;
        client.sessionList({}, this, w.cb());
        QVERIFY(w.wait());
        QVERIFY(!w.reply->result);
        QCOMPARE(w.reply->result.error().kind, Error::Kind::Timeout);
        QTRY_COMPARE(server.openConnections(), 0); // the connection is closed, not left hanging
    }

    void abortedCallNeverCallsBack()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setMode(Fake::Mode::Honest);
        server.setContent(50, "{}");
        ConsulClient client(configFor(server));
        Waiter<Consul::CatalogServices> w;
        Consul::QueryOptions blocking;
        blocking.index = 50;
        ConsulCall call = client.catalogServices(blocking, this, w.cb());
        QTRY_COMPARE(server.heldCount(), 1);
        QVERIFY(call.isActive());
        call.abort();
        QVERIFY(!call.isActive());
        QTRY_COMPARE(server.heldCount(), 0); // the server saw the connection go
        server.setContent(51, "{}");
        QTest::qWait(50);
        QCOMPARE(w.calls, 0);
        QTRY_COMPARE(client.pendingCalls(), 0);
    }

    void deadContextNeverCalledBack()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setContent(50, "{}");
        ConsulClient client(configFor(server));
        auto *context = new QObject;
        bool called = false;
        Consul::QueryOptions blocking;
        blocking.index = 50;
        ConsulCall call = client.catalogServices(
            blocking, context, [&called](ConsulReply<Consul::CatalogServices>) { called = true; });
        QTRY_COMPARE(server.heldCount(), 1);
        delete context;
        QVERIFY(!call.isActive());
        QTRY_COMPARE(server.heldCount(), 0);
        QTest::qWait(20);
        QVERIFY(!called);
    }

    void callbacksAreNeverSynchronous()
    {
        ConsulClient client(ConsulConfig {});
        Waiter<bool> w;
        Consul::KvPutOptions conflicting;
        conflicting.cas = 0;
        conflicting.acquire = "sid";
        client.kvPut("k", "v", conflicting, {}, this, w.cb());
        QCOMPARE(w.calls, 0);
        QVERIFY(w.wait());
        QCOMPARE(w.reply->result.error().kind, Error::Kind::InvalidInput);
        Waiter<bool> leading;
        client.kvPut("/k", "v", {}, {}, this, leading.cb());
        QVERIFY(leading.wait());
        QCOMPARE(leading.reply->result.error().kind, Error::Kind::InvalidInput);
        Waiter<bool> casRecurse;
        Consul::KvDeleteOptions del;
        del.recurse = true;
        del.cas = 3;
        client.kvDelete("k", del, {}, this, casRecurse.cb());
        QVERIFY(casRecurse.wait());
        QCOMPARE(casRecurse.reply->result.error().kind, Error::Kind::InvalidInput);
        Waiter<QList<Consul::HealthCheck>> state;
        client.healthState(Consul::CheckStatus::Unknown, {}, this, state.cb());
        QVERIFY(state.wait());
        QCOMPARE(state.reply->result.error().kind, Error::Kind::InvalidInput);
    }

    void clientMayBeDestroyedInsideACallback()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &) { return Fake::Response::json("[]", 2); });
        auto *client = new ConsulClient(configFor(server));
        bool secondCalled = false;
        bool firstCalled = false;
        Consul::QueryOptions blocking;
        server.setContent(9, "[]");
        client->catalogNodes({}, this, [&](ConsulReply<QList<Consul::Node>>) {
            firstCalled = true;
            delete client; // takes the other pending call with it
        });
        client->catalogNodes({}, this, [&](ConsulReply<QList<Consul::Node>>) { secondCalled = true; });
        QTRY_VERIFY(firstCalled);
        QTest::qWait(50);
        QVERIFY(!secondCalled);
    }

    void largeBodiesAreDecodedOffTheCallersThread()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &) {
            return Fake::Response::json("[{\"Node\":{\"Node\":\"web-1\"},\"Service\":{\"Service\":\"web\"},"
                                        "\"Checks\":[{\"CheckID\":\"serfHealth\",\"Status\":\"passing\"}]}]",
                12);
        });
        ConsulConfig config = configFor(server);
        config.offThreadDecodeBytes = 1; // everything counts as large
        ConsulClient client(config);
        Waiter<QList<Consul::ServiceHealth>> w;
        QThread *callbackThread = nullptr;
        client.healthService("web", {}, this, [&](ConsulReply<QList<Consul::ServiceHealth>> r) {
            callbackThread = QThread::currentThread();
            w.reply = std::move(r);
        });
        QVERIFY(w.wait());
        QCOMPARE(callbackThread, QThread::currentThread()); // delivered in the client's thread
        QCOMPARE(w.reply->result.value().first().node.name, "web-1");
        QCOMPARE(w.reply->meta.index, 12u);

        QThread *workThread = nullptr;
        bool finished = false;
        client.sendProcessed(
            ConsulHttpRequest { "GET", "/v1/health/service/web", {}, {}, {}, 0 }, this,
            [&workThread](Result<ConsulRawReply>) {
                workThread = QThread::currentThread();
                return std::shared_ptr<void>();
            },
            [&finished](std::shared_ptr<void>) { finished = true; });
        QTRY_VERIFY(finished);
        QVERIFY(workThread != nullptr);
        QVERIFY(workThread != QThread::currentThread());
    }

    void abortContextAndClientDeathDuringOffThreadWork_data()
    {
        QTest::addColumn<int>("how");
        QTest::newRow("abort") << 0;
        QTest::newRow("context destroyed") << 1;
        QTest::newRow("client destroyed") << 2;
    }

    void abortContextAndClientDeathDuringOffThreadWork()
    {
        QFETCH(int, how);
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &) { return Fake::Response::json("[]", 3); });
        ConsulConfig config = configFor(server);
        config.offThreadDecodeBytes = 1;
        auto client = std::make_unique<ConsulClient>(config);
        auto context = std::make_unique<QObject>();
        QSemaphore started;
        QSemaphore proceed;
        bool finished = false;
        ConsulCall call = client->sendProcessed(
            ConsulHttpRequest { "GET", "/v1/catalog/nodes", {}, {}, {}, 0 }, context.get(),
            [&started, &proceed](Result<ConsulRawReply>) {
                started.release();
                proceed.acquire(); // hold the worker until the test has done its damage
                return std::shared_ptr<void>(std::make_shared<int>(1));
            },
            [&finished](std::shared_ptr<void>) { finished = true; });
        QTRY_VERIFY(started.available() == 1);
        if (how == 0)
            call.abort();
        else if (how == 1)
            context.reset();
        else
            client.reset();
        QVERIFY(!call.isActive());
        proceed.release();
        QTest::qWait(50);
        QVERIFY(!finished);
        if (client)
            QTRY_COMPARE(client->pendingCalls(), 0);
    }

    void kvWritesSendExactFlagsAndBytes()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &) { return Fake::Response::json("true"); });
        ConsulClient client(configFor(server));
        const QByteArray value("\x00\x01\xff{binary}", 10);
        Consul::KvPutOptions put;
        put.flags = Consul::kSemaphoreFlag;
        put.cas = 0;
        Waiter<bool> w;
        client.kvPut("baton/services/web/slots/.lock", value, put, {}, this, w.cb());
        QVERIFY(w.wait());
        QVERIFY(w.reply->result && *w.reply->result);
        Fake::Request r = server.requests().last();
        QCOMPARE(r.method, QByteArray("PUT"));
        QCOMPARE(r.param("flags"), QByteArray("16210313421097356768"));
        QCOMPARE(r.param("cas"), QByteArray("0"));
        QCOMPARE(r.body, value);

        Consul::KvPutOptions acquire;
        acquire.acquire = "sid-1";
        Waiter<bool> a;
        client.kvPut("lock", QByteArray(), acquire, {}, this, a.cb());
        QVERIFY(a.wait());
        r = server.requests().last();
        QCOMPARE(r.param("acquire"), QByteArray("sid-1"));
        QVERIFY(!r.hasParam("flags"));
        QVERIFY(!r.hasParam("cas"));

        Consul::KvDeleteOptions del;
        del.recurse = true;
        Waiter<bool> d;
        client.kvDelete("baton/services/web/", del, {}, this, d.cb());
        QVERIFY(d.wait());
        r = server.requests().last();
        QCOMPARE(r.method, QByteArray("DELETE"));
        QCOMPARE(r.path, QByteArray("/v1/kv/baton/services/web/"));
        QVERIFY(r.bareParams.contains("recurse"));

        server.setHandler([](const Fake::Request &) { return Fake::Response::json("false"); });
        Consul::KvDeleteOptions cas;
        cas.cas = 17;
        Waiter<bool> c;
        client.kvDelete("k", cas, {}, this, c.cb());
        QVERIFY(c.wait());
        QVERIFY(c.reply->result);
        QVERIFY(!*c.reply->result);
        QCOMPARE(server.requests().last().param("cas"), QByteArray("17"));
    }

    void sessionsAgentAndTxnCallsUseConsulsPaths()
    {
        Fake server;
        QVERIFY(server.listen());
        server.setHandler([](const Fake::Request &r) {
            if (r.path == "/v1/session/create")
                return Fake::Response::json("{\"ID\":\"adf4238a-882b-9ddc-4a9d-5b6758e4159e\"}");
            if (r.path.startsWith("/v1/session/renew/"))
                return Fake::Response::json("[{\"ID\":\"adf4238a-882b-9ddc-4a9d-5b6758e4159e\",\"TTL\":\"60s\","
                                            "\"Behavior\":\"delete\",\"LockDelay\":1000000000}]");
            if (r.path == "/v1/txn")
                return Fake::Response::text(409,
                    "{\"Results\":null,\"Errors\":[{\"OpIndex\":1,\"What\":"
                    "\"failed to set key \\\"a\\\", index is stale\"}]}");
            return Fake::Response::json("");
        });
        ConsulClient client(configFor(server));

        Consul::SessionSpec spec;
        spec.name = "baton web-1";
        spec.ttlMs = 30000;
        spec.behavior = Consul::SessionBehavior::Delete;
        spec.lockDelayMs = 1000;
        spec.nodeChecks = QStringList { "serfHealth" };
        Waiter<QString> create;
        client.sessionCreate(spec, {}, this, create.cb());
        QVERIFY(create.wait());
        QCOMPARE(create.reply->result.value(), "adf4238a-882b-9ddc-4a9d-5b6758e4159e");
        const nlohmann::json body = nlohmann::json::parse(server.requests().last().body.toStdString());
        QCOMPARE(QString::fromStdString(body.at("TTL").get<std::string>()), "30s");
        QCOMPARE(QString::fromStdString(body.at("Behavior").get<std::string>()), "delete");
        QCOMPARE(QString::fromStdString(body.at("LockDelay").get<std::string>()), "1s");

        Waiter<Consul::Session> renew;
        client.sessionRenew("adf4238a-882b-9ddc-4a9d-5b6758e4159e", {}, this, renew.cb());
        QVERIFY(renew.wait());
        QCOMPARE(renew.reply->result.value().ttlMs, 60000); // larger than asked: the caller renews by this
        QCOMPARE(server.requests().last().method, QByteArray("PUT"));

        Waiter<void> maint;
        client.agentNodeMaintenance(true, "job 7 by alice: upgrade", this, maint.cb());
        QVERIFY(maint.wait());
        QVERIFY(maint.reply->result);
        Fake::Request r = server.requests().last();
        QCOMPARE(r.method, QByteArray("PUT"));
        QCOMPARE(r.path, QByteArray("/v1/agent/maintenance"));
        QCOMPARE(r.param("enable"), QByteArray("true"));
        QCOMPARE(r.param("reason"), QByteArray("job 7 by alice: upgrade"));

        Waiter<void> smaint;
        client.agentServiceMaintenance("web-1", false, "ignored", this, smaint.cb());
        QVERIFY(smaint.wait());
        r = server.requests().last();
        QCOMPARE(r.path, QByteArray("/v1/agent/service/maintenance/web-1"));
        QCOMPARE(r.param("enable"), QByteArray("false"));
        QVERIFY(!r.hasParam("reason"));

        Waiter<void> ttl;
        client.agentCheckTtl("service:web-1", Consul::TtlStatus::Warn, "slow", this, ttl.cb());
        QVERIFY(ttl.wait());
        r = server.requests().last();
        QCOMPARE(r.path, QByteArray("/v1/agent/check/warn/service:web-1"));
        QCOMPARE(r.param("note"), QByteArray("slow"));

        Waiter<void> update;
        client.agentCheckUpdate("web-ttl", Consul::CheckStatus::Critical, "down", this, update.cb());
        QVERIFY(update.wait());
        r = server.requests().last();
        QCOMPARE(r.path, QByteArray("/v1/agent/check/update/web-ttl"));
        QCOMPARE(nlohmann::json::parse(r.body.toStdString()).at("Status").get<std::string>(), std::string("critical"));

        Waiter<Consul::TxnResult> txn;
        client.txn({ Consul::TxnOp::set("a", "1"), Consul::TxnOp::cas("a", "2", 5) }, {}, this, txn.cb());
        QVERIFY(txn.wait());
        QVERIFY(txn.reply->result);
        QVERIFY(!txn.reply->result->committed);
        QCOMPARE(txn.reply->result->errors.first().opIndex, 1);
    }

    void httpsTrustsOnlyTheConfiguredCa()
    {
        const QString tls = TestPaths::testDataDir() + "/tls/";
        Fake server;
        QVERIFY(server.listenTls(tls + "server.pem", tls + "server.key"));
        QCOMPARE(server.url().scheme(), "https");
        server.setHandler([](const Fake::Request &) { return Fake::Response::json("[]", 4); });

        ConsulConfig trusted;
        trusted.address = server.url();
        trusted.caFile = tls + "ca.pem";
        trusted.token = kCanary;
        ConsulClient good(trusted);
        QVERIFY(!good.configError());
        Waiter<QList<Consul::Node>> ok;
        good.catalogNodes({}, this, ok.cb());
        QVERIFY(ok.wait());
        QVERIFY2(ok.reply->result, ok.reply->result ? "" : qPrintable(ok.reply->result.error().toString()));
        QCOMPARE(server.requestCount(), 1);
        QCOMPARE(server.requests().first().header("X-Consul-Token"), QByteArray(kCanary));

        // The system trust store and an unrelated CA both refuse the certificate: the handshake fails before
        // a single request byte (and so the token) is sent.
        for (const QString &ca : { QString(), tls + "other-ca.pem" }) {
            ConsulConfig untrusted = trusted;
            untrusted.caFile = ca;
            ConsulClient bad(untrusted);
            Waiter<QList<Consul::Node>> refused;
            bad.catalogNodes({}, this, refused.cb());
            QVERIFY(refused.wait());
            QVERIFY(!refused.reply->result);
            QCOMPARE(refused.reply->result.error().kind, Error::Kind::Network);
            QCOMPARE(server.requestCount(), 1);
        }
    }

    void unusableConfigFailsEveryCall()
    {
        ConsulConfig missingCa;
        missingCa.caFile = "/nonexistent/ca.pem";
        ConsulClient client(missingCa);
        QVERIFY(client.configError().has_value());
        QCOMPARE(client.configError()->kind, Error::Kind::Io);
        Waiter<Consul::AgentSelf> w;
        client.agentSelf(this, w.cb());
        QVERIFY(w.wait());
        QCOMPARE(w.reply->result.error().kind, Error::Kind::Io);

        ConsulConfig badAddress;
        badAddress.address = QUrl("ftp://consul:21");
        QVERIFY(ConsulClient(badAddress).configError().has_value());
        ConsulConfig newlineToken;
        newlineToken.token = "abc\r\nX-Injected: 1";
        QVERIFY(ConsulClient(newlineToken).configError().has_value());
    }

    void configFromConsulsEnvironment()
    {
        QProcessEnvironment env;
        env.insert("CONSUL_HTTP_ADDR", "10.0.0.5:8500");
        env.insert("CONSUL_HTTP_TOKEN", "  tok  ");
        auto c = ConsulConfig::fromEnvironment(env);
        QVERIFY(c);
        QCOMPARE(c->address, QUrl("http://10.0.0.5:8500"));
        QCOMPARE(c->token, "tok");
        env.insert("CONSUL_HTTP_SSL", "true");
        QCOMPARE(ConsulConfig::fromEnvironment(env)->address, QUrl("https://10.0.0.5:8500"));
        env.insert("CONSUL_HTTP_ADDR", "http://consul.local:8500");
        QCOMPARE(ConsulConfig::fromEnvironment(env)->address, QUrl("http://consul.local:8500"));

        QTemporaryDir dir;
        QFile tokenFile(dir.filePath("token"));
        QVERIFY(tokenFile.open(QIODevice::WriteOnly));
        tokenFile.write("from-file\n");
        tokenFile.close();
        QProcessEnvironment fileEnv;
        fileEnv.insert("CONSUL_HTTP_TOKEN_FILE", tokenFile.fileName());
        QCOMPARE(ConsulConfig::fromEnvironment(fileEnv)->token, "from-file");
        fileEnv.insert("CONSUL_HTTP_TOKEN_FILE", dir.filePath("missing"));
        QCOMPARE(ConsulConfig::fromEnvironment(fileEnv).error().kind, Error::Kind::Io);

        QProcessEnvironment bad;
        bad.insert("CONSUL_HTTP_ADDR", "unix:///var/run/consul.sock");
        QVERIFY(!ConsulConfig::fromEnvironment(bad));
        QVERIFY(!ConsulConfig::parseAddress("http://user:pw@host:8500"));
        QVERIFY(!ConsulConfig::parseAddress("   "));
        QCOMPARE(ConsulConfig::fromEnvironment(QProcessEnvironment())->address, QUrl("http://127.0.0.1:8500"));
    }
};

QTEST_GUILESS_MAIN(tst_ConsulClient)
#include "tst_consulclient.moc"
