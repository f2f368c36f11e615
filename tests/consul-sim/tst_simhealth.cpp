// Catalog, health and agent endpoints of consul-sim: shapes, filters, maintenance as critical checks in every
// view, TTL and HTTP checks, agent-local endpoints (consul-api.md §2-§4, §10.7-10).
#include "support/consulsimfixture.h"

#include <set>

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

using Baton::Test::ConsulSimFixture;
using json = nlohmann::json;
using Reply = ConsulSimFixture::Reply;

namespace {

const char *const kNodeMaintDefault
    = "Maintenance mode is enabled for this node, but no reason was provided. This is a default message.";
const char *const kServiceMaintDefault
    = "Maintenance mode is enabled for this service, but no reason was provided. This is a default message.";

// A tiny HTTP server for HTTP checks: answers every request with the status and body it is told to.
class CheckTarget : public QObject
{
public:
    int status = 200;
    QByteArray reason = "OK";
    QByteArray body = "all good";
    int hits = 0;

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QString url() const { return QString("http://127.0.0.1:%1/health").arg(m_server.serverPort()); }

    CheckTarget()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [this, s] {
                    if (!s->readAll().contains("\r\n\r\n"))
                        return;
                    ++hits;
                    s->write("HTTP/1.1 " + QByteArray::number(status) + " " + reason + "\r\nContent-Length: "
                        + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
                    s->disconnectFromHost();
                });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }

private:
    QTcpServer m_server;
};

// A copy of the check with that ID, or null: callers often pass a temporary body.
json findCheck(const json &checks, const std::string &id)
{
    for (const json &c : checks) {
        if (c.value("CheckID", "") == id)
            return c;
    }
    return json();
}

bool hasCheck(const json &checks, const std::string &id)
{
    return !findCheck(checks, id).is_null();
}

} // namespace

class TstSimHealth : public QObject
{
    Q_OBJECT

private:
    ConsulSimFixture sim;
    Reply get(const QString &path, const QString &node = "web-1") { return sim.request("GET", node, path); }
    Reply put(const QString &path, const QByteArray &body = {}, const QString &node = "web-1")
    {
        return sim.request("PUT", node, path, body);
    }
    quint64 index(const Reply &r) { return r.header("X-Consul-Index").toULongLong(); }

private Q_SLOTS:
    void initTestCase()
    {
        const json web1 = ConsulSimFixture::service(
            "web", "web", 8080, { "blue", "v1" }, json::array({ ConsulSimFixture::ttlCheck("web-ttl", "1h") }));
        const json web2 = ConsulSimFixture::service(
            "web", "web", 8080, { "green", "v1" }, json::array({ ConsulSimFixture::ttlCheck("web-ttl", "1h") }));
        const json db = ConsulSimFixture::service(
            "db-main", "db", 5432, {}, json::array({ ConsulSimFixture::ttlCheck("db-ttl", "1h") }));
        const json config
            = { { "nodes",
                    { ConsulSimFixture::node("web-1", json::array({ web1 }), json::object({ { "rack", "a" } })),
                        ConsulSimFixture::node("web-2", json::array({ web2, db }), json::object({ { "rack", "b" } })),
                        ConsulSimFixture::node("bare") } },
                  { "timing", ConsulSimFixture::fastTiming() } };
        QVERIFY2(sim.start(config), qPrintable(sim.errorString()));
    }

    void catalogServicesIsTagUnion()
    {
        const Reply r = get("/v1/catalog/services");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("X-Consul-Effective-Consistency"), QByteArray("leader"));
        const json s = r.json();
        QVERIFY(s.is_object());
        QVERIFY(s.contains("consul"));
        QCOMPARE(s["consul"].dump(), std::string("[]"));
        QCOMPARE(s["db"].dump(), std::string("[]"));
        std::set<std::string> tags(s["web"].begin(), s["web"].end());
        QCOMPARE(tags, (std::set<std::string> { "blue", "green", "v1" }));
    }

    void catalogServiceAndFilters()
    {
        Reply r = get("/v1/catalog/service/web");
        QCOMPARE(r.json().size(), std::size_t(2));
        const json all = r.json();
        const json &e = all[0];
        QCOMPARE(e["Node"].get<std::string>(), std::string("web-1"));
        QCOMPARE(e["ServiceID"].get<std::string>(), std::string("web"));
        QVERIFY(e["ServiceTags"].is_array());
        QVERIFY(e["NodeMeta"].is_object());
        QCOMPARE(e["ServiceWeights"].dump(), std::string("{\"Passing\":1,\"Warning\":1}"));
        QVERIFY(!e.contains("Namespace"));
        r = get("/v1/catalog/service/web?tag=v1&tag=green");
        QCOMPARE(r.json().size(), std::size_t(1));
        QCOMPARE(r.json()[0]["Node"].get<std::string>(), std::string("web-2"));
        r = get("/v1/catalog/service/web?node-meta=rack:a");
        QCOMPARE(r.json().size(), std::size_t(1));
        r = get("/v1/catalog/service/web?filter=" + QUrl::toPercentEncoding("NodeMeta.rack == \"b\""));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().size(), std::size_t(1));
        QCOMPARE(r.json()[0]["Node"].get<std::string>(), std::string("web-2"));
        r = get("/v1/catalog/service/web?filter=" + QUrl::toPercentEncoding("\"blue\" in ServiceTags"));
        QCOMPARE(r.json().size(), std::size_t(1));
        QCOMPARE(get("/v1/catalog/service/nothing").body, QByteArray("[]"));
        QCOMPARE(get("/v1/catalog/service/").body, QByteArray("Missing service name"));
    }

    void badFilterIs500()
    {
        Reply r = get("/v1/catalog/service/web?filter=" + QUrl::toPercentEncoding("NodeMeta.rack == "));
        QCOMPARE(r.status, 500);
        QVERIFY(r.body.startsWith("Failed to create boolean expression evaluator: "));
        r = get("/v1/health/service/web?filter=" + QUrl::toPercentEncoding("Bogus.Field == \"x\""));
        QCOMPARE(r.status, 500);
        QVERIFY(r.body.startsWith("Failed to create boolean expression evaluator: "));
        r = get("/v1/agent/checks?filter=" + QUrl::toPercentEncoding("Status ="));
        QCOMPARE(r.status, 500);
    }

    void catalogNodes()
    {
        const Reply r = get("/v1/catalog/nodes");
        const json nodes = r.json();
        QCOMPARE(nodes.size(), std::size_t(3));
        QCOMPARE(nodes[0]["Node"].get<std::string>(), std::string("bare"));
        QCOMPARE(nodes[1]["Meta"]["rack"].get<std::string>(), std::string("a"));
        QVERIFY(nodes[1]["Meta"].contains("consul-network-segment"));
        QCOMPARE(nodes[1]["TaggedAddresses"]["lan"].get<std::string>(), std::string("127.0.0.1"));
        QCOMPARE(get("/v1/catalog/nodes?filter=" + QUrl::toPercentEncoding("Meta.rack == \"b\"")).json().size(),
            std::size_t(1));
    }

    void catalogNode()
    {
        Reply r = get("/v1/catalog/node/unknown-node");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("null"));
        QVERIFY(index(r) >= 1);
        r = get("/v1/catalog/node/web-2");
        const json n = r.json();
        QCOMPARE(n["Node"]["Node"].get<std::string>(), std::string("web-2"));
        QVERIFY(n["Services"].contains("db-main"));
        QCOMPARE(n["Services"]["db-main"]["Service"].get<std::string>(), std::string("db"));
        QCOMPARE(n["Services"]["db-main"]["Tags"].dump(), std::string("[]"));
        QCOMPARE(get("/v1/catalog/node/").body, QByteArray("Missing node name"));
        QCOMPARE(get("/v1/catalog/datacenters").body, QByteArray("[\"dc1\"]"));
    }

    void healthServiceIncludesNodeChecks()
    {
        const json entries = get("/v1/health/service/web").json();
        QCOMPARE(entries.size(), std::size_t(2));
        for (const json &e : entries) {
            QVERIFY(e.contains("Node") && e.contains("Service") && e.contains("Checks"));
            QVERIFY(hasCheck(e["Checks"], "serfHealth"));
            QVERIFY(hasCheck(e["Checks"], "web-ttl"));
            QVERIFY(!hasCheck(e["Checks"], "db-ttl")); // another instance's check
            QCOMPARE(e["Service"]["Tags"].is_array(), true);
        }
        QCOMPARE(get("/v1/health/service/web").header("X-Consul-Query-Backend"), QByteArray("blocking-query"));
        QCOMPARE(get("/v1/health/service/none").body, QByteArray("[]"));
    }

    void passingFilter()
    {
        QCOMPARE(put("/v1/agent/check/warn/web-ttl?note=slow", {}, "web-2").status, 200);
        QCOMPARE(get("/v1/health/service/web?passing").json().size(), std::size_t(1));
        QCOMPARE(get("/v1/health/service/web?passing=1").json().size(), std::size_t(1));
        QCOMPARE(get("/v1/health/service/web?passing=false").json().size(), std::size_t(2));
        const Reply bad = get("/v1/health/service/web?passing=maybe");
        QCOMPARE(bad.status, 400);
        QCOMPARE(bad.body, QByteArray("Invalid value for ?passing"));
        QCOMPARE(put("/v1/agent/check/pass/web-ttl", {}, "web-2").status, 200);
        QCOMPARE(get("/v1/health/service/web?passing").json().size(), std::size_t(2));
        const Reply filtered
            = get("/v1/health/service/web?filter=" + QUrl::toPercentEncoding("Checks.Status == \"warning\""));
        QCOMPARE(filtered.json().size(), std::size_t(0));
    }

    void healthNodeChecksState()
    {
        const json node = get("/v1/health/node/web-2").json();
        QCOMPARE(node.size(), std::size_t(3)); // serfHealth, db-ttl, web-ttl
        QCOMPARE(node[0]["CheckID"].get<std::string>(), std::string("db-ttl"));
        QCOMPARE(get("/v1/health/node/nobody").body, QByteArray("[]"));
        QCOMPARE(get("/v1/health/node/").body, QByteArray("Missing node name"));
        const json checks = get("/v1/health/checks/web").json();
        QCOMPARE(checks.size(), std::size_t(2));
        for (const json &c : checks)
            QCOMPARE(c["ServiceName"].get<std::string>(), std::string("web"));
        QCOMPARE(get("/v1/health/state/any").json().size(), std::size_t(6)); // 3 × serfHealth + 3 service checks
        QCOMPARE(get("/v1/health/state/bogus").body, QByteArray("[]"));
        QCOMPARE(get("/v1/health/state/").body, QByteArray("Missing check state"));
        const json hc = node[1];
        QVERIFY(hc["ServiceTags"].is_array());
        QVERIFY(hc["Definition"].is_object());
        QCOMPARE(hc["ExposedPort"].get<int>(), 0);
    }

    void nodeMaintenanceShowsEverywhere()
    {
        const quint64 before = index(get("/v1/health/service/web"));
        QCOMPARE(sim.request("GET", "web-1", "/v1/agent/maintenance?enable=true").status, 405);
        Reply r = put("/v1/agent/maintenance");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Missing value for enable"));
        r = put("/v1/agent/maintenance?enable=maybe");
        QCOMPARE(r.body, QByteArray("Invalid value for enable: \"maybe\""));
        r = put("/v1/agent/maintenance?enable=true");
        QCOMPARE(r.status, 200);
        QVERIFY(r.body.isEmpty());
        QCOMPARE(put("/v1/agent/maintenance?enable=true&reason=second").status, 200); // keeps the first note

        const json entries = get("/v1/health/service/web").json();
        QVERIFY(index(get("/v1/health/service/web")) > before);
        json maint = findCheck(entries[0]["Checks"], "_node_maintenance");
        QVERIFY(!maint.is_null());
        QCOMPARE(maint["Name"].get<std::string>(), std::string("Node Maintenance Mode"));
        QCOMPARE(maint["Status"].get<std::string>(), std::string("critical"));
        QCOMPARE(maint["Notes"].get<std::string>(), std::string(kNodeMaintDefault));
        QCOMPARE(maint["ServiceID"].get<std::string>(), std::string(""));
        QVERIFY(!hasCheck(entries[1]["Checks"], "_node_maintenance")); // the other node is not in maintenance
        QVERIFY(hasCheck(get("/v1/health/node/web-1").json(), "_node_maintenance"));
        QVERIFY(hasCheck(get("/v1/health/state/critical").json(), "_node_maintenance"));
        QVERIFY(get("/v1/agent/checks").json().contains("_node_maintenance"));
        QVERIFY(!get("/v1/agent/checks", "web-2").json().contains("_node_maintenance"));
        const json passing = get("/v1/health/service/web?passing").json();
        QCOMPARE(passing.size(), std::size_t(1));
        QCOMPARE(passing[0]["Node"]["Node"].get<std::string>(), std::string("web-2"));

        QCOMPARE(put("/v1/agent/maintenance?enable=false").status, 200);
        QVERIFY(!hasCheck(get("/v1/health/node/web-1").json(), "_node_maintenance"));
        QCOMPARE(get("/v1/health/service/web?passing").json().size(), std::size_t(2));
    }

    void serviceMaintenance()
    {
        Reply r = put("/v1/agent/service/maintenance/nope?enable=true");
        QCOMPARE(r.status, 404);
        QCOMPARE(r.body, QByteArray("No service registered with ID \"nope\""));
        QCOMPARE(put("/v1/agent/service/maintenance/nope?enable=false").status, 404);
        QCOMPARE(put("/v1/agent/service/maintenance/?enable=true").body, QByteArray("Missing service ID"));
        QCOMPARE(put("/v1/agent/service/maintenance/web").body, QByteArray("Missing value for enable"));
        r = put("/v1/agent/service/maintenance/db-main?enable=true&reason=draining+for+upgrade", {}, "web-2");
        QCOMPARE(r.status, 200);
        json m = findCheck(get("/v1/health/node/web-2").json(), "_service_maintenance:db-main");
        QVERIFY(!m.is_null());
        QCOMPARE(m["Name"].get<std::string>(), std::string("Service Maintenance Mode"));
        QCOMPARE(m["Notes"].get<std::string>(), std::string("draining for upgrade"));
        QCOMPARE(m["ServiceID"].get<std::string>(), std::string("db-main"));
        QCOMPARE(m["ServiceName"].get<std::string>(), std::string("db"));
        QCOMPARE(get("/v1/health/service/db?passing").body, QByteArray("[]"));
        QCOMPARE(get("/v1/health/service/web?passing").json().size(), std::size_t(2)); // only db is affected
        QCOMPARE(put("/v1/agent/service/maintenance/web?enable=true", {}, "web-1").status, 200);
        json d = findCheck(get("/v1/health/checks/web").json(), "_service_maintenance:web");
        QVERIFY(!d.is_null());
        QCOMPARE(d["Notes"].get<std::string>(), std::string(kServiceMaintDefault));
        QCOMPARE(put("/v1/agent/service/maintenance/web?enable=false").status, 200);
        QCOMPARE(put("/v1/agent/service/maintenance/db-main?enable=false", {}, "web-2").status, 200);
        QVERIFY(!hasCheck(get("/v1/health/state/any").json(), "_service_maintenance:db-main"));
    }

    void ttlUpdateEndpoints()
    {
        Reply r = put("/v1/agent/check/pass/web-ttl?note=fine");
        QCOMPARE(r.status, 200);
        json c = findCheck(get("/v1/health/node/web-1").json(), "web-ttl");
        QCOMPARE(c["Output"].get<std::string>(), std::string("fine"));
        r = put("/v1/agent/check/update/web-ttl", "{\"Status\":\"warning\",\"Output\":\"hot\"}");
        QCOMPARE(r.status, 200);
        c = findCheck(get("/v1/health/node/web-1").json(), "web-ttl");
        QCOMPARE(c["Status"].get<std::string>(), std::string("warning"));
        QCOMPARE(c["Output"].get<std::string>(), std::string("hot"));
        r = put("/v1/agent/check/update/web-ttl", "{\"Status\":\"sideways\"}");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Invalid check status: \"sideways\""));
        r = put("/v1/agent/check/pass/nope");
        QCOMPARE(r.status, 404);
        QVERIFY(r.body.startsWith("Unknown check ID \"nope\""));
        // The check lives on web-1's agent; web-2's agent does not know it.
        QCOMPARE(put("/v1/agent/check/pass/db-ttl").status, 404);
        QCOMPARE(put("/v1/agent/check/pass/web-ttl").status, 200);
        QCOMPARE(sim.request("GET", "web-1", "/v1/agent/check/pass/web-ttl").status, 405);
    }

    void agentSelfShape()
    {
        const json self = get("/v1/agent/self").json();
        for (auto it = self.begin(); it != self.end(); ++it)
            QVERIFY2(it.value().is_object() || it.value().is_null(), it.key().c_str());
        QCOMPARE(self["Config"]["NodeName"].get<std::string>(), std::string("web-1"));
        QCOMPARE(self["Config"]["Datacenter"].get<std::string>(), std::string("dc1"));
        QCOMPARE(self["Config"]["Server"].get<bool>(), true);
        QCOMPARE(get("/v1/agent/self", "web-2").json()["Config"]["Server"].get<bool>(), false);
        QCOMPARE(self["Member"]["Status"].get<int>(), 1);
        QCOMPARE(self["Meta"]["rack"].get<std::string>(), std::string("a"));
        const json services = get("/v1/agent/services", "web-2").json();
        QCOMPARE(services.size(), std::size_t(2));
        QCOMPARE(services["db-main"]["Service"].get<std::string>(), std::string("db"));
        QCOMPARE(services["db-main"]["Datacenter"].get<std::string>(), std::string("dc1"));
        QVERIFY(!get("/v1/agent/services").json().contains("consul")); // the leader's, not the agent's
        const json checks = get("/v1/agent/checks", "web-2").json();
        QVERIFY(checks.contains("db-ttl"));
        QVERIFY(!checks.contains("serfHealth"));
        QCOMPARE(checks["db-ttl"]["CreateIndex"].get<int>(), 0);
        QCOMPARE(get("/v1/agent/members").json().size(), std::size_t(3));
        const Reply one = get("/v1/agent/service/web");
        QCOMPARE(one.status, 200);
        QVERIFY(!one.header("X-Consul-Contenthash").isEmpty());
        QCOMPARE(get("/v1/agent/service/nope").status, 404);
    }

    void statusEndpoints()
    {
        QCOMPARE(get("/v1/status/leader").body, QByteArray("\"127.0.0.1:8300\""));
        QCOMPARE(get("/v1/status/peers", "web-2").body, QByteArray("[\"127.0.0.1:8300\"]"));
        QCOMPARE(sim.request("PUT", "web-1", "/v1/status/leader").status, 405);
    }

    void agentServiceHashBlocking()
    {
        const Reply first = get("/v1/agent/service/web");
        const QByteArray hash = first.header("X-Consul-Contenthash");
        QElapsedTimer t;
        t.start();
        const Reply same = get("/v1/agent/service/web?hash=" + hash + "&wait=300ms");
        QVERIFY(t.elapsed() >= 300);
        QCOMPARE(same.header("X-Consul-Contenthash"), hash);
    }

    void enterpriseParamsAndOtherDcs()
    {
        Reply r = get("/v1/catalog/nodes?ns=team");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Invalid query parameter: \"ns\" - Namespaces are a Consul Enterprise feature"));
        r = get("/v1/kv/x?dc=dc9");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("No path to datacenter"));
        QCOMPARE(get("/v1/catalog/nodes?dc=dc1").status, 200);
    }

    void perServiceIndexes()
    {
        const quint64 webIdx = index(get("/v1/health/service/web"));
        const quint64 dbIdx = index(get("/v1/health/service/db"));
        QCOMPARE(put("/v1/agent/check/fail/db-ttl", {}, "web-2").status, 200);
        QCOMPARE(index(get("/v1/health/service/web")), webIdx); // another service's check
        QVERIFY(index(get("/v1/health/service/db")) > dbIdx);
        put("/v1/kv/noise", "1");
        QCOMPARE(index(get("/v1/health/service/web")), webIdx);
        const quint64 nodesIdx = index(get("/v1/catalog/nodes"));
        QCOMPARE(put("/v1/agent/check/warn/web-ttl").status, 200);
        QCOMPARE(index(get("/v1/catalog/nodes")), nodesIdx); // the nodes table ignores checks
        QVERIFY(index(get("/v1/health/service/web")) > webIdx);
        // A node-level check touches every service on that node.
        QVERIFY(sim.setCheck("web-2", "serfHealth", "warning"));
        QVERIFY(index(get("/v1/health/service/db")) > dbIdx);
        QVERIFY(sim.setCheck("web-2", "serfHealth", "passing"));
        put("/v1/agent/check/pass/db-ttl", {}, "web-2");
        put("/v1/agent/check/pass/web-ttl");
    }

    void ttlCheckExpires()
    {
        ConsulSimFixture local;
        json n = ConsulSimFixture::node("n1");
        n["checks"] = json::array({ { { "id", "beat" }, { "ttl", "300ms" }, { "status", "passing" } } });
        QVERIFY2(local.start({ { "nodes", json::array({ n }) } }), qPrintable(local.errorString()));
        QCOMPARE(local.request("PUT", "n1", "/v1/agent/check/pass/beat?note=alive").status, 200);
        json c;
        bool expired = false;
        for (int i = 0; i < 100 && !expired; ++i) {
            c = findCheck(local.request("GET", "n1", "/v1/health/node/n1").json(), "beat");
            expired = !c.is_null() && c["Status"] == "critical";
            if (!expired)
                QThread::msleep(20);
        }
        QVERIFY(expired);
        QCOMPARE(
            c["Output"].get<std::string>(), std::string("TTL expired (last output before timeout follows): alive"));
        QCOMPARE(c["Type"].get<std::string>(), std::string("ttl"));
    }

    void httpCheckPollsARealUrl()
    {
        CheckTarget target;
        QVERIFY(target.listen());
        ConsulSimFixture local;
        json n = ConsulSimFixture::node("n1");
        n["checks"] = json::array({ ConsulSimFixture::httpCheck("web-http", target.url(), "100ms") });
        QVERIFY2(local.start({ { "nodes", json::array({ n }) }, { "timing", ConsulSimFixture::fastTiming() } }),
            qPrintable(local.errorString()));
        auto statusOf
            = [&]() -> json { return findCheck(local.request("GET", "n1", "/v1/health/node/n1").json(), "web-http"); };
        QTRY_VERIFY_WITH_TIMEOUT(statusOf().value("Status", "") == "passing", 5000);
        const json ok = statusOf();
        QCOMPARE(
            ok["Output"].get<std::string>(), "HTTP GET " + target.url().toStdString() + ": 200 OK Output: all good");
        QCOMPARE(ok["Type"].get<std::string>(), std::string("http"));
        QCOMPARE(ok["Interval"].get<std::string>(), std::string("100ms"));
        target.status = 429;
        target.reason = "Too Many Requests";
        QTRY_VERIFY_WITH_TIMEOUT(statusOf().value("Status", "") == "warning", 5000);
        target.status = 503;
        target.reason = "Service Unavailable";
        QTRY_VERIFY_WITH_TIMEOUT(statusOf().value("Status", "") == "critical", 5000);
        QVERIFY(
            statusOf()["Output"].get<std::string>().find(": 503 Service Unavailable Output: ") != std::string::npos);
    }

    void httpCheckAgainstClosedPortIsCritical()
    {
        QTcpServer reserve;
        QVERIFY(reserve.listen(QHostAddress::LocalHost, 0));
        const quint16 port = reserve.serverPort();
        reserve.close(); // nothing listens there now
        ConsulSimFixture local;
        json n = ConsulSimFixture::node("n1");
        const QString url = QString("http://127.0.0.1:%1/").arg(port);
        n["checks"] = json::array({ ConsulSimFixture::httpCheck("down", url, "100ms", "passing") });
        QVERIFY2(local.start({ { "nodes", json::array({ n }) }, { "timing", ConsulSimFixture::fastTiming() } }),
            qPrintable(local.errorString()));
        json c;
        for (int i = 0; i < 100; ++i) {
            c = findCheck(local.request("GET", "n1", "/v1/health/node/n1").json(), "down");
            if (c.value("Status", "") == "critical")
                break;
            QThread::msleep(20);
        }
        QCOMPARE(c.value("Status", ""), std::string("critical"));
        QCOMPARE(c["Output"].get<std::string>(),
            "Get \"" + url.toStdString() + "\": dial tcp 127.0.0.1:" + std::to_string(port)
                + ": connect: connection refused");
    }

    void outputOnlyChangesAreDeferred()
    {
        ConsulSimFixture local;
        const json svc
            = ConsulSimFixture::service("s", "s", 1, {}, json::array({ ConsulSimFixture::ttlCheck("t", "1h") }));
        QVERIFY2(local.start({ { "nodes", json::array({ ConsulSimFixture::node("n1", json::array({ svc })) }) },
                     { "timing", { { "check_update_interval", "1h" } } } }),
            qPrintable(local.errorString()));
        QCOMPARE(local.request("PUT", "n1", "/v1/agent/check/warn/t?note=first").status, 200); // status change
        const quint64 idx = local.request("GET", "n1", "/v1/health/service/s").header("X-Consul-Index").toULongLong();
        QCOMPARE(local.request("PUT", "n1", "/v1/agent/check/warn/t?note=second").status, 200); // output only
        // The agent shows the new output at once; the catalog keeps the old one until the deferred sync.
        QCOMPARE(local.request("GET", "n1", "/v1/agent/checks").json()["t"]["Output"].get<std::string>(),
            std::string("second"));
        const Reply h = local.request("GET", "n1", "/v1/health/service/s");
        QCOMPARE(h.header("X-Consul-Index").toULongLong(), idx);
        QCOMPARE(findCheck(h.json()[0]["Checks"], "t")["Output"].get<std::string>(), std::string("first"));
        // A status change syncs at once, output included.
        QCOMPARE(local.request("PUT", "n1", "/v1/agent/check/pass/t?note=third").status, 200);
        const Reply w = local.request("GET", "n1", "/v1/health/service/s");
        QVERIFY(w.header("X-Consul-Index").toULongLong() > idx);
        QCOMPARE(findCheck(w.json()[0]["Checks"], "t")["Output"].get<std::string>(), std::string("third"));
    }
};

QTEST_GUILESS_MAIN(TstSimHealth)
#include "tst_simhealth.moc"
