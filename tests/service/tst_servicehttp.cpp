// Unit: the service's HTTP/1.1 server in process — keep-alive and pipelining in order, chunked request bodies,
// deferred answers, streaming answers, the connection cap, and TLS with a throwaway certificate.

#include "service/http/httprouter.h"
#include "service/http/httpserver.h"

#include <QProcess>
#include <QSignalSpy>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace Baton;

namespace {

// Decodes an HTTP/1.1 chunked body (RFC 9112 §7.1) fed in pieces: hex sizes in either case, extensions, the
// last chunk and its trailer section. feed() is false on a framing error.
struct ChunkedDecoder
{
    QByteArray payload;
    bool ended = false;
    QByteArray buffer;

    bool feed(const QByteArray &bytes)
    {
        buffer += bytes;
        while (!ended) {
            const qsizetype lineEnd = buffer.indexOf("\r\n");
            if (lineEnd < 0)
                return true;
            QByteArray sizeText = buffer.left(lineEnd);
            if (const qsizetype semi = sizeText.indexOf(';'); semi >= 0)
                sizeText.truncate(semi);
            bool ok = false;
            const qsizetype size = sizeText.trimmed().toLongLong(&ok, 16);
            if (!ok || size < 0)
                return false;
            if (size == 0) {
                // Last chunk: no trailers are sent, so the blank line follows at once.
                if (buffer.size() < lineEnd + 4)
                    return true;
                if (buffer.mid(lineEnd + 2, 2) != "\r\n")
                    return false;
                buffer.remove(0, lineEnd + 4);
                ended = true;
                break;
            }
            if (buffer.size() < lineEnd + 2 + size + 2)
                return true;
            if (buffer.mid(lineEnd + 2 + size, 2) != "\r\n")
                return false;
            payload += buffer.mid(lineEnd + 2, size);
            buffer.remove(0, lineEnd + 2 + size + 2);
        }
        return buffer.isEmpty();
    }
};

} // namespace

class TstServiceHttp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void pipelinedRequestsAnswerInOrder();
    void chunkedBodyIsDecoded();
    void deferredAnswerAndStream();
    void streamClientLeaving();
    void connectionCapAnswers503();
    void tls();

private:
    QByteArray exchange(const QByteArray &request, int expectAnswers, int timeoutMs = 5000);
    std::unique_ptr<HttpServer> m_server;
    HttpRouter m_router;
    HttpConnection *m_stream = nullptr;
};

void TstServiceHttp::init()
{
    m_router = HttpRouter();
    m_router.add("GET", "/ping/{n}", "none", [](HttpRequest &req, const HttpResponder &r) {
        r.send(HttpResponse::json(200, { { "pong", req.param("n").toStdString() } }));
    });
    m_router.add("POST", "/echo", "none", [](HttpRequest &req, const HttpResponder &r) {
        r.send(HttpResponse::text(200, req.body, "application/octet-stream"));
    });
    m_router.add("GET", "/later", "none", [](HttpRequest &, const HttpResponder &r) {
        QTimer::singleShot(50, [r] { r.send(HttpResponse::json(202, { { "later", true } })); });
    });
    m_router.add("GET", "/stream", "none", [this](HttpRequest &, const HttpResponder &r) {
        m_stream = r.startStream(200, { { "Content-Type", "text/event-stream" } });
        if (m_stream)
            m_stream->streamWrite("data: one\n\n");
    });
    HttpLimits limits;
    limits.maxConnections = 20;
    m_server = std::make_unique<HttpServer>(limits);
    m_server->setHandler([this](HttpRequest &req, const HttpResponder &r) { m_router.handle(req, r); });
}

void TstServiceHttp::cleanup()
{
    m_stream = nullptr;
    m_server.reset();
}

QByteArray TstServiceHttp::exchange(const QByteArray &request, int expectAnswers, int timeoutMs)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, m_server->port());
    if (!s.waitForConnected(3000))
        return {};
    s.write(request);
    QByteArray in;
    QElapsedTimer t;
    t.start();
    while (in.count("HTTP/1.1 ") < expectAnswers && t.elapsed() < timeoutMs) {
        QTest::qWait(10);
        in += s.readAll();
    }
    QTest::qWait(20);
    in += s.readAll();
    return in;
}

void TstServiceHttp::pipelinedRequestsAnswerInOrder()
{
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    const QByteArray in = exchange("GET /ping/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /later HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /ping/3 HTTP/1.1\r\nHost: x\r\n\r\n",
        3);
    const qsizetype a = in.indexOf("\"pong\":\"1\"");
    const qsizetype b = in.indexOf("\"later\":true");
    const qsizetype c = in.indexOf("\"pong\":\"3\"");
    QVERIFY2(a >= 0 && b > a && c > b, in.constData());
    QCOMPARE(in.count("HTTP/1.1 "), 3);
}

void TstServiceHttp::chunkedBodyIsDecoded()
{
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    const QByteArray in = exchange("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
        1);
    QVERIFY2(in.startsWith("HTTP/1.1 200"), in.constData());
    QVERIFY(in.endsWith("\r\n\r\nhello world"));
    QVERIFY(in.contains("Content-Length: 11"));
}

void TstServiceHttp::deferredAnswerAndStream()
{
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, m_server->port());
    QVERIFY(s.waitForConnected(3000));
    s.write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    QTRY_VERIFY(m_stream != nullptr);
    m_stream->streamWrite("data: two\n\n");
    QByteArray in;
    QTRY_VERIFY((in += s.readAll()).contains("two"));
    const qsizetype headEnd = in.indexOf("\r\n\r\n");
    QVERIFY(headEnd > 0);
    const QByteArray head = in.left(headEnd + 2).toLower();
    QVERIFY2(head.startsWith("http/1.1 200"), in.constData());
    QVERIFY(head.contains("\r\ntransfer-encoding: chunked\r\n"));
    QVERIFY(head.contains("\r\ncontent-type: text/event-stream\r\n"));
    QVERIFY(!head.contains("content-length"));
    // The client gets exactly the frames written, in order, in well-formed chunks; where the chunks fall is
    // the server's business.
    ChunkedDecoder decoder;
    QVERIFY2(decoder.feed(in.mid(headEnd + 4)), in.constData());
    QCOMPARE(decoder.payload, QByteArray("data: one\n\ndata: two\n\n"));
    QVERIFY(!decoder.ended);
    // Ending the stream sends the last chunk and closes the connection.
    m_stream->streamWrite("data: three\n\n");
    m_stream->closeStream();
    QByteArray rest;
    QElapsedTimer t;
    t.start();
    while (s.state() != QAbstractSocket::UnconnectedState && t.elapsed() < 5000) {
        QTest::qWait(20); // the server runs on this thread: let the event loop turn
        rest += s.readAll();
    }
    rest += s.readAll();
    QCOMPARE(s.state(), QAbstractSocket::UnconnectedState);
    QVERIFY2(decoder.feed(rest), rest.constData());
    QCOMPARE(decoder.payload, QByteArray("data: one\n\ndata: two\n\ndata: three\n\n"));
    QVERIFY(decoder.ended);
}

void TstServiceHttp::streamClientLeaving()
{
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, m_server->port());
    QVERIFY(s.waitForConnected(3000));
    s.write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    QTRY_VERIFY(m_stream != nullptr);
    QByteArray in;
    QTRY_VERIFY((in += s.readAll()).contains("one"));
    QSignalSpy closed(m_stream, &HttpConnection::closed);
    s.disconnectFromHost();
    QTRY_COMPARE(closed.count(), 1);
    QTRY_COMPARE(m_server->connectionCount(), 0);
}

void TstServiceHttp::connectionCapAnswers503()
{
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    std::vector<std::unique_ptr<QTcpSocket>> held;
    for (int i = 0; i < 20; ++i) {
        held.push_back(std::make_unique<QTcpSocket>());
        held.back()->connectToHost(QHostAddress::LocalHost, m_server->port());
        QVERIFY(held.back()->waitForConnected(3000));
    }
    QTRY_COMPARE(m_server->connectionCount(), 20);
    const QByteArray in = exchange("GET /ping/1 HTTP/1.1\r\nHost: x\r\n\r\n", 1);
    QVERIFY2(in.startsWith("HTTP/1.1 503"), in.constData());
    QVERIFY(in.contains("\"error\":\"unavailable\""));
}

void TstServiceHttp::tls()
{
    QTemporaryDir dir;
    QProcess openssl;
    openssl.start("openssl",
        { "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1", "-keyout",
            dir.path() + "/key.pem", "-out", dir.path() + "/cert.pem" });
    if (!openssl.waitForStarted(5000))
        QSKIP("openssl is not installed");
    QVERIFY(openssl.waitForFinished(30000));
    QCOMPARE(openssl.exitCode(), 0);
    QFile certFile(dir.path() + "/cert.pem");
    QFile keyFile(dir.path() + "/key.pem");
    QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificateChain(QSslCertificate::fromData(certFile.readAll()));
    tls.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Rsa));
    m_server->setTls(tls);
    QVERIFY(m_server->isTls());
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    QSslSocket s;
    s.setPeerVerifyMode(QSslSocket::VerifyNone);
    s.connectToHostEncrypted("localhost", m_server->port());
    QTRY_VERIFY_WITH_TIMEOUT(s.isEncrypted(), 10000);
    s.write("GET /ping/7 HTTP/1.1\r\nHost: x\r\n\r\n");
    QByteArray in;
    QTRY_VERIFY((in += s.readAll()).contains("\"pong\":\"7\""));
    // Plain HTTP to a TLS port gets no answer.
    const QByteArray plain = exchange("GET /ping/1 HTTP/1.1\r\nHost: x\r\n\r\n", 1, 1000);
    QVERIFY(!plain.contains("pong"));
}

QTEST_GUILESS_MAIN(TstServiceHttp)
#include "tst_servicehttp.moc"
