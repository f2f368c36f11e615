// Integration: a corpus of malformed and hostile requests against a running baton-service. Each gets its
// status and a JSON error {"error", "message"}; the service stays up, bounded and stores nothing for them.

#include "servicetestenv.h"

#include <QDir>
#include <QFile>
#include <QTcpSocket>
#include <QTemporaryDir>

using namespace Baton::Test;
using nlohmann::json;

namespace {

int statusOf(const QByteArray &raw)
{
    if (!raw.startsWith("HTTP/1."))
        return 0;
    return raw.mid(9, 3).toInt();
}

bool isJsonError(const QByteArray &body)
{
    const json j = json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
    return j.is_object() && j.size() == 2 && j.contains("error") && j["error"].is_string() && j.contains("message")
        && j["message"].is_string() && !j["message"].get<std::string>().empty();
}

QByteArray bodyOf(const QByteArray &raw)
{
    const qsizetype end = raw.indexOf("\r\n\r\n");
    return end < 0 ? QByteArray() : raw.mid(end + 4);
}

// Who answers a malformed request. libmicrohttpd parses the request line, the header block and the body's
// framing itself; what it rejects never reaches the service's code, and libmicrohttpd 0.9.75 offers no way to
// supply the body of those answers (docs/service.md, "What libmicrohttpd answers itself").
enum class AnsweredBy
{
    Service, // the service's own code: a JSON error with the right status
    Library, // libmicrohttpd: the right status with its own HTML body, then the connection is closed
    Nobody, // libmicrohttpd closes the connection without an answer (a request line it cannot split)
};

struct RawExchange
{
    QByteArray bytes;
    bool closedByServer = false;
};

// Sends bytes on a fresh connection and reads until the server closes it or timeoutMs pass.
RawExchange rawExchange(const QUrl &url, const QByteArray &request, int timeoutMs)
{
    RawExchange r;
    QTcpSocket s;
    s.connectToHost(url.host(), quint16(url.port()));
    if (!s.waitForConnected(timeoutMs))
        return r;
    s.write(request);
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs && s.state() == QAbstractSocket::ConnectedState) {
        s.waitForReadyRead(int(std::max<qint64>(1, std::min<qint64>(100, timeoutMs - t.elapsed()))));
        r.bytes += s.readAll();
    }
    r.bytes += s.readAll();
    r.closedByServer = s.state() != QAbstractSocket::ConnectedState;
    return r;
}

qint64 rssKb(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

} // namespace

Q_DECLARE_METATYPE(AnsweredBy)

class TstServiceBadInput : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void malformedHttp_data();
    void malformedHttp();
    void chunkedBodyPastTheLimit();
    void oversizedBodyRefusedBeforeItIsSent();
    void apiRequests_data();
    void apiRequests();
    void symlinkOutOfThePlaybookFolder();
    void manyConcurrentConnections();
    void nothingWasStored();

private:
    ConsulSimFixture m_sim;
    ServiceFixture m_svc;
    QTemporaryDir m_playbooks;
};

void TstServiceBadInput::initTestCase()
{
    QVERIFY2(m_sim.start(webDatacenter(2)), qPrintable(m_sim.errorString()));
    // A playbook folder of our own, with a symlink that points out of it.
    QVERIFY(QFile::copy(Baton::TestPaths::sourceDir() + "/tests/service/data/playbooks/rolling.yml",
        m_playbooks.path() + "/rolling.yml"));
    QTemporaryDir outside;
    outside.setAutoRemove(false);
    QFile secret(outside.path() + "/secret.yml");
    QVERIFY(secret.open(QIODevice::WriteOnly));
    secret.write("- hosts: all\n");
    secret.close();
    QVERIFY(QFile::link(outside.path() + "/secret.yml", m_playbooks.path() + "/escape.yml"));
    ServiceFixture::Options o = serviceOptions(m_sim);
    o.playbooks = m_playbooks.path();
    QVERIFY2(m_svc.start(o), qPrintable(m_svc.errorString()));
}

void TstServiceBadInput::cleanupTestCase()
{
    QCOMPARE(m_svc.request("GET", "/v1/health", {}, {}).status, 200);
    const QByteArray logs = m_svc.logOutput();
    QVERIFY(!logs.contains(ServiceFixture::operatorToken()));
    QVERIFY(!logs.contains(ServiceFixture::viewerToken()));
}

void TstServiceBadInput::malformedHttp_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<AnsweredBy>("answeredBy");
    const auto S = AnsweredBy::Service;
    const auto L = AnsweredBy::Library;
    const QByteArray auth = "Authorization: Bearer " + ServiceFixture::operatorToken() + "\r\n";
    // A request line without a single space is, to libmicrohttpd 0.9.75, not worth an answer
    // (parse_initial_message_line fails before any request exists; RFC 9112 §3 only says SHOULD 400).
    QTest::newRow("garbage") << QByteArray("GARBAGE\r\n\r\n") << 0 << AnsweredBy::Nobody;
    QTest::newRow("binary") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n", 13) << 0
                            << AnsweredBy::Nobody;
    // With a space it has no HTTP version, which is answered.
    QTest::newRow("garbage words") << QByteArray("GARBAGE LINE\r\n\r\n") << 400 << L;
    QTest::newRow("http/2") << QByteArray("GET /v1/health HTTP/2.0\r\nHost: x\r\n\r\n") << 505 << L;
    QTest::newRow("http/0.9") << QByteArray("GET /v1/health HTTP/0.9\r\nHost: x\r\n\r\n") << 505 << L;
    QTest::newRow("http/1.2") << QByteArray("GET /v1/health HTTP/1.2\r\nHost: x\r\n\r\n") << 505 << S;
    QTest::newRow("no host") << QByteArray("GET /v1/health HTTP/1.1\r\n\r\n") << 400 << S;
    QTest::newRow("header without colon")
        << QByteArray("GET /v1/health HTTP/1.1\r\nHost: x\r\nbroken header\r\n\r\n") << 400 << L;
    QTest::newRow("folded header") << QByteArray("GET /v1/health HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n\r\n") << 400
                                   << S;
    // A fold whose continuation is not a token makes a field name the service refuses.
    QTest::newRow("folded header, words")
        << QByteArray("GET /v1/health HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  two words\r\n\r\n") << 400 << S;
    QTest::newRow("space in header name")
        << QByteArray("GET /v1/health HTTP/1.1\r\nHost: x\r\nX A: 1\r\n\r\n") << 400 << S;
    QByteArray many = "GET /v1/health HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 100; ++i)
        many += "X-H" + QByteArray::number(i) + ": v\r\n";
    QTest::newRow("too many headers") << QByteArray(many + "\r\n") << 431 << S;
    QTest::newRow("huge header") << QByteArray("GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(40000, 'a')
        + "\r\n\r\n") << 431 << S;
    // Past the connection's memory pool the library answers itself.
    QTest::newRow("header past the pool")
        << QByteArray("GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(80000, 'a') + "\r\n\r\n") << 431
        << L;
    QTest::newRow("long uri") << QByteArray("GET /v1/" + QByteArray(10000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n") << 414
                              << S;
    QTest::newRow("uri past the pool") << QByteArray(
        "GET /v1/" + QByteArray(80000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n")
                                       << 414 << L;
    QTest::newRow("absolute uri") << QByteArray("GET http://evil/v1/health HTTP/1.1\r\nHost: x\r\n\r\n") << 400 << S;
    QTest::newRow("bad escape") << QByteArray("GET /v1/jobs/%zz HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n") << 400 << S;
    QTest::newRow("encoded nul") << QByteArray("GET /v1/jobs/1%00 HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n") << 400 << S;
    QTest::newRow("length and chunked") << QByteArray("POST /v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth
        + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                                        << 400 << S;
    QTest::newRow("two lengths") << QByteArray(
        "POST /v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n")
                                 << 400 << S;
    // libmicrohttpd reads Content-Length before the service sees the head.
    QTest::newRow("negative length") << QByteArray(
        "POST /v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: -1\r\n\r\n")
                                     << 400 << L;
    QTest::newRow("length past 64 bits") << QByteArray(
        "POST /v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 99999999999999999999999\r\n\r\n")
                                         << 413 << L;
    QTest::newRow("gzip coding") << QByteArray(
        "POST /v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth + "Transfer-Encoding: gzip\r\n\r\n")
                                 << 501 << S;
    // Chunk framing is the library's: a bad chunk is answered by it.
    QTest::newRow("bad chunk size") << QByteArray(
        "POST /v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\nzz\r\n")
                                    << 400 << L;
    QTest::newRow("chunk size past 64 bits") << QByteArray(
        "POST /v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\n1000000000000000000\r\n")
                                             << 413 << L;
    QTest::newRow("chunk without its CRLF") << QByteArray(
        "POST /v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n")
                                            << 400 << L;
    // The sizes of chunks are not visible to the service, only the bytes: a chunked body is refused once it
    // has been sent past the limit (chunkedBodyPastTheLimit shows it is cut off if it goes on much further).
    QTest::newRow("chunked too large") << QByteArray("POST /v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth
        + "Transfer-Encoding: chunked\r\n\r\n180000\r\n" + QByteArray(0x180000, ' ') + "\r\n0\r\n\r\n")
                                       << 413 << S;
    QTest::newRow("expect other") << QByteArray(
        "POST /v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth + "Expect: magic\r\nContent-Length: 2\r\n\r\n{}")
                                  << 417 << S;
    QTest::newRow("unknown path") << QByteArray("GET /v2/whatever HTTP/1.1\r\nHost: x\r\n\r\n") << 404 << S;
    QTest::newRow("wrong method") << QByteArray("DELETE /v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n") << 405 << S;
    QTest::newRow("dot segments") << QByteArray("GET /v1/jobs/../health HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n") << 404
                                  << S;
}

void TstServiceBadInput::malformedHttp()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(AnsweredBy, answeredBy);
    // "Connection: close" so that every row ends with the server closing, whoever answered.
    const qsizetype headEnd = request.indexOf("\r\n\r\n");
    if (answeredBy == AnsweredBy::Service && headEnd > 0 && request.indexOf("\r\n") < headEnd)
        request.insert(request.indexOf("\r\n") + 2, "Connection: close\r\n");
    const RawExchange r = rawExchange(m_svc.url(), request, 10000);
    if (QByteArray(QTest::currentDataTag()) == "folded header") {
        // libmicrohttpd 0.9.75 (process_broken_line) appends a folded line to the field *name* ("X-A2: 1"): it
        // neither rejects obs-fold nor replaces it with a space as RFC 9112 §5.2 requires, and the service only
        // sees the result. Kept as the expectation until the library is replaced or fixed.
        QEXPECT_FAIL("folded header", "libmicrohttpd 0.9.75 merges a folded line into the field name", Abort);
    }
    QCOMPARE(statusOf(r.bytes), status);
    QVERIFY2(r.closedByServer, r.bytes.left(300).constData());
    switch (answeredBy) {
    case AnsweredBy::Service:
        QVERIFY2(isJsonError(bodyOf(r.bytes)), r.bytes.left(300).constData());
        break;
    case AnsweredBy::Library:
        // Whatever the body, the client is told not to reuse the connection, and it is closed.
        QVERIFY2(r.bytes.toLower().contains("\r\nconnection: close\r\n"), r.bytes.left(300).constData());
        break;
    case AnsweredBy::Nobody:
        QVERIFY2(r.bytes.isEmpty(), r.bytes.left(300).constData());
        break;
    }
    // And the service keeps serving.
    QCOMPARE(m_svc.request("GET", "/v1/health", {}, {}).status, 200);
}

void TstServiceBadInput::chunkedBodyPastTheLimit()
{
    // A chunked body that keeps coming well past the limit is not read to its end: the connection is cut and
    // memory does not grow with it.
    const qint64 before = rssKb(m_svc.pid());
    QTcpSocket s;
    s.connectToHost(m_svc.url().host(), quint16(m_svc.url().port()));
    QVERIFY(s.waitForConnected(5000));
    s.write("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ServiceFixture::operatorToken()
        + "\r\nTransfer-Encoding: chunked\r\n\r\n");
    const QByteArray chunk = "100000\r\n" + QByteArray(0x100000, 'x') + "\r\n";
    int sent = 0;
    for (; sent < 64 && s.state() == QAbstractSocket::ConnectedState; ++sent) {
        s.write(chunk);
        s.waitForBytesWritten(2000);
    }
    QTRY_VERIFY_WITH_TIMEOUT((s.waitForReadyRead(50), s.state() != QAbstractSocket::ConnectedState), 10000);
    QVERIFY2(sent < 64, "the server read a 64 MiB chunked body to its end");
    const qint64 after = rssKb(m_svc.pid());
    QVERIFY2(
        after - before < 16 * 1024, qPrintable(QStringLiteral("RSS grew from %1 kB to %2 kB").arg(before).arg(after)));
    QCOMPARE(m_svc.request("GET", "/v1/health", {}, {}).status, 200);
}

void TstServiceBadInput::oversizedBodyRefusedBeforeItIsSent()
{
    // 2 GB announced, nothing sent: the answer comes at once, and the service's memory does not grow.
    const qint64 before = rssKb(m_svc.pid());
    QTcpSocket s;
    s.connectToHost(m_svc.url().host(), quint16(m_svc.url().port()));
    QVERIFY(s.waitForConnected(5000));
    s.write("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ServiceFixture::operatorToken()
        + "\r\nContent-Type: application/json\r\nContent-Length: 2000000000\r\nExpect: 100-continue\r\n\r\n");
    QByteArray in;
    QElapsedTimer t;
    t.start();
    while (!in.contains("\r\n\r\n") && t.elapsed() < 5000) {
        s.waitForReadyRead(100);
        in += s.readAll();
    }
    QCOMPARE(statusOf(in), 413);
    // A client that sends its large body anyway is cut off, not buffered.
    const QByteArray chunk(1024 * 1024, 'x');
    for (int i = 0; i < 64 && s.state() == QAbstractSocket::ConnectedState; ++i) {
        s.write(chunk);
        s.waitForBytesWritten(1000);
    }
    const qint64 after = rssKb(m_svc.pid());
    QVERIFY2(
        after - before < 16 * 1024, qPrintable(QStringLiteral("RSS grew from %1 kB to %2 kB").arg(before).arg(after)));
    // A 2 MB body with an honest length is refused the same way.
    const auto big = m_svc.request("POST", "/v1/jobs", QByteArray(2 * 1024 * 1024, ' '));
    QVERIFY(big.status == 413 || big.status == 0); // the server may close before the client finished sending
}

void TstServiceBadInput::apiRequests_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<int>("status");
    const QByteArray O = ServiceFixture::operatorToken();
    const QByteArray V = ServiceFixture::viewerToken();
    auto launch = [](const char *playbook, const json &target, const json &more = json::object()) {
        json j = { { "playbook", playbook }, { "target", target } };
        for (auto it = more.begin(); it != more.end(); ++it)
            j[it.key()] = it.value();
        return QByteArray::fromStdString(j.dump());
    };
    const json web = { { "service", "web" } };
    QTest::newRow("bad json") << QByteArray("POST") << "/v1/jobs" << QByteArray("{\"playbook\": ") << O << 400;
    QTest::newRow("not an object") << QByteArray("POST") << "/v1/jobs" << QByteArray("[1,2]") << O << 400;
    QTest::newRow("empty body") << QByteArray("POST") << "/v1/jobs" << QByteArray() << O << 400;
    QTest::newRow("invalid utf-8") << QByteArray("POST") << "/v1/jobs" << QByteArray("{\"playbook\": \"\xff\xfe\"}")
                                   << O << 400;
    QTest::newRow("playbook a number") << QByteArray("POST") << "/v1/jobs"
                                       << QByteArray(R"({"playbook": 5, "target": {"service": "web"}})") << O << 400;
    QTest::newRow("target a string") << QByteArray("POST") << "/v1/jobs"
                                     << QByteArray(R"({"playbook": "rolling.yml", "target": "web"})") << O << 400;
    QTest::newRow("extra_vars a list") << QByteArray("POST") << "/v1/jobs"
                                       << launch("rolling.yml", web, { { "extra_vars", json::array() } }) << O << 400;
    QTest::newRow("timeout a string") << QByteArray("POST") << "/v1/jobs"
                                      << launch("rolling.yml", web, { { "timeout_s", "10" } }) << O << 400;
    QTest::newRow("timeout negative") << QByteArray("POST") << "/v1/jobs"
                                      << launch("rolling.yml", web, { { "timeout_s", -1 } }) << O << 400;
    QTest::newRow("check_mode a string") << QByteArray("POST") << "/v1/jobs"
                                         << launch("rolling.yml", web, { { "check_mode", "yes" } }) << O << 400;
    QTest::newRow("nodes not strings") << QByteArray("POST") << "/v1/jobs"
                                       << launch("rolling.yml", { { "nodes", { 1, 2 } } }) << O << 400;
    QTest::newRow("unknown field") << QByteArray("POST") << "/v1/jobs"
                                   << launch("rolling.yml", web, { { "extra_var", json::object() } }) << O << 400;
    QTest::newRow("unknown target field")
        << QByteArray("POST") << "/v1/jobs" << launch("rolling.yml", { { "service", "web" }, { "tags", "x" } }) << O
        << 400;
    QByteArray deep(200, '[');
    deep += QByteArray(200, ']');
    QTest::newRow("too deep") << QByteArray("POST") << "/v1/jobs"
                              << QByteArray("{\"playbook\": \"rolling.yml\", \"extra_vars\": {\"x\": " + deep + "}}")
                              << O << 400;
    QTest::newRow("unknown playbook") << QByteArray("POST") << "/v1/jobs" << launch("nope.yml", web) << O << 422;
    QTest::newRow("traversal") << QByteArray("POST") << "/v1/jobs" << launch("../../../etc/passwd", web) << O << 422;
    QTest::newRow("absolute path") << QByteArray("POST") << "/v1/jobs" << launch("/etc/passwd", web) << O << 422;
    QTest::newRow("sub path") << QByteArray("POST") << "/v1/jobs" << launch("tasks/change.yml", web) << O << 422;
    QTest::newRow("release playbook") << QByteArray("POST") << "/v1/jobs" << launch("@release", web) << O << 422;
    QTest::newRow("no target") << QByteArray("POST") << "/v1/jobs" << launch("rolling.yml", json::object()) << O << 422;
    QTest::newRow("tag alone") << QByteArray("POST") << "/v1/jobs" << launch("rolling.yml", { { "tag", "blue" } }) << O
                               << 422;
    QTest::newRow("node name with shell")
        << QByteArray("POST") << "/v1/jobs" << launch("rolling.yml", { { "nodes", { "web-1;rm -rf /" } } }) << O << 422;
    QTest::newRow("node pattern") << QByteArray("POST") << "/v1/jobs"
                                  << launch("rolling.yml", { { "nodes", { "web-*" } } }) << O << 422;
    QTest::newRow("node twice") << QByteArray("POST") << "/v1/jobs"
                                << launch("rolling.yml", { { "nodes", { "web-1", "web-1" } } }) << O << 422;
    QTest::newRow("unknown node") << QByteArray("POST") << "/v1/jobs"
                                  << launch("rolling.yml", { { "nodes", { "db-9" } } }) << O << 422;
    QTest::newRow("unknown service") << QByteArray("POST") << "/v1/jobs"
                                     << launch("rolling.yml", { { "service", "nosuch" } }) << O << 422;
    QTest::newRow("unknown tag") << QByteArray("POST") << "/v1/jobs"
                                 << launch("rolling.yml", { { "service", "web" }, { "tag", "green" } }) << O << 422;
    QTest::newRow("node without the service")
        << QByteArray("POST") << "/v1/jobs" << launch("rolling.yml", { { "nodes", { "web-1" } }, { "service", "db" } })
        << O << 422;
    QTest::newRow("reserved var") << QByteArray("POST") << "/v1/jobs"
                                  << launch("rolling.yml", web, { { "extra_vars", { { "baton_job_id", 1 } } } }) << O
                                  << 422;
    QTest::newRow("bad var name") << QByteArray("POST") << "/v1/jobs"
                                  << launch("rolling.yml", web, { { "extra_vars", { { "two words", 1 } } } }) << O
                                  << 422;
    QTest::newRow("extra vars too large")
        << QByteArray("POST") << "/v1/jobs"
        << launch("rolling.yml", web, { { "extra_vars", { { "blob", std::string(300 * 1024, 'x') } } } }) << O << 413;
    QTest::newRow("no token") << QByteArray("POST") << "/v1/jobs" << launch("rolling.yml", web) << QByteArray() << 401;
    QTest::newRow("bad token") << QByteArray("POST") << "/v1/jobs" << launch("rolling.yml", web)
                               << QByteArray("not-a-token-at-all") << 401;
    QTest::newRow("viewer launches") << QByteArray("POST") << "/v1/jobs" << launch("rolling.yml", web) << V << 403;
    QTest::newRow("viewer audit") << QByteArray("GET") << "/v1/audit" << QByteArray() << V << 403;
    QTest::newRow("limit zero") << QByteArray("GET") << "/v1/jobs?limit=0" << QByteArray() << V << 400;
    QTest::newRow("limit text") << QByteArray("GET") << "/v1/jobs?limit=ten" << QByteArray() << V << 400;
    QTest::newRow("cursor negative") << QByteArray("GET") << "/v1/jobs?cursor=-5" << QByteArray() << V << 400;
    QTest::newRow("unknown state") << QByteArray("GET") << "/v1/jobs?state=running,exploded" << QByteArray() << V
                                   << 400;
    QTest::newRow("job id text") << QByteArray("GET") << "/v1/jobs/abc" << QByteArray() << V << 404;
    QTest::newRow("job id huge") << QByteArray("GET") << "/v1/jobs/99999999999999999999999" << QByteArray() << V << 404;
    QTest::newRow("log offset text") << QByteArray("GET") << "/v1/jobs/1/nodes/web-1/log?offset=x" << QByteArray() << V
                                     << 400;
    QTest::newRow("cancel unknown job") << QByteArray("POST") << "/v1/jobs/4242/cancel" << QByteArray("{}") << O << 404;
    QTest::newRow("cancel bad mode") << QByteArray("POST") << "/v1/jobs/4242/cancel"
                                     << QByteArray(R"({"mode": "later"})") << O << 400;
    QTest::newRow("cancel body list") << QByteArray("POST") << "/v1/jobs/4242/cancel" << QByteArray("[]") << O << 400;
    QTest::newRow("node cancel bad maintenance")
        << QByteArray("POST") << "/v1/jobs/4242/nodes/web-1/cancel"
        << QByteArray(R"({"mode": "force", "maintenance": "maybe"})") << O << 400;
    QTest::newRow("relaunch nodes not a list")
        << QByteArray("POST") << "/v1/jobs/4242/relaunch" << QByteArray(R"({"nodes": "web-1"})") << O << 400;
    QTest::newRow("release bad node") << QByteArray("POST") << "/v1/nodes/..%2Fetc/release" << QByteArray("{}") << O
                                      << 422;
    QTest::newRow("release unknown node")
        << QByteArray("POST") << "/v1/nodes/db-9/release" << QByteArray("{}") << O << 422;
}

void TstServiceBadInput::apiRequests()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, token);
    QFETCH(int, status);
    const auto r = m_svc.request(method, path, body, token);
    QVERIFY2(r.status == status,
        qPrintable(
            QStringLiteral("%1 instead of %2: %3").arg(r.status).arg(status).arg(QString::fromUtf8(r.body.left(300)))));
    QVERIFY2(isJsonError(r.body), r.body.left(300).constData());
    if (status == 401)
        QVERIFY(!r.header("www-authenticate").isEmpty());
}

void TstServiceBadInput::symlinkOutOfThePlaybookFolder()
{
    const auto list = m_svc.request("GET", "/v1/playbooks", {}, ServiceFixture::viewerToken());
    QCOMPARE(list.status, 200);
    QVERIFY(!list.body.contains("escape.yml"));
    QVERIFY(list.body.contains("rolling.yml"));
    const auto r = m_svc.request("POST", "/v1/jobs", R"({"playbook": "escape.yml", "target": {"service": "web"}})");
    QCOMPARE(r.status, 422);
}

void TstServiceBadInput::manyConcurrentConnections()
{
    // 600 clients connected at once, each with a request in flight: every one is answered.
    constexpr int kClients = 600;
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < kClients; ++i) {
        auto s = std::make_unique<QTcpSocket>();
        s->connectToHost(m_svc.url().host(), quint16(m_svc.url().port()));
        sockets.push_back(std::move(s));
    }
    for (auto &s : sockets)
        QVERIFY(s->waitForConnected(10000));
    for (auto &s : sockets)
        s->write("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
    int answered = 0;
    QElapsedTimer t;
    t.start();
    std::vector<QByteArray> in(kClients);
    while (answered < kClients && t.elapsed() < 30000) {
        answered = 0;
        for (int i = 0; i < kClients; ++i) {
            sockets[i]->waitForReadyRead(0);
            in[i] += sockets[i]->readAll();
            if (in[i].contains("\r\n\r\n") && statusOf(in[i]) == 200)
                ++answered;
        }
        QTest::qWait(20);
    }
    QCOMPARE(answered, kClients);
}

void TstServiceBadInput::nothingWasStored()
{
    const auto jobs = m_svc.request("GET", "/v1/jobs", {}, ServiceFixture::viewerToken());
    QCOMPARE(jobs.status, 200);
    QCOMPARE(jobs.json()["jobs"].size(), 0u);
    // Refused calls are audited with who tried (never the token).
    const auto audit = m_svc.request("GET", "/v1/audit?limit=1000", {}, ServiceFixture::adminToken());
    QCOMPARE(audit.status, 200);
    QVERIFY(audit.json()["entries"].size() > 10);
    QVERIFY(!audit.body.contains(ServiceFixture::operatorToken()));
    QVERIFY(!audit.body.contains("not-a-token-at-all"));
}

QTEST_GUILESS_MAIN(TstServiceBadInput)
#include "tst_servicebadinput.moc"
