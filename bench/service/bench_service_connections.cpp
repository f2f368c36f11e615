// How the job service's HTTP server (libmicrohttpd in external epoll mode on the Qt thread) holds many
// concurrent connections: N clients each hold an event stream open while the server broadcasts a timestamped
// frame to all of them every 100 ms, and one more client makes sequential small requests meanwhile.
//
// The clients run in a child process (this program re-run with --clients) so the server's memory is measured
// alone. Prints: connections held, time to establish them, server RSS growth per held connection, broadcast
// delivery latency (p50/p99/max, frames lost), and request latency while they are held, against the same
// request latency with no held connections, measured in the same run.
//
// Run: bench_service_connections [connections=1000] [seconds=10]

#include "service/http/httprouter.h"
#include "service/http/httpserver.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>
#include <QProcess>
#include <QTcpSocket>
#include <QTimer>

using namespace Baton;

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

qint64 percentile(std::vector<qint64> v, double p)
{
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
}

// ------------------------------------------------------------------------------------------ client side

// Sequential GET /ping on one keep-alive connection; latencies in microseconds.
class Pinger : public QObject
{
public:
    Pinger(quint16 port, int count, std::function<void(std::vector<qint64>)> done)
        : m_count(count)
        , m_done(std::move(done))
    {
        connect(&m_socket, &QTcpSocket::connected, this, &Pinger::send);
        connect(&m_socket, &QTcpSocket::readyRead, this, &Pinger::read);
        m_socket.connectToHost(QHostAddress::LocalHost, port);
    }

private:
    void send()
    {
        m_clock.start();
        m_socket.write("GET /ping HTTP/1.1\r\nHost: bench\r\n\r\n");
    }
    void read()
    {
        m_buffer += m_socket.readAll();
        // The answer is small and fixed: its head, then a 2-byte body ("{}").
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0 || m_buffer.size() < end + 4 + 2)
            return;
        m_buffer.remove(0, end + 4 + 2);
        m_latencies.push_back(m_clock.nsecsElapsed() / 1000);
        if (int(m_latencies.size()) < m_count)
            send();
        else
            m_done(std::move(m_latencies));
    }
    QTcpSocket m_socket;
    int m_count;
    std::function<void(std::vector<qint64>)> m_done;
    QElapsedTimer m_clock;
    QByteArray m_buffer;
    std::vector<qint64> m_latencies;
};

int runClients(quint16 port, int connections, int seconds)
{
    // Holders: each requests /hold and reads frames "data: <ms>\n\n" (inside chunks: only the timestamps are
    // looked at, and a chunk-size line never starts with "data: ").
    struct Holder
    {
        QTcpSocket *socket;
        QByteArray buffer;
        bool started = false;
        quint64 next = 1; // the broadcast sequence number expected next
    };
    std::vector<Holder> holders(std::size_t(connections), Holder { nullptr, {}, false, 1 });
    quint64 gaps = 0;
    quint64 duplicates = 0;
    std::vector<qint64> delivery;
    quint64 frames = 0;
    int started = 0;
    int failed = 0;
    QElapsedTimer establish;
    establish.start();
    qint64 establishedMs = -1;
    for (int i = 0; i < connections; ++i) {
        auto *s = new QTcpSocket(qApp);
        holders[std::size_t(i)].socket = s;
        QObject::connect(s, &QTcpSocket::connected, s, [s] { s->write("GET /hold HTTP/1.1\r\nHost: bench\r\n\r\n"); });
        QObject::connect(s, &QTcpSocket::errorOccurred, s, [&failed] { ++failed; });
        QObject::connect(s, &QTcpSocket::readyRead, s, [&, i] {
            Holder &h = holders[std::size_t(i)];
            h.buffer += h.socket->readAll();
            if (!h.started) {
                if (!h.buffer.contains("\r\n\r\n"))
                    return;
                h.started = true;
                if (++started == connections) {
                    establishedMs = establish.elapsed();
                    std::printf("ready\n");
                    std::fflush(stdout);
                }
                h.buffer.remove(0, h.buffer.indexOf("\r\n\r\n") + 4);
            }
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            qsizetype pos = 0;
            while (true) {
                const qsizetype at = h.buffer.indexOf("data: ", pos);
                if (at < 0)
                    break;
                const qsizetype end = h.buffer.indexOf("\n\n", at);
                if (end < 0)
                    break;
                const QList<QByteArray> fields = h.buffer.mid(at + 6, end - at - 6).split(' ');
                const quint64 seq = fields.value(0).toULongLong();
                if (seq < h.next) {
                    ++duplicates;
                } else {
                    gaps += seq - h.next;
                    h.next = seq + 1;
                }
                delivery.push_back(now - fields.value(1).toLongLong());
                ++frames;
                pos = end + 2;
            }
            h.buffer.remove(0, pos);
        });
        s->connectToHost(QHostAddress::LocalHost, port);
    }
    // Wait until every holder has its stream (or 30 s), then ping while the server broadcasts.
    QElapsedTimer wait;
    wait.start();
    while (started < connections && wait.elapsed() < 30000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    if (started < connections) {
        std::printf("ready\n");
        std::fflush(stdout);
    }
    std::vector<qint64> pings;
    bool pinged = false;
    QTimer::singleShot(1000, [&] {
        new Pinger(port, 500, [&](std::vector<qint64> l) {
            pings = std::move(l);
            pinged = true;
        });
    });
    QElapsedTimer run;
    run.start();
    while (run.elapsed() < qint64(seconds) * 1000 + 1000 || !pinged) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        if (run.elapsed() > qint64(seconds) * 1000 + 30000)
            break;
    }
    std::printf("held %d of %d (connect errors %d) in %lld ms\n", started, connections, failed,
        static_cast<long long>(establishedMs));
    quint64 fewest = holders.empty() ? 0 : holders.front().next - 1;
    for (const Holder &h : holders)
        fewest = std::min(fewest, h.next - 1);
    std::printf("frames %llu (fewest per client %llu), gaps %llu, duplicates %llu\n",
        static_cast<unsigned long long>(frames), static_cast<unsigned long long>(fewest),
        static_cast<unsigned long long>(gaps), static_cast<unsigned long long>(duplicates));
    std::printf("delivery_ms p50 %lld p99 %lld max %lld\n", static_cast<long long>(percentile(delivery, 0.5)),
        static_cast<long long>(percentile(delivery, 0.99)), static_cast<long long>(percentile(delivery, 1.0)));
    std::printf("ping_us p50 %lld p99 %lld\n", static_cast<long long>(percentile(pings, 0.5)),
        static_cast<long long>(percentile(pings, 0.99)));
    std::fflush(stdout);
    return 0;
}

// ------------------------------------------------------------------------------------------ server side

struct ServerSide
{
    HttpServer server { [] {
        HttpLimits l;
        l.maxConnections = 8192;
        return l;
    }() };
    HttpRouter router;
    std::vector<QPointer<HttpConnection>> held;
    quint64 sent = 0;

    ServerSide()
    {
        router.add("GET", QStringLiteral("/ping"), QStringLiteral("none"),
            [](HttpRequest &, const HttpResponder &r) { r.send(HttpResponse::text(200, "{}", "application/json")); });
        router.add(
            "GET", QStringLiteral("/hold"), QStringLiteral("none"), [this](HttpRequest &, const HttpResponder &r) {
                if (HttpConnection *c = r.startStream(200, { { "Content-Type", "text/event-stream" } }))
                    held.emplace_back(c);
            });
        server.setHandler([this](HttpRequest &req, const HttpResponder &r) { router.handle(req, r); });
    }
    void broadcast()
    {
        const QByteArray frame = "data: " + QByteArray::number(++sent) + ' '
            + QByteArray::number(QDateTime::currentMSecsSinceEpoch()) + "\n\n";
        for (const QPointer<HttpConnection> &c : held) {
            if (c)
                c->streamWrite(frame);
        }
    }
};

// Runs the client process against the server and relays its lines; the server side keeps serving meanwhile.
QStringList runAgainst(
    ServerSide &side, int connections, int seconds, bool broadcast, qint64 *rssHeldKb, qint64 *rssBeforeKb)
{
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(),
        { QStringLiteral("--clients"), QString::number(side.server.port()), QString::number(connections),
            QString::number(seconds) });
    *rssBeforeKb = rssKb();
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, [&side] { side.broadcast(); });
    QByteArray out;
    bool ready = false;
    QElapsedTimer clock;
    clock.start();
    while (child.state() != QProcess::NotRunning || child.bytesAvailable() > 0) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        child.waitForReadyRead(1);
        out += child.readAllStandardOutput();
        if (!ready && out.contains("ready\n")) {
            ready = true;
            *rssHeldKb = rssKb();
            if (broadcast)
                tick.start(100);
        }
        if (clock.elapsed() > qint64(seconds) * 1000 + 90000) {
            child.kill();
            break;
        }
    }
    child.waitForFinished(5000);
    out += child.readAllStandardOutput();
    QStringList lines;
    for (const QByteArray &l : out.split('\n')) {
        if (!l.isEmpty() && l != "ready")
            lines.append(QString::fromUtf8(l));
    }
    return lines;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("baton.*.info=false\nbaton.*.warning=false"));
    const QStringList args = app.arguments();
    if (args.size() >= 5 && args.at(1) == u"--clients")
        return runClients(quint16(args.at(2).toUInt()), args.at(3).toInt(), args.at(4).toInt());
    if (args.contains(QStringLiteral("--help"))) {
        std::printf("usage: bench_service_connections [connections=1000] [seconds=10]\n");
        return 0;
    }
    const int connections = args.size() > 1 ? std::max(1, args.at(1).toInt()) : 1000;
    const int seconds = args.size() > 2 ? std::max(2, args.at(2).toInt()) : 10;

    ServerSide side;
    if (auto port = side.server.listen(QHostAddress::LocalHost, 0); !port) {
        std::printf("cannot listen: %s\n", qPrintable(port.error().message));
        return 1;
    }
    std::printf("libmicrohttpd server on port %u, load average at start: ", side.server.port());
    QFile load(QStringLiteral("/proc/loadavg"));
    if (load.open(QIODevice::ReadOnly))
        std::printf("%s", load.readAll().left(15).constData());
    std::printf("\n");

    // Baseline in the same run: the request latency with no connection held.
    qint64 before = 0;
    qint64 held = 0;
    const QStringList baseline = runAgainst(side, 0, 2, false, &held, &before);
    for (const QString &l : baseline) {
        if (l.startsWith(u"ping_us"))
            std::printf("baseline (0 held): %s\n", qPrintable(l));
    }

    const QStringList lines = runAgainst(side, connections, seconds, true, &held, &before);
    for (const QString &l : lines)
        std::printf("%d held: %s\n", connections, qPrintable(l));
    std::printf("broadcasts sent: %llu (the last ones may still be in flight when the clients stop)\n",
        static_cast<unsigned long long>(side.sent));
    std::printf("server RSS %lld kB before, %lld kB with the streams held: %.1f kB per held connection\n",
        static_cast<long long>(before), static_cast<long long>(held),
        connections > 0 ? double(held - before) / connections : 0.0);
    return 0;
}
