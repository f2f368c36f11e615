// Blocking queries in consul-sim: wake-up on change, timeout with current data, index semantics, and many
// parked requests at once (reference/consul-api.md §1, §10.1).
#include "support/consulsimfixture.h"

#include <chrono>
#include <future>
#include <thread>

#include <QElapsedTimer>
#include <QFile>
#include <QTcpSocket>
#include <QTest>

using Baton::Test::ConsulSimFixture;
using json = nlohmann::json;
using Reply = ConsulSimFixture::Reply;

namespace {

struct Timed
{
    Reply reply;
    std::chrono::steady_clock::time_point done;
};

// CPU time (user + system, in clock ticks) a process has used so far.
qint64 cpuTicks(qint64 pid)
{
    QFile f(QString("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = f.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    return fields.value(11).toLongLong() + fields.value(12).toLongLong(); // utime, stime (fields 14, 15)
}

} // namespace

class TstSimBlocking : public QObject
{
    Q_OBJECT

private:
    ConsulSimFixture sim;

    quint64 index(const Reply &r) { return r.header("X-Consul-Index").toULongLong(); }

    std::future<Timed> async(const QString &node, const QString &path, int timeoutMs = 30000)
    {
        return std::async(std::launch::async, [this, node, path, timeoutMs] {
            Timed t;
            t.reply = sim.request("GET", node, path, {}, {}, timeoutMs);
            t.done = std::chrono::steady_clock::now();
            return t;
        });
    }

    static qint64 ms(std::chrono::steady_clock::duration d)
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    }

    // Waits until the simulator reports n parked blocking queries, so a test changes data only once the
    // request it is about is really waiting.
    bool waitParked(std::size_t n)
    {
        for (int i = 0; i < 500; ++i) {
            const Reply r = sim.request("GET", sim.controlUrl().resolved(QUrl("/_sim/")));
            if (r.json().value("blocking_queries", std::size_t(0)) >= n)
                return true;
            QThread::msleep(5);
        }
        return false;
    }

    // Asserts the blocked request came back because of the change, promptly.
    void checkWoken(std::future<Timed> &pending, std::chrono::steady_clock::time_point changedAt, int status = 200)
    {
        const Timed t = pending.get();
        QCOMPARE(t.reply.status, status);
        const qint64 latency = ms(t.done - changedAt);
        qInfo("wake-up latency: %lld ms", latency);
        QVERIFY2(latency < 100, qPrintable(QString("woke %1 ms after the change").arg(latency)));
    }

private Q_SLOTS:
    void initTestCase()
    {
        json config = {
            { "nodes",
                { ConsulSimFixture::node("web-1",
                      json::array({ ConsulSimFixture::service(
                          "web", "web", 80, { "a" }, json::array({ ConsulSimFixture::ttlCheck("web-ttl", "1h") })) })),
                    ConsulSimFixture::node("web-2", json::array({ ConsulSimFixture::service("web", "web", 80) })) } },
            { "timing", ConsulSimFixture::fastTiming() }, { "limits", { { "http_max_conns_per_client", 2000 } } }
        };
        QVERIFY2(sim.start(config), qPrintable(sim.errorString()));
    }

    void noIndexAnswersAtOnce()
    {
        sim.request("PUT", "web-1", "/v1/kv/now", "1");
        QElapsedTimer t;
        t.start();
        const Reply r = sim.request("GET", "web-1", "/v1/kv/now?wait=5s");
        QCOMPARE(r.status, 200);
        QVERIFY(t.elapsed() < 4000); // wait without index does not block
        const Reply z = sim.request("GET", "web-1", "/v1/kv/now?index=0&wait=5s");
        QCOMPARE(z.status, 200);
        QVERIFY(t.elapsed() < 4000);
    }

    void kvKeyWakesOnChange()
    {
        sim.request("PUT", "web-1", "/v1/kv/block/a", "1");
        const quint64 idx = index(sim.request("GET", "web-1", "/v1/kv/block/a"));
        auto pending = async("web-2", QString("/v1/kv/block/a?index=%1&wait=20s").arg(idx));
        QVERIFY(waitParked(1));
        const auto changed = std::chrono::steady_clock::now();
        QCOMPARE(sim.request("PUT", "web-1", "/v1/kv/block/a", "2").body, QByteArray("true"));
        checkWoken(pending, changed);
    }

    void timeoutReturnsCurrentDataWith200()
    {
        sim.request("PUT", "web-1", "/v1/kv/block/t", "1");
        const quint64 idx = index(sim.request("GET", "web-1", "/v1/kv/block/t"));
        QElapsedTimer t;
        t.start();
        const Reply r = sim.request("GET", "web-1", QString("/v1/kv/block/t?index=%1&wait=400ms").arg(idx));
        const qint64 elapsed = t.elapsed();
        QCOMPARE(r.status, 200);
        QCOMPARE(index(r), idx);
        QCOMPARE(r.json()[0]["Value"].get<std::string>(), std::string("MQ=="));
        QVERIFY2(elapsed >= 400, qPrintable(QString("returned after %1 ms").arg(elapsed)));
        QVERIFY2(elapsed < 400 + 400 / 16 + 3000, qPrintable(QString("returned after %1 ms").arg(elapsed)));
    }

    void idempotentWriteDoesNotEndTheWait()
    {
        sim.request("PUT", "web-1", "/v1/kv/block/same", "v");
        const quint64 idx = index(sim.request("GET", "web-1", "/v1/kv/block/same"));
        auto pending = async("web-1", QString("/v1/kv/block/same?index=%1&wait=600ms").arg(idx));
        QVERIFY(waitParked(1));
        const auto start = std::chrono::steady_clock::now();
        sim.request("PUT", "web-1", "/v1/kv/block/same", "v");
        const Timed t = pending.get();
        QCOMPARE(t.reply.status, 200);
        QCOMPARE(index(t.reply), idx);
        QVERIFY(ms(t.done - start) >= 400);
    }

    void indexAheadBlocksFullWaitAndComesBackLower()
    {
        sim.request("PUT", "web-1", "/v1/kv/block/ahead", "1");
        const quint64 idx = index(sim.request("GET", "web-1", "/v1/kv/block/ahead"));
        QElapsedTimer t;
        t.start();
        const Reply r
            = sim.request("GET", "web-1", QString("/v1/kv/block/ahead?index=%1&wait=400ms").arg(idx + 100000));
        QCOMPARE(r.status, 200);
        QVERIFY(t.elapsed() >= 400);
        QVERIFY(index(r) < idx + 100000);
        QCOMPARE(index(r), idx);
    }

    void missingKeyKeepsBlockingThroughUnrelatedWrites()
    {
        const Reply missing = sim.request("GET", "web-1", "/v1/kv/block/later");
        QCOMPARE(missing.status, 404);
        auto pending = async("web-1", QString("/v1/kv/block/later?index=%1&wait=700ms").arg(index(missing)));
        QVERIFY(waitParked(1));
        const auto start = std::chrono::steady_clock::now();
        sim.request("PUT", "web-1", "/v1/kv/block/unrelated", "x");
        sim.request("PUT", "web-1", "/v1/kv/other/thing", "x");
        const Timed t = pending.get();
        QCOMPARE(t.reply.status, 404);
        QVERIFY2(ms(t.done - start) >= 500, "an unrelated write ended the wait on a missing key");
    }

    void missingKeyWakesWhenCreated()
    {
        const Reply missing = sim.request("GET", "web-1", "/v1/kv/block/appears");
        auto pending = async("web-1", QString("/v1/kv/block/appears?index=%1&wait=20s").arg(index(missing)));
        QVERIFY(waitParked(1));
        const auto changed = std::chrono::steady_clock::now();
        sim.request("PUT", "web-1", "/v1/kv/block/appears", "here");
        checkWoken(pending, changed);
    }

    void prefixWaiterSeesOnlyItsPrefix()
    {
        sim.request("PUT", "web-1", "/v1/kv/pre/a", "1");
        const quint64 idx = index(sim.request("GET", "web-1", "/v1/kv/pre/?recurse"));
        auto pending = async("web-1", QString("/v1/kv/pre/?recurse&index=%1&wait=20s").arg(idx));
        QVERIFY(waitParked(1));
        sim.request("PUT", "web-1", "/v1/kv/elsewhere", "1");
        QThread::msleep(150);
        QCOMPARE(pending.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
        const auto changed = std::chrono::steady_clock::now();
        sim.request("DELETE", "web-1", "/v1/kv/pre/a");
        checkWoken(pending, changed, 404); // the prefix is empty now, but its index moved on (tombstone)
    }

    void healthWakesOnCheckChange()
    {
        const Reply first = sim.request("GET", "web-1", "/v1/health/service/web");
        QCOMPARE(first.status, 200);
        auto pending = async("web-2", QString("/v1/health/service/web?index=%1&wait=20s").arg(index(first)));
        QVERIFY(waitParked(1));
        const auto changed = std::chrono::steady_clock::now();
        QCOMPARE(sim.request("PUT", "web-1", "/v1/agent/check/warn/web-ttl?note=slow").status, 200);
        Timed t = pending.get();
        QCOMPARE(t.reply.status, 200);
        QVERIFY(ms(t.done - changed) < 100);
        QVERIFY(index(t.reply) > index(first));
        QVERIFY(t.reply.body.contains("\"Status\":\"warning\""));
    }

    void unrelatedServiceDoesNotWakeHealthService()
    {
        const Reply first = sim.request("GET", "web-1", "/v1/health/service/nothere");
        auto pending = async("web-1",
            QString("/v1/health/service/web?index=%1&wait=600ms")
                .arg(index(sim.request("GET", "web-1", "/v1/health/service/web"))));
        QVERIFY(waitParked(1));
        const auto start = std::chrono::steady_clock::now();
        sim.request("PUT", "web-1", "/v1/kv/noise", "1"); // KV is another table
        const Timed t = pending.get();
        QCOMPARE(t.reply.status, 200);
        QVERIFY(ms(t.done - start) >= 400);
        QCOMPARE(first.status, 200);
        QCOMPARE(first.body, QByteArray("[]"));
    }

    void sessionInfoOfMissingSessionBlocks()
    {
        const QString id = "8f246b77-f3e1-ff88-5b48-8ec93abf3e05";
        const Reply r = sim.request("GET", "web-1", "/v1/session/info/" + id);
        QCOMPARE(r.body, QByteArray("[]"));
        auto pending = async("web-1", QString("/v1/session/info/%1?index=%2&wait=600ms").arg(id).arg(index(r)));
        QVERIFY(waitParked(1));
        const auto start = std::chrono::steady_clock::now();
        const Reply created = sim.request("PUT", "web-1", "/v1/session/create", "{}");
        QCOMPARE(created.status, 200);
        const Timed t = pending.get();
        QCOMPARE(t.reply.body, QByteArray("[]"));
        QVERIFY2(ms(t.done - start) >= 400, "another session's creation ended the wait");
    }

    void defaultWaitAndCapFollowTheKnobs()
    {
        // The real defaults (5m, cap 10m) are the knobs' defaults; shortened here so the rule can be watched.
        ConsulSimFixture local;
        QVERIFY2(local.start({ { "nodes", json::array({ ConsulSimFixture::node("n1") }) },
                     { "timing", { { "default_query_time", "300ms" }, { "max_query_time", "2500ms" } } } }),
            qPrintable(local.errorString()));
        local.request("PUT", "n1", "/v1/kv/k", "1");
        const quint64 idx = index(local.request("GET", "n1", "/v1/kv/k"));
        auto timed = [&](const QString &query) {
            QElapsedTimer t;
            t.start();
            const Reply r = local.request("GET", "n1", QString("/v1/kv/k?index=%1").arg(idx) + query);
            return std::make_pair(r.status, t.elapsed());
        };
        auto [s1, noWait] = timed("");
        QCOMPARE(s1, 200);
        QVERIFY2(noWait >= 300 && noWait < 300 + 300 / 16 + 2000, qPrintable(QString::number(noWait)));
        auto [s2, zeroWait] = timed("&wait=0s"); // zero or negative means the default
        QCOMPARE(s2, 200);
        QVERIFY2(zeroWait >= 300 && zeroWait < 2500, qPrintable(QString::number(zeroWait)));
        auto [s3, capped] = timed("&wait=10m");
        QCOMPARE(s3, 200);
        QVERIFY2(capped >= 2500 && capped < 2500 + 2500 / 16 + 3000, qPrintable(QString::number(capped)));
    }

    void badWaitAndIndex()
    {
        Reply r = sim.request("GET", "web-1", "/v1/kv/x?wait=5");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Invalid wait time"));
        r = sim.request("GET", "web-1", "/v1/kv/x?index=abc");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Invalid index"));
        r = sim.request("GET", "web-1", "/v1/kv/x?index=-1");
        QCOMPARE(r.body, QByteArray("Invalid index"));
        r = sim.request("GET", "web-1", "/v1/catalog/nodes?stale&consistent");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Cannot specify ?stale with ?consistent, conflicting semantics."));
        r = sim.request("GET", "web-1", "/v1/kv/x?max_stale=zz");
        QCOMPARE(r.body, QByteArray("Invalid max_stale value \"zz\""));
        // Blocking and consistent together, as api/lock.go monitors: accepted.
        r = sim.request("GET", "web-1", "/v1/catalog/nodes?consistent&index=1&wait=1ms");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("X-Consul-Effective-Consistency"), QByteArray("consistent"));
    }

    void hundredsOfParkedRequestsAreCheapAndAllWake()
    {
        constexpr int kWaiters = 300;
        sim.request("PUT", "web-1", "/v1/kv/many/key", "0");
        const quint64 idx = index(sim.request("GET", "web-1", "/v1/kv/many/key"));
        const QUrl base = sim.agentUrl("web-1");
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        std::vector<QByteArray> received(kWaiters);
        for (int i = 0; i < kWaiters; ++i) {
            auto s = std::make_unique<QTcpSocket>();
            s->connectToHost(base.host(), quint16(base.port()));
            QVERIFY(s->waitForConnected(5000));
            const QByteArray path = i % 2 ? QByteArray("/v1/kv/many/key") : QByteArray("/v1/kv/many/?recurse");
            s->write("GET " + path + (i % 2 ? "?" : "&") + "index=" + QByteArray::number(idx)
                + "&wait=60s HTTP/1.1\r\nHost: x\r\n\r\n");
            QVERIFY(s->waitForBytesWritten(5000));
            QObject::connect(s.get(), &QTcpSocket::readyRead, this,
                [&received, i, sock = s.get()] { received[std::size_t(i)] += sock->readAll(); });
            sockets.push_back(std::move(s));
        }
        QVERIFY(waitParked(kWaiters));
        const Reply status = sim.request("GET", sim.controlUrl().resolved(QUrl("/_sim/")));
        QCOMPARE(status.json()["blocking_queries"].get<int>(), kWaiters);

        // Parked requests cost no CPU: no polling loop, no per-request timer firing.
        const qint64 before = cpuTicks(sim.pid());
        QTest::qWait(1000);
        const qint64 after = cpuTicks(sim.pid());
        qInfo("consul-sim CPU while %d requests were parked for 1 s: %lld ticks", kWaiters, after - before);
        QVERIFY2(before >= 0 && after - before <= 10, "an idle simulator with parked queries should not burn CPU");

        const auto changed = std::chrono::steady_clock::now();
        sim.request("PUT", "web-1", "/v1/kv/many/key", "1");
        int answered = 0;
        QTRY_VERIFY_WITH_TIMEOUT(
            (answered = int(std::count_if(received.begin(), received.end(),
                 [](const QByteArray &b) { return b.startsWith("HTTP/1.1 200 OK") && b.contains("\r\n\r\n"); })))
                == kWaiters,
            10000);
        qInfo("all %d parked requests answered %lld ms after the write", kWaiters,
            ms(std::chrono::steady_clock::now() - changed));
        QCOMPARE(
            sim.request("GET", sim.controlUrl().resolved(QUrl("/_sim/"))).json()["blocking_queries"].get<int>(), 0);
    }

    void closedClientDropsItsWaiter()
    {
        sim.request("PUT", "web-1", "/v1/kv/gone", "0");
        const quint64 idx = index(sim.request("GET", "web-1", "/v1/kv/gone"));
        {
            QTcpSocket s;
            const QUrl base = sim.agentUrl("web-1");
            s.connectToHost(base.host(), quint16(base.port()));
            QVERIFY(s.waitForConnected(5000));
            s.write("GET /v1/kv/gone?index=" + QByteArray::number(idx) + "&wait=60s HTTP/1.1\r\nHost: x\r\n\r\n");
            QVERIFY(s.waitForBytesWritten(5000));
            QVERIFY(waitParked(1));
            s.abort();
        }
        bool dropped = false;
        for (int i = 0; i < 200 && !dropped; ++i) {
            dropped = sim.request("GET", sim.controlUrl().resolved(QUrl("/_sim/"))).json()["blocking_queries"] == 0;
            if (!dropped)
                QThread::msleep(10);
        }
        QVERIFY2(dropped, "a disconnected client's blocking query must be forgotten");
    }
};

QTEST_GUILESS_MAIN(TstSimBlocking)
#include "tst_simblocking.moc"
