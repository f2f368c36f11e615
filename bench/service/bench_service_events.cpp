// Events per second the job service's event stream sustains to N clients, with delivery latency (from an
// event's creation through the store commit to the client's parse), on SQLite and on PostgreSQL.
//
// The producer publishes node.log events (≈200 bytes) through the Journal (persist, then broadcast) at a
// target rate; 100 SSE clients run on a separate thread and check that every client sees every sequence
// number exactly once. Prints one line per store and rate.

#include "../../tests/service/pgcluster.h"
#include "core/base/timestamps.h"
#include "service/eventstreamhub.h"
#include "service/http/httprouter.h"
#include "service/http/httpserver.h"
#include "service/journal.h"
#include "service/metrics.h"
#include "service/store/sqljobstore.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

using namespace Baton;

namespace {

struct ClientStats
{
    std::mutex mutex;
    std::vector<qint64> latencies;
    quint64 received = 0;
    quint64 gaps = 0;
    quint64 duplicates = 0;
};

// 100 SSE clients on one thread, each parsing its stream and timing every event.
class Clients : public QObject
{
public:
    Clients(quint16 port, int count, quint64 from, ClientStats *stats)
        : m_port(port)
        , m_count(count)
        , m_from(from)
        , m_stats(stats)
    { }
    void start()
    {
        for (int i = 0; i < m_count; ++i) {
            auto *s = new QTcpSocket(this);
            m_state.push_back({ s, {}, 0, {}, false, 0 });
            const int index = i;
            const quint64 from = m_from;
            connect(s, &QTcpSocket::connected, s, [s, from] {
                s->write("GET /v1/events HTTP/1.1\r\nHost: bench\r\nLast-Event-ID: " + QByteArray::number(from)
                    + "\r\n\r\n");
            });
            connect(s, &QTcpSocket::readyRead, this, [this, index] { read(index); });
            s->connectToHost(QHostAddress::LocalHost, m_port);
        }
    }

private:
    struct State
    {
        QTcpSocket *socket;
        QByteArray buffer; // the decoded stream (SSE text)
        quint64 last;
        QByteArray raw; // bytes as received: the head, then chunks
        bool headDone = false;
        qint64 chunkLeft = 0; // payload bytes left in the current chunk; -1: its CRLF is next
    };
    // The stream is chunked (HTTP/1.1); where chunks fall is the server's business, so the framing is decoded
    // before the SSE text is parsed.
    static void decode(State &st)
    {
        if (!st.headDone) {
            const qsizetype end = st.raw.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            st.raw.remove(0, end + 4);
            st.headDone = true;
        }
        qsizetype pos = 0;
        while (pos < st.raw.size()) {
            if (st.chunkLeft > 0) {
                const qsizetype take = std::min<qsizetype>(st.chunkLeft, st.raw.size() - pos);
                st.buffer += st.raw.mid(pos, take);
                pos += take;
                st.chunkLeft -= take;
                if (st.chunkLeft == 0)
                    st.chunkLeft = -1;
                continue;
            }
            const qsizetype eol = st.raw.indexOf("\r\n", pos);
            if (eol < 0)
                break;
            if (st.chunkLeft == -1) {
                st.chunkLeft = 0; // the CRLF after a chunk's payload
            } else {
                st.chunkLeft = st.raw.mid(pos, eol - pos).split(';').first().toLongLong(nullptr, 16);
            }
            pos = eol + 2;
        }
        st.raw.remove(0, pos);
    }
    void read(int i)
    {
        State &st = m_state[std::size_t(i)];
        st.raw += st.socket->readAll();
        decode(st);
        const qint64 now = Timestamps::nowMs();
        std::vector<qint64> lat;
        qsizetype pos = 0;
        while (true) {
            const qsizetype end = st.buffer.indexOf("\n\n", pos);
            if (end < 0)
                break;
            const QByteArray block = st.buffer.mid(pos, end - pos);
            pos = end + 2;
            const qsizetype idAt = block.indexOf("id: ");
            if (idAt < 0)
                continue;
            const quint64 id = block.mid(idAt + 4, block.indexOf('\n', idAt) - idAt - 4).toULongLong();
            const qsizetype atAt = block.indexOf("\"at\":\"");
            if (id <= st.last) {
                std::lock_guard<std::mutex> l(m_stats->mutex);
                ++m_stats->duplicates;
                continue;
            }
            if (st.last > 0 && id != st.last + 1) {
                std::lock_guard<std::mutex> l(m_stats->mutex);
                m_stats->gaps += id - st.last - 1;
            }
            st.last = id;
            if (atAt >= 0) {
                const QString iso = QString::fromLatin1(block.mid(atAt + 6, 24));
                if (auto at = Timestamps::fromIso(iso))
                    lat.push_back(now - *at);
            }
        }
        st.buffer.remove(0, pos);
        std::lock_guard<std::mutex> l(m_stats->mutex);
        m_stats->received += lat.size();
        m_stats->latencies.insert(m_stats->latencies.end(), lat.begin(), lat.end());
    }
    quint16 m_port;
    int m_count;
    quint64 m_from;
    ClientStats *m_stats;
    std::vector<State> m_state;
};

qint64 percentile(std::vector<qint64> v, double p)
{
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
}

void runOne(const QString &label, const QString &where, int clients, int rate, int seconds)
{
    auto storeResult = SqlJobStore::fromLocation(where);
    if (!storeResult || !(*storeResult)->open()) {
        std::printf("%s: cannot open the store\n", qPrintable(label));
        return;
    }
    std::unique_ptr<SqlJobStore> store = std::move(*storeResult);
    Job job;
    job.spec.playbook = QStringLiteral("bench.yml");
    job.spec.target.service = QStringLiteral("web");
    job.operatorName = QStringLiteral("bench");
    job.createdAtMs = Timestamps::nowMs();
    NodeRun r;
    r.node = QStringLiteral("web-1");
    job.nodes.append(r);
    (void)store->createJob(job, std::nullopt);

    Metrics metrics;
    Journal journal(store.get(), &metrics);
    EventStreamHub::Options o;
    o.pollMs = store->kind() == u"postgresql" ? 500 : 0;
    EventStreamHub hub(store.get(), &metrics, o);
    (void)hub.start();
    QObject::connect(&journal, &Journal::committed, &hub, &EventStreamHub::onCommitted);
    HttpServer server(HttpLimits {});
    HttpRouter router;
    router.add("GET", QStringLiteral("/v1/events"), QStringLiteral("viewer"),
        [&hub](HttpRequest &req, const HttpResponder &resp) {
            HttpConnection *c = resp.startStream(200, { { "Content-Type", "text/event-stream" } });
            if (c)
                hub.attach(c, quint64(req.header("last-event-id").toULongLong()), 0);
        });
    server.setHandler([&router](HttpRequest &req, const HttpResponder &resp) { router.handle(req, resp); });
    const quint16 port = *server.listen(QHostAddress::LocalHost, 0);

    ClientStats stats;
    QThread clientThread;
    Clients *c = new Clients(port, clients, hub.lastSeq(), &stats);
    c->moveToThread(&clientThread);
    clientThread.start();
    QMetaObject::invokeMethod(c, [c] { c->start(); });
    // Let every client connect before producing.
    QElapsedTimer wait;
    wait.start();
    while (hub.clientCount() < clients && wait.elapsed() < 10000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);

    const QString text = QString(180, u'x');
    quint64 published = 0;
    QElapsedTimer clock;
    clock.start();
    QTimer tick;
    // Publish in 10 ms ticks, as many as the target rate asks for by now.
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const quint64 due = quint64(double(clock.elapsed()) * rate / 1000.0);
        while (published < due) {
            JobEvent e;
            e.type = JobEvent::Type::NodeLog;
            e.jobId = job.id;
            e.node = r.node;
            e.offset = qint64(published) * 180;
            e.text = text;
            journal.publish(std::move(e));
            ++published;
        }
    });
    tick.start(10);
    while (clock.elapsed() < seconds * 1000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    tick.stop();
    (void)journal.flushNow();
    // Drain: wait until every client has everything (or 10 s).
    QElapsedTimer drain;
    drain.start();
    while (drain.elapsed() < 10000) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        std::lock_guard<std::mutex> l(stats.mutex);
        if (stats.received >= published * quint64(clients))
            break;
    }
    const double elapsed = double(clock.elapsed()) / 1000.0;
    QMetaObject::invokeMethod(c, [c] { c->deleteLater(); });
    clientThread.quit();
    clientThread.wait();
    std::lock_guard<std::mutex> l(stats.mutex);
    std::printf("%-11s clients %3d  target %6d ev/s  published %7llu  delivered/client %7.0f ev/s  latency p50 %4lld "
                "ms  p99 %5lld ms  max %5lld ms  gaps %llu  dups %llu\n",
        qPrintable(label), clients, rate, static_cast<unsigned long long>(published),
        double(stats.received) / double(clients) / elapsed, static_cast<long long>(percentile(stats.latencies, 0.5)),
        static_cast<long long>(percentile(stats.latencies, 0.99)),
        static_cast<long long>(percentile(stats.latencies, 1.0)), static_cast<unsigned long long>(stats.gaps),
        static_cast<unsigned long long>(stats.duplicates));
    std::fflush(stdout);
    hub.closeAll();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("baton.*.info=false"));
    const int seconds = argc > 1 ? std::max(1, atoi(argv[1])) : 5;
    const QList<int> rates = { 500, 2000, 5000 };
    QTemporaryDir dir;
    int n = 0;
    for (int rate : rates)
        runOne(QStringLiteral("sqlite"), dir.path() + QStringLiteral("/bench-%1.db").arg(++n), 100, rate, seconds);
    runOne(QStringLiteral("sqlite"), dir.path() + QStringLiteral("/bench-%1.db").arg(++n), 1, 2000, seconds);
    Test::PgCluster pg;
    if (!Test::PgCluster::available() || !pg.start()) {
        std::printf("postgresql: skipped (%s)\n", qPrintable(pg.errorString()));
        return 0;
    }
    for (int rate : rates)
        runOne(QStringLiteral("postgresql"), pg.url(), 100, rate, seconds);
    return 0;
}
