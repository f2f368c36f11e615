#include "service/eventstreamhub.h"

#include "core/base/timestamps.h"
#include "core/domain/eventcodec.h"
#include "service/metrics.h"
#include "service/servicelogging.h"

namespace Baton {

EventStreamHub::EventStreamHub(JobStore *store, Metrics *metrics, Options options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_metrics(metrics)
    , m_options(options)
{
    connect(&m_heartbeat, &QTimer::timeout, this, &EventStreamHub::heartbeat);
    connect(&m_poll, &QTimer::timeout, this, &EventStreamHub::poll);
    if (m_metrics) {
        m_metrics->describe(QStringLiteral("baton_event_stream_clients"), QStringLiteral("gauge"),
            QStringLiteral("clients connected to GET /v1/events"));
        m_metrics->describe(QStringLiteral("baton_event_lag_seconds"), QStringLiteral("histogram"),
            QStringLiteral("from an event's creation to its commit and hand-over to the stream clients"));
        m_metrics->describe(QStringLiteral("baton_event_seq"), QStringLiteral("gauge"),
            QStringLiteral("the newest committed event sequence number"));
        m_metrics->addCollector([this](Metrics &m) {
            m.set(QStringLiteral("baton_event_stream_clients"), {}, double(m_clients.size()));
            m.set(QStringLiteral("baton_event_seq"), {}, double(m_lastSeq));
        });
    }
}

Result<void> EventStreamHub::start()
{
    BATON_TRY(counter, m_store->meta(QStringLiteral("event_seq")));
    m_lastSeq = counter ? counter->toULongLong() : 0;
    m_heartbeat.start(m_options.heartbeatMs);
    if (m_options.pollMs > 0)
        m_poll.start(m_options.pollMs);
    return {};
}

QByteArray EventStreamHub::frame(const StoredEvent &e)
{
    QByteArray f;
    f.reserve(e.data.size() + 32);
    f += "id: ";
    f += QByteArray::number(e.seq);
    f += "\ndata: ";
    f += e.data;
    f += "\n\n";
    return f;
}

void EventStreamHub::appendToRing(const StoredEvent &e)
{
    m_ring.push_back(Framed { e.seq, e.jobId, frame(e) });
    m_ringSize += m_ring.back().frame.size();
    while (m_ring.size() > 1 && (int(m_ring.size()) > m_options.ringCapacity || m_ringSize > m_options.ringBytes)) {
        m_ringSize -= m_ring.front().frame.size();
        m_ring.pop_front();
    }
}

void EventStreamHub::onCommitted(const QList<StoredEvent> &events)
{
    if (m_options.pollMs > 0) {
        // Several writers share the store: read it in order instead of trusting our own batch alone.
        poll();
        return;
    }
    const qint64 now = Timestamps::nowMs();
    for (const StoredEvent &e : events) {
        if (e.seq <= m_lastSeq)
            continue;
        appendToRing(e);
        m_lastSeq = e.seq;
        if (m_metrics)
            m_metrics->observe(
                QStringLiteral("baton_event_lag_seconds"), {}, double(std::max<qint64>(0, now - e.atMs)) / 1000.0);
    }
    const auto clients = m_clients.values();
    for (Client *c : clients)
        pump(c);
}

void EventStreamHub::poll()
{
    for (int rounds = 0; rounds < 20; ++rounds) {
        auto page = m_store->eventsAfter(m_lastSeq, 0, 2000);
        if (!page) {
            qCWarning(lcEvents).noquote() << "reading new events failed:" << page.error().message;
            return;
        }
        const qint64 now = Timestamps::nowMs();
        for (const StoredEvent &e : *page) {
            appendToRing(e);
            m_lastSeq = e.seq;
            if (m_metrics)
                m_metrics->observe(
                    QStringLiteral("baton_event_lag_seconds"), {}, double(std::max<qint64>(0, now - e.atMs)) / 1000.0);
        }
        if (page->size() < 2000)
            break;
    }
    const auto clients = m_clients.values();
    for (Client *c : clients)
        pump(c);
}

void EventStreamHub::attach(HttpConnection *connection, std::optional<quint64> lastEventId, qint64 jobFilter)
{
    auto *c = new Client;
    c->connection = connection;
    c->jobFilter = jobFilter;
    c->cursor = m_lastSeq;
    m_clients.insert(connection, c);
    connect(connection, &HttpConnection::closed, this, &EventStreamHub::remove);
    connect(connection, &HttpConnection::streamDrained, this, [this, connection] {
        if (Client *cl = m_clients.value(connection))
            pump(cl);
    });
    connection->streamWrite(QByteArrayLiteral("retry: 2000\n: baton event stream\n\n"));

    if (lastEventId) {
        const quint64 id = *lastEventId;
        bool resync = false;
        QString why;
        if (id > m_lastSeq) {
            resync = true;
            why = QStringLiteral(
                "Last-Event-ID %1 is newer than the newest event (%2); the service's store was replaced")
                      .arg(id)
                      .arg(m_lastSeq);
        } else if (id < m_lastSeq) {
            auto range = m_store->eventRange();
            const quint64 oldest = range ? range->oldest : 0;
            if (!range || oldest == 0 || id + 1 < oldest) {
                resync = true;
                why = QStringLiteral("events after %1 are no longer kept (the replay window starts at %2)")
                          .arg(id)
                          .arg(oldest);
            }
        }
        if (resync) {
            JobEvent e;
            e.type = JobEvent::Type::Resync;
            e.seq = m_lastSeq;
            e.atMs = Timestamps::nowMs();
            e.reason = why;
            connection->streamWrite(frame(StoredEvent { m_lastSeq, 0, e.atMs, EventCodec::toDataLine(e) }));
            if (m_metrics)
                m_metrics->inc(QStringLiteral("baton_event_stream_resyncs_total"));
            c->cursor = m_lastSeq;
        } else {
            c->cursor = id;
        }
    }
    pump(c);
}

void EventStreamHub::pump(Client *c)
{
    if (c->pumping || !c->connection)
        return;
    c->pumping = true;
    HttpConnection *conn = c->connection;
    while (c->cursor < m_lastSeq && conn->bytesPending() < m_options.highWaterBytes) {
        QByteArray out;
        if (!m_ring.empty() && c->cursor + 1 >= m_ring.front().seq) {
            // Binary search the ring for the first event after the cursor.
            auto it = std::upper_bound(
                m_ring.begin(), m_ring.end(), c->cursor, [](quint64 seq, const Framed &e) { return seq < e.seq; });
            if (c->jobFilter == 0 && it != m_ring.end() && std::next(it) == m_ring.end()) {
                // The common live case, one new event: hand over the shared frame without copying it.
                out = it->frame;
                c->cursor = it->seq;
            } else {
                for (; it != m_ring.end() && out.size() < 256 * 1024; ++it) {
                    if (c->jobFilter == 0 || it->jobId == c->jobFilter)
                        out += it->frame;
                    c->cursor = it->seq;
                }
            }
        } else {
            auto page = m_store->eventsAfter(c->cursor, c->jobFilter, 500);
            if (!page) {
                qCWarning(lcEvents).noquote() << "replaying events failed:" << page.error().message;
                conn->closeStream();
                break;
            }
            for (const StoredEvent &e : *page) {
                out += frame(e);
                c->cursor = e.seq;
            }
            if (page->size() < 500) {
                // Nothing more in the store for this client up to what it held when read; continue from the
                // ring (or the newest) next.
                const quint64 ringStart = m_ring.empty() ? m_lastSeq + 1 : m_ring.front().seq;
                c->cursor = std::max(c->cursor, std::min(m_lastSeq, ringStart - 1));
            }
        }
        if (!out.isEmpty())
            conn->streamWrite(out);
    }
    c->pumping = false;
}

void EventStreamHub::heartbeat()
{
    JobEvent e;
    e.type = JobEvent::Type::Heartbeat;
    e.seq = m_lastSeq;
    e.atMs = Timestamps::nowMs();
    const QByteArray f = "data: " + EventCodec::toDataLine(e) + "\n\n";
    for (Client *c : std::as_const(m_clients)) {
        if (c->connection)
            c->connection->streamWrite(f);
    }
}

void EventStreamHub::remove(HttpConnection *connection)
{
    if (Client *c = m_clients.take(connection))
        delete c;
}

void EventStreamHub::closeAll()
{
    const auto clients = m_clients;
    for (auto it = clients.begin(); it != clients.end(); ++it) {
        if (it.value()->connection)
            it.value()->connection->closeStream();
    }
    qDeleteAll(m_clients);
    m_clients.clear();
}

} // namespace Baton
