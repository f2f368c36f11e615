// The /_sim/ fault controls: dead nodes, unreachable agents (hang and refuse), forced check states.
#include "support/consulsimfixture.h"

#include <future>

#include <QElapsedTimer>
#include <QTest>

using Baton::Test::ConsulSimFixture;
using json = nlohmann::json;
using Reply = ConsulSimFixture::Reply;

class TstSimFaults : public QObject
{
    Q_OBJECT

private:
    ConsulSimFixture sim;

    json serf(const QString &node)
    {
        for (const json &c : sim.request("GET", "n2", "/v1/health/node/" + node).json()) {
            if (c["CheckID"] == "serfHealth")
                return c;
        }
        return json();
    }

private Q_SLOTS:
    void initTestCase()
    {
        const json web = ConsulSimFixture::service(
            "web", "web", 80, {}, json::array({ ConsulSimFixture::ttlCheck("web-ttl", "1h") }));
        QVERIFY2(sim.start({ { "nodes",
                                 { ConsulSimFixture::node("n1", json::array({ web })), ConsulSimFixture::node("n2") } },
                     { "timing", ConsulSimFixture::fastTiming() } }),
            qPrintable(sim.errorString()));
    }

    void statusDocument()
    {
        const Reply r = sim.request("GET", sim.controlUrl().resolved(QUrl("/_sim/")));
        QCOMPARE(r.status, 200);
        const json s = r.json();
        QCOMPARE(s["nodes"]["n1"]["alive"].get<bool>(), true);
        QCOMPARE(s["nodes"]["n1"]["agent"].get<std::string>(), std::string("serving"));
        QCOMPARE(QString::fromStdString(s["nodes"]["n1"]["url"].get<std::string>()), sim.agentAddress("n1"));
        // The control address serves only /_sim/.
        QCOMPARE(sim.request("GET", sim.controlUrl().resolved(QUrl("/v1/agent/self"))).status, 404);
        // And agents serve /_sim/ too.
        QCOMPARE(sim.request("GET", "n2", "/_sim/").status, 200);
        QCOMPARE(sim.request("GET", "n2", "/_sim/node/n1/kill").status, 405);
        QCOMPARE(sim.request("PUT", "n2", "/_sim/node/nobody/kill").status, 404);
        QCOMPARE(sim.request("PUT", "n2", "/_sim/nonsense").status, 404);
    }

    void hangAndRecover()
    {
        QVERIFY(sim.setAgentUnreachable("n1", ConsulSimFixture::AgentMode::Hang));
        QElapsedTimer t;
        t.start();
        const Reply hung = sim.request("GET", "n1", "/v1/agent/self", {}, {}, 500);
        QCOMPARE(hung.status, 0);
        QCOMPARE(hung.error, QString("timed out"));
        QVERIFY(t.elapsed() >= 500);
        QCOMPARE(sim.request("GET", "n2", "/v1/agent/self").status, 200); // others unaffected
        QCOMPARE(serf("n1")["Status"].get<std::string>(), std::string("passing")); // the catalog does not change
        QVERIFY(sim.setAgentReachable("n1"));
        QCOMPARE(sim.request("GET", "n1", "/v1/agent/self").status, 200);
    }

    void hungBlockingQueryIsResetOnRecovery()
    {
        sim.request("PUT", "n2", "/v1/kv/h", "1");
        const quint64 idx = sim.request("GET", "n2", "/v1/kv/h").header("X-Consul-Index").toULongLong();
        auto pending = std::async(std::launch::async,
            [&] { return sim.request("GET", "n1", QString("/v1/kv/h?index=%1&wait=30s").arg(idx), {}, {}, 20000); });
        QTest::qWait(200);
        QVERIFY(sim.setAgentUnreachable("n1", ConsulSimFixture::AgentMode::Hang));
        sim.request("PUT", "n2", "/v1/kv/h", "2"); // the change happens, but n1 answers nothing
        QCOMPARE(pending.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
        QVERIFY(sim.setAgentReachable("n1"));
        const Reply r = pending.get();
        QCOMPARE(r.status, 0); // the black-holed connection is reset, never answered
    }

    void refuse()
    {
        QVERIFY(sim.setAgentUnreachable("n1", ConsulSimFixture::AgentMode::Refuse));
        const Reply r = sim.request("GET", "n1", "/v1/agent/self", {}, {}, 2000);
        QCOMPARE(r.status, 0);
        QVERIFY2(r.error.startsWith("connect"), qPrintable(r.error));
        QVERIFY(sim.setAgentReachable("n1"));
        QCOMPARE(sim.request("GET", "n1", "/v1/agent/self").status, 200); // same port again
    }

    void killKeepReviveThroughOwnAgent()
    {
        // Controlling a node through its own agent works: the control request is answered before the
        // agent stops.
        QCOMPARE(sim.request("PUT", "n1", "/_sim/node/n1/kill?agent=keep").status, 200);
        QCOMPARE(serf("n1")["Status"].get<std::string>(), std::string("critical"));
        QCOMPARE(sim.request("GET", "n1", "/v1/agent/self").json()["Member"]["Status"].get<int>(), 4);
        QCOMPARE(sim.request("PUT", "n1", "/_sim/node/n1/revive").status, 200);
        QCOMPARE(serf("n1")["Status"].get<std::string>(), std::string("passing"));
        QCOMPARE(serf("n1")["Output"].get<std::string>(), std::string("Agent alive and reachable"));
        QCOMPARE(sim.request("PUT", "n1", "/_sim/node/n1/kill").status, 200); // default: refuse
        QCOMPARE(sim.request("GET", "n1", "/v1/agent/self", {}, {}, 2000).status, 0);
        QVERIFY(sim.reviveNode("n1"));
        QCOMPARE(sim.request("GET", "n1", "/v1/agent/self").status, 200);
    }

    void forcedChecks()
    {
        QVERIFY(sim.setCheck("n1", "web-ttl", "warning", "forced"));
        json c;
        for (const json &x : sim.request("GET", "n2", "/v1/health/checks/web").json())
            c = x;
        QCOMPARE(c["Status"].get<std::string>(), std::string("warning"));
        QCOMPARE(c["Output"].get<std::string>(), std::string("forced"));
        QCOMPARE(sim.request("GET", "n1", "/v1/agent/checks").json()["web-ttl"]["Output"].get<std::string>(),
            std::string("forced"));
        QVERIFY(!sim.setCheck("n1", "nope", "passing"));
        QVERIFY(!sim.setCheck("n1", "web-ttl", "sideways"));
        QVERIFY(sim.setCheck("n1", "web-ttl", "passing"));
        QVERIFY(!sim.invalidateSession("8f246b77-f3e1-ff88-5b48-8ec93abf3e05"));
    }
};

QTEST_GUILESS_MAIN(TstSimFaults)
#include "tst_simfaults.moc"
