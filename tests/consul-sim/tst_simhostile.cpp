// Malformed and hostile requests into consul-sim: each gets the right status or a closed connection, never a
// crash, a hang of the server, or unbounded memory.
#include "support/consulsimfixture.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

using Baton::Test::ConsulSimFixture;
using json = nlohmann::json;

namespace {

qint64 rssKiB(qint64 pid)
{
    QFile f(QString("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

} // namespace

class TstSimHostile : public QObject
{
    Q_OBJECT

private:
    ConsulSimFixture sim;

    std::unique_ptr<QTcpSocket> open()
    {
        auto s = std::make_unique<QTcpSocket>();
        const QUrl u = sim.agentUrl("n1");
        s->connectToHost(u.host(), quint16(u.port()));
        if (!s->waitForConnected(5000))
            return nullptr;
        return s;
    }

    // Sends raw bytes; returns everything received until the server closes or timeoutMs passes.
    QByteArray raw(const QByteArray &bytes, int timeoutMs = 3000, bool *closed = nullptr)
    {
        auto s = open();
        if (!s)
            return "<connect failed>";
        s->write(bytes);
        s->waitForBytesWritten(2000);
        QByteArray got;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            if (s->state() != QAbstractSocket::ConnectedState) {
                got += s->readAll();
                break;
            }
            s->waitForReadyRead(50);
            got += s->readAll();
        }
        if (closed)
            *closed = s->state() != QAbstractSocket::ConnectedState;
        return got;
    }

    void checkAlive()
    {
        const auto r = sim.request("GET", "n1", "/v1/agent/self");
        QCOMPARE(r.status, 200);
    }

private Q_SLOTS:
    void initTestCase()
    {
        const json config = { { "nodes", json::array({ ConsulSimFixture::node("n1") }) },
            { "limits", { { "http_read_timeout", "500ms" }, { "http_max_conns_per_client", 50 } } } };
        QVERIFY2(sim.start(config), qPrintable(sim.errorString()));
    }

    void garbageBytes()
    {
        QByteArray junk;
        for (int i = 0; i < 512; ++i)
            junk += char((i * 37 + 11) & 0xff);
        bool closed = false;
        const QByteArray got = raw(junk + "\r\n\r\n", 3000, &closed);
        QVERIFY2(got.startsWith("HTTP/1.1 400 Bad Request"), got.left(80).constData());
        QVERIFY(closed);
        checkAlive();
    }

    void protocolErrors_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QByteArray>("status");
        QTest::newRow("no version") << QByteArray("GET /v1/kv/x\r\n\r\n") << QByteArray("400");
        QTest::newRow("http2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << QByteArray("505");
        QTest::newRow("bad method") << QByteArray("G{T /v1/kv/x HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray("400");
        QTest::newRow("no host") << QByteArray("GET /v1/kv/x HTTP/1.1\r\n\r\n") << QByteArray("400");
        QTest::newRow("header without colon")
            << QByteArray("GET /v1/kv/x HTTP/1.1\r\nHost: x\r\nbroken\r\n\r\n") << QByteArray("400");
        QTest::newRow("folded header") << QByteArray("GET /v1/kv/x HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n")
                                       << QByteArray("400");
        QTest::newRow("bad content-length")
            << QByteArray("PUT /v1/kv/x HTTP/1.1\r\nHost: x\r\nContent-Length: ab\r\n\r\n") << QByteArray("400");
        QTest::newRow("conflicting content-length")
            << QByteArray("PUT /v1/kv/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")
            << QByteArray("400");
        QTest::newRow("unknown transfer-encoding")
            << QByteArray("PUT /v1/kv/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n") << QByteArray("501");
        QTest::newRow("bad chunk size") << QByteArray(
            "PUT /v1/kv/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                                        << QByteArray("400");
        QTest::newRow("bad escape") << QByteArray("GET /v1/kv/%zz HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray("400");
        QTest::newRow("control char in target")
            << QByteArray("GET /v1/kv/\x01 HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray("400");
        QTest::newRow("bad expect") << QByteArray("PUT /v1/kv/x HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n")
                                    << QByteArray("417");
    }

    void protocolErrors()
    {
        QFETCH(QByteArray, request);
        QFETCH(QByteArray, status);
        bool closed = false;
        const QByteArray got = raw(request, 3000, &closed);
        QVERIFY2(got.startsWith("HTTP/1.1 " + status), got.left(120).constData());
        QVERIFY(closed);
        checkAlive();
    }

    void hugeHeadersAre431AndMemoryStaysBounded()
    {
        const qint64 before = rssKiB(sim.pid());
        for (int i = 0; i < 5; ++i) {
            bool closed = false;
            QByteArray req = "GET /v1/kv/x HTTP/1.1\r\nHost: x\r\nX-Big: ";
            req += QByteArray(2 * 1024 * 1024, 'a');
            const QByteArray got = raw(req, 5000, &closed);
            QVERIFY2(got.startsWith("HTTP/1.1 431 Request Header Fields Too Large"), got.left(80).constData());
            QVERIFY(closed);
        }
        const qint64 after = rssKiB(sim.pid());
        qInfo("consul-sim RSS before %lld KiB, after five 2 MiB header floods %lld KiB", before, after);
        QVERIFY2(after - before < 32 * 1024, "header floods must not grow memory without bound");
        checkAlive();
    }

    void declaredHugeBodyIsRefusedBeforeReading()
    {
        bool closed = false;
        const QByteArray got
            = raw("PUT /v1/kv/big HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\nabc", 3000, &closed);
        QVERIFY2(got.startsWith("HTTP/1.1 413"), got.left(80).constData());
        QVERIFY(got.contains("Request body(99999999999 bytes) too large"));
        QVERIFY(closed);
        const QByteArray other
            = raw("PUT /v1/session/create HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 3000, &closed);
        QVERIFY2(other.startsWith("HTTP/1.1 413"), other.left(80).constData());
        checkAlive();
    }

    void chunkedBodies()
    {
        QByteArray got
            = raw("PUT /v1/kv/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                  "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n");
        QVERIFY2(got.startsWith("HTTP/1.1 200 OK"), got.left(80).constData());
        QCOMPARE(sim.request("GET", "n1", "/v1/kv/chunked?raw").body, QByteArray("hello world"));
        QByteArray big = "PUT /v1/kv/chunkedbig HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 3; ++i)
            big += "40000\r\n" + QByteArray(0x40000, 'z') + "\r\n";
        bool closed = false;
        got = raw(big, 5000, &closed);
        QVERIFY2(got.startsWith("HTTP/1.1 413"), got.left(80).constData());
        QVERIFY(closed);
        checkAlive();
    }

    void stalledRequestsAreDropped()
    {
        // A head that never ends, and a body shorter than declared: both dropped after http_read_timeout.
        for (const QByteArray &partial : { QByteArray("GET /v1/kv/x HTTP/1.1\r\nHost: x\r\nX-Slow: "),
                 QByteArray("PUT /v1/kv/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc") }) {
            bool closed = false;
            QElapsedTimer t;
            t.start();
            const QByteArray got = raw(partial, 5000, &closed);
            QVERIFY2(closed, "a stalled request must not hold its connection forever");
            QVERIFY(got.isEmpty());
            QVERIFY(t.elapsed() >= 400);
        }
        checkAlive();
    }

    void keepAlivePipeliningAndHttp10()
    {
        auto s = open();
        QVERIFY(s);
        s->write("GET /v1/kv/nope1 HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/agent/self HTTP/1.1\r\nHost: x\r\n\r\n");
        QByteArray got;
        QElapsedTimer t;
        t.start();
        while (got.count("HTTP/1.1 ") < 2 && t.elapsed() < 5000) {
            s->waitForReadyRead(100);
            got += s->readAll();
        }
        QVERIFY(got.startsWith("HTTP/1.1 404 Not Found"));
        QVERIFY(got.indexOf("HTTP/1.1 200 OK") > 0);
        QCOMPARE(s->state(), QAbstractSocket::ConnectedState); // keep-alive

        bool closed = false;
        got = raw("GET /v1/agent/self HTTP/1.0\r\n\r\n", 3000, &closed);
        QVERIFY(got.startsWith("HTTP/1.1 200 OK"));
        QVERIFY(got.contains("Connection: close"));
        QVERIFY(closed);
        got = raw("PUT /v1/kv/expect HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\nConnection: "
                  "close\r\n\r\nabc");
        QVERIFY2(got.startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK"), got.left(80).constData());
    }

    void pathCleaningRedirects()
    {
        bool closed = false;
        QByteArray got = raw("GET /v1//kv/x?recurse HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3000, &closed);
        QVERIFY(got.startsWith("HTTP/1.1 301 Moved Permanently"));
        QVERIFY(got.contains("Location: /v1/kv/x?recurse"));
        got = raw("GET /v1/kv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QVERIFY(got.startsWith("HTTP/1.1 301"));
        QVERIFY(got.contains("Location: /v1/kv/"));
        got = raw("GET /v1/a/../kv/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QVERIFY(got.contains("Location: /v1/kv/x"));
        QCOMPARE(sim.request("GET", "n1", "/").status, 200);
        QCOMPARE(sim.request("GET", "n1", "/favicon.ico").status, 404);
        QCOMPARE(sim.request("HEAD", "n1", "/v1/agent/self").status, 405);
    }

    void oddQueries()
    {
        sim.request("PUT", "n1", "/v1/kv/odd/a", "1");
        QCOMPARE(sim.request("GET", "n1", "/v1/kv/odd/?recurse&recurse&index=&wait=").status, 200);
        QCOMPARE(sim.request("GET", "n1", "/v1/kv/odd/a?a;b=c").status, 200); // semicolon pairs are ignored
        QCOMPARE(sim.request("GET", "n1", "/v1/kv/odd/a?index=99999999999999999999999").status, 400);
        QCOMPARE(sim.request("GET", "n1", "/v1/kv/odd/a?wait=99999999999h").status, 400);
        QCOMPARE(
            sim.request("GET", "n1", "/v1/catalog/nodes?filter=" + QUrl::toPercentEncoding(QString(5000, '('))).status,
            500);
        // Deep enough to overflow a recursive parser's stack: refused with a 500, the simulator lives on.
        const QByteArray deepFilter = QUrl::toPercentEncoding(QString(200000, '(') + "Node == \"a\"");
        QCOMPARE(sim.request("GET", "n1", "/v1/catalog/nodes?filter=" + deepFilter).status, 500);
        const json deep = json::parse(std::string(2000, '[') + std::string(2000, ']'));
        QCOMPARE(sim.request("PUT", "n1", "/v1/txn", QByteArray::fromStdString(deep.dump())).status, 400);
        QCOMPARE(sim.request("PUT", "n1", "/v1/session/create", QByteArray(3000, '{')).status, 400);
        QCOMPARE(sim.request("PUT", "n1", "/v1/agent/check/update/x", "\xff\xfe garbage").status, 400);
        checkAlive();
    }

    void mutatedRequestsNeverHurtTheServer()
    {
        // Deterministic mutations of valid requests: flipped bytes, cut-offs, duplicated spans. Every answer
        // must be a well-formed HTTP status line or a closed connection, and the server must live on.
        const QList<QByteArray> seeds {
            "PUT /v1/kv/m/a?cas=0&flags=7 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
            "GET /v1/health/service/web?passing&index=3&wait=10ms&filter=Service.Port%20%3D%3D%2080 HTTP/1.1\r\nHost: "
            "x\r\n\r\n",
            "PUT /v1/txn HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
            "chunked\r\n\r\n1a\r\n[{\"KV\":{\"Verb\":\"get\",\"Key\":\"a\"}}]\r\n0\r\n\r\n",
            "PUT /v1/session/create HTTP/1.1\r\nHost: x\r\nContent-Length: 27\r\n\r\n{\"TTL\":\"10s\",\"LockDelay\":5}",
        };
        quint32 state = 12345;
        auto next = [&state] {
            state = state * 1664525u + 1013904223u;
            return state >> 8;
        };
        for (int round = 0; round < 80; ++round) {
            QByteArray req = seeds[round % seeds.size()];
            const int edits = 1 + int(next() % 4);
            for (int e = 0; e < edits; ++e) {
                const int pos = int(next() % quint32(req.size()));
                switch (next() % 4) {
                case 0:
                    req[pos] = char(next() & 0xff);
                    break;
                case 1:
                    req.truncate(pos);
                    break;
                case 2:
                    req.insert(pos, req.mid(pos, int(next() % 64)));
                    break;
                default:
                    req.remove(pos, int(next() % 8));
                    break;
                }
                if (req.isEmpty())
                    req = "X";
            }
            bool closed = false;
            const QByteArray got = raw(req + "\r\n\r\n", 700, &closed);
            QVERIFY2(got.isEmpty() || got.startsWith("HTTP/1.1 "), got.left(60).constData());
        }
        checkAlive();
    }

    void perClientConnectionLimit()
    {
        std::vector<std::unique_ptr<QTcpSocket>> held;
        for (int i = 0; i < 50; ++i) {
            auto s = open();
            QVERIFY(s);
            held.push_back(std::move(s));
        }
        QThread::msleep(100);
        auto extra = open();
        QVERIFY(extra);
        extra->write("GET /v1/agent/self HTTP/1.1\r\nHost: x\r\n\r\n");
        extra->waitForReadyRead(1000);
        const QByteArray got = extra->readAll();
        QVERIFY2(got.isEmpty(), "a connection past the per-client limit must be closed, not answered");
        QTRY_COMPARE_WITH_TIMEOUT(extra->state(), QAbstractSocket::UnconnectedState, 3000);
        held.clear();
        QTRY_COMPARE_WITH_TIMEOUT(sim.request("GET", "n1", "/v1/agent/self").status, 200, 3000);
    }
};

QTEST_GUILESS_MAIN(TstSimHostile)
#include "tst_simhostile.moc"
