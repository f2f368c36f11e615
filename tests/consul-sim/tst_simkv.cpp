// KV endpoint of consul-sim against Consul's documented wire behaviour (reference/consul-api.md §5, §10.2-5).
#include "support/consulsimfixture.h"

#include <QTest>

using Baton::Test::ConsulSimFixture;
using json = nlohmann::json;

class TstSimKv : public QObject
{
    Q_OBJECT

private:
    ConsulSimFixture sim;
    ConsulSimFixture::Reply get(const QString &path) { return sim.request("GET", "web-1", path); }
    ConsulSimFixture::Reply put(const QString &path, const QByteArray &body = {})
    {
        return sim.request("PUT", "web-1", path, body);
    }
    ConsulSimFixture::Reply del(const QString &path) { return sim.request("DELETE", "web-1", path); }
    quint64 index(const ConsulSimFixture::Reply &r) { return r.header("X-Consul-Index").toULongLong(); }
    QString createSession(const json &body = json::object())
    {
        const auto r = sim.request("PUT", "web-1", "/v1/session/create", QByteArray::fromStdString(body.dump()));
        if (r.status != 200)
            return {};
        return QString::fromStdString(r.json()["ID"].get<std::string>());
    }

private Q_SLOTS:
    void initTestCase()
    {
        const json config = { { "nodes", { ConsulSimFixture::node("web-1"), ConsulSimFixture::node("web-2") } },
            { "timing", ConsulSimFixture::fastTiming() } };
        QVERIFY2(sim.start(config), qPrintable(sim.errorString()));
    }

    void missingKeyIs404WithIndexHeaders()
    {
        const auto r = get("/v1/kv/missing/key");
        QCOMPARE(r.status, 404);
        QVERIFY(r.body.isEmpty());
        QVERIFY(index(r) >= 1);
        QCOMPARE(r.header("X-Consul-Knownleader"), QByteArray("true"));
        QCOMPARE(r.header("X-Consul-Lastcontact"), QByteArray("0"));
        QVERIFY(r.header("X-Consul-Effective-Consistency").isEmpty());
    }

    void putGetRoundTrip()
    {
        auto r = put("/v1/kv/app/config", "hello");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("true"));
        QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
        QVERIFY(r.header("X-Consul-Index").isEmpty()); // writes carry no query meta
        r = get("/v1/kv/app/config");
        QCOMPARE(r.status, 200);
        const json body = r.json();
        QVERIFY(body.is_array());
        QCOMPARE(body.size(), std::size_t(1));
        const json &e = body[0];
        QCOMPARE(e["Key"].get<std::string>(), std::string("app/config"));
        QCOMPARE(e["Value"].get<std::string>(), std::string("aGVsbG8="));
        QCOMPARE(e["Flags"].get<std::uint64_t>(), std::uint64_t(0));
        QCOMPARE(e["LockIndex"].get<std::uint64_t>(), std::uint64_t(0));
        QVERIFY(!e.contains("Session"));
        QCOMPARE(index(r), e["ModifyIndex"].get<std::uint64_t>());
    }

    void emptyBodyStoresNull()
    {
        QCOMPARE(put("/v1/kv/empty").body, QByteArray("true"));
        const json e = get("/v1/kv/empty").json()[0];
        QVERIFY(e["Value"].is_null());
    }

    void flagsRoundTripAsExactUint64()
    {
        QCOMPARE(put("/v1/kv/sem/.lock?flags=16210313421097356768", "x").body, QByteArray("true"));
        const auto r = get("/v1/kv/sem/.lock");
        QVERIFY(r.body.contains("\"Flags\":16210313421097356768"));
        QCOMPARE(r.json()[0]["Flags"].get<std::uint64_t>(), std::uint64_t(16210313421097356768ull));
        // A PUT without ?flags resets them to 0.
        put("/v1/kv/sem/.lock", "x");
        QCOMPARE(get("/v1/kv/sem/.lock").json()[0]["Flags"].get<std::uint64_t>(), std::uint64_t(0));
    }

    void badFlagsAndCasAre500WithGoText()
    {
        auto r = put("/v1/kv/x?flags=abc", "1");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("strconv.ParseUint: parsing \"abc\": invalid syntax"));
        r = put("/v1/kv/x?cas=18446744073709551616", "1");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("strconv.ParseUint: parsing \"18446744073709551616\": value out of range"));
    }

    void idempotentPutKeepsModifyIndex()
    {
        put("/v1/kv/idem", "v1");
        const quint64 first = get("/v1/kv/idem").json()[0]["ModifyIndex"].get<std::uint64_t>();
        put("/v1/kv/idem", "v1");
        QCOMPARE(get("/v1/kv/idem").json()[0]["ModifyIndex"].get<std::uint64_t>(), first);
        put("/v1/kv/idem", "v2");
        QVERIFY(get("/v1/kv/idem").json()[0]["ModifyIndex"].get<std::uint64_t>() > first);
    }

    void casZeroIsCreateOnly()
    {
        QCOMPARE(put("/v1/kv/cas/new?cas=0", "a").body, QByteArray("true"));
        QCOMPARE(put("/v1/kv/cas/new?cas=0", "b").body, QByteArray("false"));
        const json e = get("/v1/kv/cas/new").json()[0];
        const auto mi = e["ModifyIndex"].get<std::uint64_t>();
        QCOMPARE(put(QString("/v1/kv/cas/new?cas=%1").arg(mi + 1000), "c").body, QByteArray("false"));
        QCOMPARE(put(QString("/v1/kv/cas/new?cas=%1").arg(mi), "c").body, QByteArray("true"));
        QCOMPARE(put("/v1/kv/cas/missing?cas=5", "c").body, QByteArray("false"));
    }

    void conflictingFlagsAre400()
    {
        const auto r = put("/v1/kv/cf?cas=0&acquire=abc", "x");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Conflicting flags: acquire=abc&cas=0\n"));
        QCOMPARE(del("/v1/kv/cf?recurse&cas=1").status, 400);
    }

    void missingKeyName()
    {
        QCOMPARE(get("/v1/kv/").status, 400);
        QCOMPARE(get("/v1/kv/").body, QByteArray("Missing key name"));
        QCOMPARE(put("/v1/kv/", "x").body, QByteArray("Missing key name"));
        QCOMPARE(del("/v1/kv/").body, QByteArray("Missing key name"));
    }

    void recurseKeysAndSeparator()
    {
        put("/v1/kv/web/bar", "1");
        put("/v1/kv/web/foo", "2");
        put("/v1/kv/web/subdir/x", "3");
        put("/v1/kv/web/subdir/y", "4");
        put("/v1/kv/webz", "5");
        auto r = get("/v1/kv/web?recurse");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().size(), std::size_t(5)); // raw string prefix: webz matches too
        r = get("/v1/kv/web/?recurse=false"); // presence-based
        QCOMPARE(r.json().size(), std::size_t(4));
        r = get("/v1/kv/web/?keys&separator=/");
        QCOMPARE(r.body, QByteArray("[\"web/bar\",\"web/foo\",\"web/subdir/\"]"));
        r = get("/v1/kv/web/?keys&seperator=/"); // the historic spelling
        QCOMPARE(r.body, QByteArray("[\"web/bar\",\"web/foo\",\"web/subdir/\"]"));
        QCOMPARE(get("/v1/kv/nothing/here?recurse").status, 404);
        QCOMPARE(get("/v1/kv/nothing/here?keys").status, 404);
        QCOMPARE(get("/v1/kv/web/bar?raw").body, QByteArray("1"));
    }

    void rawHeaders()
    {
        put("/v1/kv/raw/html", "<b>x</b>");
        const auto r = get("/v1/kv/raw/html?raw");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("<b>x</b>"));
        QCOMPARE(r.header("Content-Type"), QByteArray("text/plain"));
        QCOMPARE(r.header("X-Content-Type-Options"), QByteArray("nosniff"));
        QCOMPARE(r.header("Content-Security-Policy"), QByteArray("sandbox"));
        QCOMPARE(get("/v1/kv/raw/none?raw").status, 404);
    }

    void deleteSemantics()
    {
        put("/v1/kv/del/a", "1");
        QCOMPARE(del("/v1/kv/del/a").body, QByteArray("true"));
        QCOMPARE(del("/v1/kv/del/a").body, QByteArray("true")); // missing is fine
        QCOMPARE(del("/v1/kv/del/never?cas=5").body, QByteArray("true")); // cas on a missing key succeeds
        put("/v1/kv/del/b", "1");
        QCOMPARE(del("/v1/kv/del/b?cas=0").body, QByteArray("false"));
        const auto mi = get("/v1/kv/del/b").json()[0]["ModifyIndex"].get<std::uint64_t>();
        QCOMPARE(del(QString("/v1/kv/del/b?cas=%1").arg(mi)).body, QByteArray("true"));
        QCOMPARE(get("/v1/kv/del/b").status, 404);
        put("/v1/kv/del/tree/1", "1");
        put("/v1/kv/del/tree/2", "1");
        QCOMPARE(del("/v1/kv/del/tree?recurse").body, QByteArray("true"));
        QCOMPARE(get("/v1/kv/del/tree?recurse").status, 404);
    }

    void tombstonesKeepPrefixIndexFromGoingBack()
    {
        put("/v1/kv/tomb/a", "1");
        put("/v1/kv/tomb/b", "1");
        const quint64 before = index(get("/v1/kv/tomb/?recurse"));
        del("/v1/kv/tomb/b");
        const auto after = get("/v1/kv/tomb/?recurse");
        QCOMPARE(after.json().size(), std::size_t(1));
        QVERIFY2(index(after) > before, "deleting the newest key must not move the prefix index back");
        del("/v1/kv/tomb/a");
        const auto gone = get("/v1/kv/tomb/?recurse");
        QCOMPARE(gone.status, 404);
        QVERIFY(index(gone) > index(after));
    }

    void acquireReleaseAndLockIndex()
    {
        const QString s1 = createSession();
        const QString s2 = createSession();
        QVERIFY(!s1.isEmpty() && !s2.isEmpty());
        QCOMPARE(put("/v1/kv/lock/a?acquire=" + s1, "v").body, QByteArray("true"));
        json e = get("/v1/kv/lock/a").json()[0];
        QCOMPARE(e["LockIndex"].get<int>(), 1);
        QCOMPARE(QString::fromStdString(e["Session"].get<std::string>()), s1);
        const auto mi = e["ModifyIndex"].get<std::uint64_t>();
        // The same holder again: true, LockIndex unchanged, and with the same value no new index.
        QCOMPARE(put("/v1/kv/lock/a?acquire=" + s1, "v").body, QByteArray("true"));
        e = get("/v1/kv/lock/a").json()[0];
        QCOMPARE(e["LockIndex"].get<int>(), 1);
        QCOMPARE(e["ModifyIndex"].get<std::uint64_t>(), mi);
        QCOMPARE(put("/v1/kv/lock/a?acquire=" + s2, "w").body, QByteArray("false"));
        // A plain PUT ignores the lock and keeps the session.
        QCOMPARE(put("/v1/kv/lock/a", "plain").body, QByteArray("true"));
        QCOMPARE(QString::fromStdString(get("/v1/kv/lock/a").json()[0]["Session"].get<std::string>()), s1);
        QCOMPARE(put("/v1/kv/lock/a?release=" + s2, "x").body, QByteArray("false"));
        QCOMPARE(put("/v1/kv/lock/a?release=" + s1, "released").body, QByteArray("true"));
        e = get("/v1/kv/lock/a").json()[0];
        QVERIFY(!e.contains("Session"));
        QCOMPARE(e["Value"].get<std::string>(), std::string("cmVsZWFzZWQ="));
        // A voluntary release starts no lock-delay: another session may take it at once, bumping LockIndex.
        QCOMPARE(put("/v1/kv/lock/a?acquire=" + s2, "w").body, QByteArray("true"));
        QCOMPARE(get("/v1/kv/lock/a").json()[0]["LockIndex"].get<int>(), e["LockIndex"].get<int>() + 1);
        QCOMPARE(put("/v1/kv/lock/missing?release=" + s1, "x").body, QByteArray("false"));
    }

    void acquireWithUnknownSessionIs500()
    {
        const auto r = put("/v1/kv/lock/u?acquire=8f246b77-f3e1-ff88-5b48-8ec93abf3e05", "v");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("invalid session \"8f246b77-f3e1-ff88-5b48-8ec93abf3e05\""));
        QCOMPARE(put("/v1/kv/lock/u?acquire=not-a-uuid", "v").status, 500);
    }

    void bodyLimitIs413()
    {
        const QByteArray big(512 * 1024 + 1, 'x');
        const auto r = put("/v1/kv/big", big);
        QCOMPARE(r.status, 413);
        QCOMPARE(r.body,
            QByteArray("Request body(524289 bytes) too large, max size: 524288 bytes. See "
                       "https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size."));
        QCOMPARE(put("/v1/kv/big", QByteArray(512 * 1024, 'y')).body, QByteArray("true"));
        // Consul looks at the query and the key before the Content-Length.
        QCOMPARE(put("/v1/kv/big?cas=1&release=x", big).status, 400);
        QCOMPARE(put("/v1/kv/?cas=1", big).body, QByteArray("Missing key name"));
        QCOMPARE(put("/v1/kv/big?flags=x", big).status, 500);
        QCOMPARE(put("/v1/kv/big?index=x", big).body, QByteArray("Invalid index"));
    }

    void anyAgentSeesTheSameKv()
    {
        put("/v1/kv/shared", "one");
        const auto r = sim.request("GET", "web-2", "/v1/kv/shared");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[0]["Value"].get<std::string>(), std::string("b25l"));
    }

    void wrongMethodIs405WithAllow()
    {
        const auto r = sim.request("POST", "web-1", "/v1/kv/x", "1");
        QCOMPARE(r.status, 405);
        QCOMPARE(r.header("Allow"), QByteArray("OPTIONS,GET,PUT,DELETE"));
        QCOMPARE(r.body, QByteArray("method POST not allowed"));
        const auto o = sim.request("OPTIONS", "web-1", "/v1/kv/x");
        QCOMPARE(o.status, 200);
        QVERIFY(o.body.isEmpty());
        QCOMPARE(o.header("Allow"), QByteArray("OPTIONS,GET,PUT,DELETE"));
    }
};

QTEST_GUILESS_MAIN(TstSimKv)
#include "tst_simkv.moc"
