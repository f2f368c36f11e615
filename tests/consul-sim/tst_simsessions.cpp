// Sessions in consul-sim: create defaults and validation texts, renew/destroy/info, TTL expiry at
// TTL × multiplier, invalidation by checks, release/delete behaviours and lock-delay (consul-api.md §6, §10.6).
#include "support/consulsimfixture.h"

#include <QElapsedTimer>
#include <QTest>
#include <QThread>

using Baton::Test::ConsulSimFixture;
using json = nlohmann::json;
using Reply = ConsulSimFixture::Reply;

class TstSimSessions : public QObject
{
    Q_OBJECT

private:
    ConsulSimFixture sim;

    Reply create(const QByteArray &body, const QString &node = "web-1")
    {
        return sim.request("PUT", node, "/v1/session/create", body);
    }
    QString createId(const json &body, const QString &node = "web-1")
    {
        const Reply r = create(QByteArray::fromStdString(body.dump()), node);
        if (r.status != 200)
            qWarning("session create: %d %s", r.status, r.body.constData());
        return r.status == 200 ? QString::fromStdString(r.json()["ID"].get<std::string>()) : QString();
    }
    json info(const QString &id) { return sim.request("GET", "web-1", "/v1/session/info/" + id).json(); }
    bool exists(const QString &id) { return !info(id).empty(); }
    json kv(const QString &key)
    {
        const Reply r = sim.request("GET", "web-1", "/v1/kv/" + key);
        return r.status == 200 ? r.json()[0] : json();
    }
    QByteArray acquire(const QString &key, const QString &session)
    {
        return sim.request("PUT", "web-1", "/v1/kv/" + key + "?acquire=" + session, "v").body;
    }

private Q_SLOTS:
    void initTestCase()
    {
        const json web = ConsulSimFixture::service(
            "web", "web", 80, {}, json::array({ ConsulSimFixture::ttlCheck("web-ttl", "1h") }));
        json n1 = ConsulSimFixture::node("web-1", json::array({ web }));
        n1["checks"] = json::array({ { { "id", "disk" }, { "status", "passing" } } });
        const json config = { { "nodes", { n1, ConsulSimFixture::node("web-2"), ConsulSimFixture::node("web-3") } },
            { "timing", ConsulSimFixture::fastTiming() } };
        QVERIFY2(sim.start(config), qPrintable(sim.errorString()));
    }

    void createDefaults()
    {
        const Reply r = create({}, "web-2");
        QCOMPARE(r.status, 200);
        const json id = r.json()["ID"];
        QVERIFY(id.is_string());
        QCOMPARE(id.get<std::string>().size(), std::size_t(36));
        const json s = info(QString::fromStdString(id.get<std::string>()));
        QCOMPARE(s.size(), std::size_t(1));
        const json &e = s[0];
        QCOMPARE(e["Node"].get<std::string>(), std::string("web-2")); // the agent's own node
        QCOMPARE(e["LockDelay"].get<std::int64_t>(), std::int64_t(15000000000));
        QCOMPARE(e["Behavior"].get<std::string>(), std::string("release"));
        QCOMPARE(e["TTL"].get<std::string>(), std::string(""));
        QCOMPARE(e["NodeChecks"].dump(), std::string("[\"serfHealth\"]"));
        QVERIFY(e["ServiceChecks"].is_null());
        QVERIFY(!e.contains("Checks"));
        QVERIFY(e["CreateIndex"].get<std::uint64_t>() > 0);
    }

    void lockDelayForms()
    {
        QCOMPARE(info(createId({ { "LockDelay", 5 } }))[0]["LockDelay"].get<std::int64_t>(), std::int64_t(5000000000));
        QCOMPARE(
            info(createId({ { "LockDelay", "20ns" } }))[0]["LockDelay"].get<std::int64_t>(), std::int64_t(20000000000));
        QCOMPARE(info(createId({ { "LockDelay", "1500ms" } }))[0]["LockDelay"].get<std::int64_t>(),
            std::int64_t(1500000000));
        QCOMPARE(info(createId({ { "LockDelay", "0s" } }))[0]["LockDelay"].get<std::int64_t>(), std::int64_t(0));
        // Field names match without regard to case, as Go's encoding/json does (python-consul sends lower case).
        const json s = info(
            createId({ { "name", "lower" }, { "lockdelay", "2s" }, { "behavior", "delete" }, { "ttl", "10s" } }))[0];
        QCOMPARE(s["Name"].get<std::string>(), std::string("lower"));
        QCOMPARE(s["LockDelay"].get<std::int64_t>(), std::int64_t(2000000000));
        QCOMPARE(s["Behavior"].get<std::string>(), std::string("delete"));
        QCOMPARE(s["TTL"].get<std::string>(), std::string("10s"));
    }

    void validationTexts()
    {
        Reply r = create("{\"TTL\":\"500ms\"}");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("Invalid Session TTL '500000000', must be between [1s=24h0m0s]"));
        r = create("{\"TTL\":\"25h\"}");
        QCOMPARE(r.body, QByteArray("Invalid Session TTL '90000000000000', must be between [1s=24h0m0s]"));
        r = create("{\"TTL\":\"abc\"}");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("Session TTL 'abc' invalid: time: invalid duration \"abc\""));
        r = create("{\"Behavior\":\"bogus\"}");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("Invalid Behavior setting 'bogus'"));
        r = create("{\"Node\":\"nowhere\"}");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("Missing node registration"));
        r = create("{\"NodeChecks\":[\"nope\"]}");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("Missing check 'nope' registration"));
        r = create("{\"Name\": 5}");
        QCOMPARE(r.status, 400);
        QVERIFY(r.body.startsWith("Request decode failed: "));
        r = create("{not json");
        QCOMPARE(r.status, 400);
        QVERIFY(r.body.startsWith("Request decode failed: "));
        QVERIFY(sim.setCheck("web-1", "disk", "critical"));
        r = create("{\"NodeChecks\":[\"serfHealth\",\"disk\"]}");
        QCOMPARE(r.body, QByteArray("Check 'disk' is in critical state"));
        QVERIFY(sim.setCheck("web-1", "disk", "passing"));
        // Zero TTL means none.
        QCOMPARE(create("{\"TTL\":\"0s\"}").status, 200);
    }

    void emptyChecksMeansNone()
    {
        const QString id = createId({ { "Checks", json::array() } });
        QVERIFY(!id.isEmpty());
        const json s = info(id)[0];
        QVERIFY(s["NodeChecks"].is_null());
        QVERIFY(sim.killNode("web-1", ConsulSimFixture::AgentMode::Keep));
        QVERIFY2(exists(id), "a session without checks survives its node's serfHealth going critical");
        QVERIFY(sim.reviveNode("web-1"));
        QCOMPARE(sim.request("PUT", "web-1", "/v1/session/destroy/" + id).body, QByteArray("true"));
    }

    void renewDestroyInfoEdges()
    {
        const QString unknown = "adf4238a-882b-9ddc-4a9d-5b6758e4159e";
        Reply r = sim.request("PUT", "web-1", "/v1/session/renew/" + unknown);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.body, QByteArray("Session id '" + unknown.toLatin1() + "' not found"));
        r = sim.request("PUT", "web-1", "/v1/session/destroy/" + unknown);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("true"));
        QCOMPARE(sim.request("GET", "web-1", "/v1/session/info/" + unknown).body, QByteArray("[]"));
        QCOMPARE(sim.request("PUT", "web-1", "/v1/session/destroy/").body, QByteArray("Missing session"));
        QCOMPARE(sim.request("PUT", "web-1", "/v1/session/renew/").status, 400);
        QCOMPARE(sim.request("PUT", "web-1", "/v1/session/destroy/zzz").status, 500);
        QCOMPARE(sim.request("GET", "web-1", "/v1/session/info/").body, QByteArray("Missing session"));
        QCOMPARE(sim.request("GET", "web-1", "/v1/session/node/").body, QByteArray("Missing node name"));

        const QString id = createId({ { "TTL", "30s" }, { "Name", "renewed" } });
        r = sim.request("PUT", "web-1", "/v1/session/renew/" + id);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().size(), std::size_t(1));
        QCOMPARE(r.json()[0]["TTL"].get<std::string>(), std::string("30s"));
        QCOMPARE(r.json()[0]["Name"].get<std::string>(), std::string("renewed"));
        const json list = sim.request("GET", "web-1", "/v1/session/list").json();
        QVERIFY(list.is_array() && !list.empty());
        const json byNode = sim.request("GET", "web-1", "/v1/session/node/web-3").json();
        QVERIFY(byNode.is_array() && byNode.empty());
        QVERIFY(!sim.request("GET", "web-1", "/v1/session/list").header("X-Consul-Index").isEmpty());
    }

    void ttlExpiresAfterTtlTimesMultiplierNotBefore()
    {
        const QString id = createId({ { "TTL", "1s" } });
        QElapsedTimer t;
        t.start();
        QThread::msleep(600);
        QVERIFY2(exists(id), "a session must not expire before its TTL");
        QCOMPARE(sim.request("PUT", "web-1", "/v1/session/renew/" + id).status, 200);
        QThread::msleep(600);
        QVERIFY2(exists(id), "a renewal restarts the TTL");
        bool gone = false;
        for (int i = 0; i < 100 && !gone; ++i) {
            gone = !exists(id);
            if (!gone)
                QThread::msleep(50);
        }
        QVERIFY2(gone, "a TTL session that is not renewed is invalidated");
        QCOMPARE(sim.request("PUT", "web-1", "/v1/session/renew/" + id).status, 404);
    }

    void invalidationReleasesAndStartsLockDelay()
    {
        const QString s1 = createId({ { "LockDelay", "1s" } });
        const QString s2 = createId(json::object());
        QCOMPARE(acquire("ld/key", s1), QByteArray("true"));
        const json held = kv("ld/key");
        QCOMPARE(sim.request("PUT", "web-1", "/v1/session/destroy/" + s1).body, QByteArray("true"));
        const json released = kv("ld/key");
        QVERIFY(!released.contains("Session"));
        QCOMPARE(released["LockIndex"].dump(), held["LockIndex"].dump());
        QCOMPARE(released["Value"].dump(), held["Value"].dump());
        QVERIFY(released["ModifyIndex"].get<std::uint64_t>() > held["ModifyIndex"].get<std::uint64_t>());
        // Lock-delay: acquire answers false for everyone, while plain writes and reads are unaffected.
        QCOMPARE(acquire("ld/key", s2), QByteArray("false"));
        QCOMPARE(sim.request("PUT", "web-1", "/v1/kv/ld/key", "plain").body, QByteArray("true"));
        QCOMPARE(sim.request("PUT", "web-1", "/v1/kv/ld/key?acquire=8f246b77-f3e1-ff88-5b48-8ec93abf3e05", "v").body,
            QByteArray("false")); // even an unknown session gets false, not 500, during the delay
        QThread::msleep(1200);
        QCOMPARE(acquire("ld/key", s2), QByteArray("true"));
    }

    void lockDelayZeroMeansNone()
    {
        const QString s1 = createId({ { "LockDelay", "0s" } });
        const QString s2 = createId(json::object());
        QCOMPARE(acquire("ld/zero", s1), QByteArray("true"));
        sim.request("PUT", "web-1", "/v1/session/destroy/" + s1);
        QCOMPARE(acquire("ld/zero", s2), QByteArray("true"));
    }

    void deleteBehaviourRemovesKeys()
    {
        const QString s = createId({ { "Behavior", "delete" }, { "LockDelay", "0s" } });
        QCOMPARE(acquire("eph/one", s), QByteArray("true"));
        QCOMPARE(acquire("eph/two", s), QByteArray("true"));
        const quint64 before
            = sim.request("GET", "web-1", "/v1/kv/eph/?recurse").header("X-Consul-Index").toULongLong();
        QVERIFY(sim.invalidateSession(s));
        const Reply r = sim.request("GET", "web-1", "/v1/kv/eph/?recurse");
        QCOMPARE(r.status, 404);
        QVERIFY(r.header("X-Consul-Index").toULongLong() > before);
    }

    void killedNodeInvalidatesItsSessions()
    {
        const QString s = createId(json::object(), "web-3");
        const QString other = createId(json::object(), "web-2");
        sim.request("PUT", "web-1", "/v1/kv/kill/lock?acquire=" + s, "v");
        QVERIFY(sim.killNode("web-3"));
        QVERIFY(!exists(s));
        QVERIFY(exists(other));
        QVERIFY(!kv("kill/lock").contains("Session"));
        const json serf = sim.request("GET", "web-1", "/v1/health/node/web-3").json();
        bool critical = false;
        for (const json &c : serf) {
            if (c["CheckID"] == "serfHealth")
                critical = c["Status"] == "critical" && c["Output"] == "Agent not live or unreachable";
        }
        QVERIFY(critical);
        QCOMPARE(sim.request("GET", "web-3", "/v1/agent/self").status, 0); // the dead agent refuses
        QVERIFY(sim.reviveNode("web-3"));
        QCOMPARE(sim.request("GET", "web-3", "/v1/agent/self").status, 200);
    }

    void nodeCheckWarningDoesNotInvalidateCriticalDoes()
    {
        const QString s = createId({ { "NodeChecks", { "serfHealth", "disk" } } });
        QVERIFY(sim.setCheck("web-1", "disk", "warning"));
        QVERIFY(exists(s));
        QVERIFY(sim.setCheck("web-1", "disk", "critical"));
        QVERIFY(!exists(s));
        QVERIFY(sim.setCheck("web-1", "disk", "passing"));
    }

    void serviceChecksInvalidate()
    {
        const QString s = createId({ { "ServiceChecks", { { { "ID", "web-ttl" } } } } });
        QVERIFY(!s.isEmpty());
        const json e = info(s)[0];
        QCOMPARE(e["ServiceChecks"][0]["ID"].get<std::string>(), std::string("web-ttl"));
        QCOMPARE(sim.request("PUT", "web-1", "/v1/agent/check/fail/web-ttl").status, 200);
        QVERIFY(!exists(s));
        QCOMPARE(sim.request("PUT", "web-1", "/v1/agent/check/pass/web-ttl").status, 200);
    }

    void maintenanceDoesNotInvalidateDefaultSessions()
    {
        const QString s = createId(json::object());
        QCOMPARE(sim.request("PUT", "web-1", "/v1/agent/maintenance?enable=true&reason=test").status, 200);
        QCOMPARE(sim.request("PUT", "web-1", "/v1/agent/service/maintenance/web?enable=true").status, 200);
        QVERIFY(exists(s));
        QCOMPARE(sim.request("PUT", "web-1", "/v1/agent/maintenance?enable=false").status, 200);
        QCOMPARE(sim.request("PUT", "web-1", "/v1/agent/service/maintenance/web?enable=false").status, 200);
    }

    void sessionIndexAdvances()
    {
        const quint64 before = sim.request("GET", "web-1", "/v1/session/list").header("X-Consul-Index").toULongLong();
        const QString s = createId(json::object());
        const quint64 after = sim.request("GET", "web-1", "/v1/session/list").header("X-Consul-Index").toULongLong();
        QVERIFY(after > before);
        QCOMPARE(info(s)[0]["CreateIndex"].get<std::uint64_t>(), after);
    }
};

QTEST_GUILESS_MAIN(TstSimSessions)
#include "tst_simsessions.moc"
