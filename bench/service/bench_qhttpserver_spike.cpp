// The spike behind the job service's choice of HTTP server (docs/service.md, "HTTP server"): what QHttpServer
// 6.4 (Debian's qt6-httpserver-dev) does with a huge body, many headers and an endless header block, compared
// with the service's own HttpServer (libmicrohttpd) in the same run. Prints the server's memory growth and
// whether the request reached the handler. Run: bench_qhttpserver_spike
// (The SSE question needs no run: QHttpServerResponder 6.4 keeps a raw QTcpSocket* and a reference to the
// request that is reused; the socket is deleted when the client leaves, so a responder kept for streaming can
// write to freed memory. See docs/service.md.)

#include "service/http/httpserver.h"

#include <atomic>
#include <cstdio>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QHttpServer>
#include <QLoggingCategory>
#include <QTcpSocket>
#include <QThread>

namespace {

qint64 rssKb()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

// Sends `head` then `bodyBytes` of filler; returns the first bytes of the answer (empty if none).
QByteArray exchange(quint16 port, const QByteArray &head, qint64 bodyBytes, int timeoutMs)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(3000))
        return {};
    s.write(head);
    const QByteArray chunk(256 * 1024, 'x');
    QByteArray answer;
    QElapsedTimer t;
    t.start();
    for (qint64 sent = 0;
         sent < bodyBytes && s.state() == QAbstractSocket::ConnectedState && t.elapsed() < timeoutMs;) {
        s.write(chunk.left(qMin<qint64>(chunk.size(), bodyBytes - sent)));
        sent += chunk.size();
        while (s.bytesToWrite() > 4 * 1024 * 1024 && s.state() == QAbstractSocket::ConnectedState) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
            s.waitForBytesWritten(10);
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
        answer += s.readAll();
    }
    while (answer.isEmpty() && t.elapsed() < timeoutMs && s.state() == QAbstractSocket::ConnectedState) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        s.waitForReadyRead(20);
        answer += s.readAll();
    }
    return answer.left(40);
}

// The three probes, against a server on `port` whose refusing handler counts its calls in `handled`.
void probe(const char *label, quint16 port, const std::atomic<int> &handled)
{
    std::printf("%s on port %u\n", label, port);
    const qint64 base = rssKb();
    const QByteArray big
        = exchange(port, "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 268435456\r\n\r\n", 268435456, 60000);
    std::printf(
        "  256 MiB body to a route that refuses it: handler ran %d time(s), answer \"%s\", server RSS +%lld MiB\n",
        handled.load(), big.left(12).constData(), static_cast<long long>((rssKb() - base) / 1024));

    const qint64 base2 = rssKb();
    QByteArray many = "GET /v1/jobs HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 20000; ++i)
        many += "X-H" + QByteArray::number(i) + ": value\r\n";
    const QByteArray answer2 = exchange(port, many + "\r\n", 0, 10000);
    std::printf("  20000 header lines: answer \"%s\", handler ran %d time(s) in all, RSS +%lld MiB\n",
        answer2.left(12).constData(), handled.load(), static_cast<long long>((rssKb() - base2) / 1024));

    const qint64 base3 = rssKb();
    QTcpSocket endless;
    endless.connectToHost(QHostAddress::LocalHost, port);
    endless.waitForConnected(3000);
    endless.write("GET /v1/jobs HTTP/1.1\r\nHost: x\r\n");
    const QByteArray line = "X-Endless: " + QByteArray(1000, 'e') + "\r\n";
    QElapsedTimer t;
    t.start();
    qint64 sent = 0;
    while (t.elapsed() < 5000 && endless.state() == QAbstractSocket::ConnectedState && sent < 128 * 1024 * 1024) {
        for (int i = 0; i < 256; ++i)
            endless.write(line);
        sent += 256 * line.size();
        endless.waitForBytesWritten(50);
        QCoreApplication::processEvents();
    }
    std::printf("  an endless header block: %lld MiB sent in %lld ms, connection %s, server RSS +%lld MiB\n",
        static_cast<long long>(sent / (1024 * 1024)), static_cast<long long>(t.elapsed()),
        endless.state() == QAbstractSocket::ConnectedState ? "still open" : "closed",
        static_cast<long long>((rssKb() - base3) / 1024));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("baton.*.info=false"));
    // Each server runs on its own thread so the client here can push while it reads. The service's server
    // goes first, so that it does not profit from memory the other one freed.
    QThread serverThread;
    QObject context;
    context.moveToThread(&serverThread);
    serverThread.start();

    Baton::HttpServer *ours = nullptr;
    quint16 port = 0;
    std::atomic<int> handledOurs { 0 };
    QMetaObject::invokeMethod(
        &context,
        [&] {
            ours = new Baton::HttpServer(Baton::HttpLimits {});
            ours->setHandler([&handledOurs](Baton::HttpRequest &, const Baton::HttpResponder &r) {
                ++handledOurs;
                r.send(Baton::HttpResponse::error(413, QStringLiteral("too_large"), QStringLiteral("refused")));
            });
            port = ours->listen(QHostAddress::LocalHost, 0).value_or(0);
        },
        Qt::BlockingQueuedConnection);
    probe("the service's HttpServer (libmicrohttpd 0.9.75)", port, handledOurs);
    QMetaObject::invokeMethod(
        &context, [&] { delete ours; }, Qt::BlockingQueuedConnection);

    QHttpServer *server = nullptr;
    std::atomic<int> handled { 0 };
    QMetaObject::invokeMethod(
        &context,
        [&] {
            server = new QHttpServer;
            server->route(QStringLiteral("/v1/jobs"), [&handled](const QHttpServerRequest &) {
                ++handled;
                return QHttpServerResponse(QHttpServerResponder::StatusCode::PayloadTooLarge);
            });
            port = server->listen(QHostAddress::LocalHost, 0);
        },
        Qt::BlockingQueuedConnection);
    probe("QHttpServer 6.4", port, handled);
    QMetaObject::invokeMethod(
        &context, [&] { delete server; }, Qt::BlockingQueuedConnection);
    serverThread.quit();
    serverThread.wait();
    return 0;
}
