#pragma once

#include "service/http/httpconnection.h"
#include "service/store/jobstore.h"

#include <deque>

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

namespace Baton {

class Metrics;

// GET /v1/events: Server-Sent Events of every committed event, in sequence order.
//
// Each client has a cursor (the last sequence number it was sent). Its connection is fed from an in-memory
// ring of recent frames, or from the store when it is further behind, only while its socket has room; a slow
// client therefore costs a bounded buffer and catches up from the store instead of being cut off. A client
// whose Last-Event-ID is older than what the store retains gets an explicit `resync` event (refetch the jobs,
// then continue from its seq). Heartbeats go out every 15 s. Events reach clients only after they are
// committed, so nothing sent can be missing after a restart.
class EventStreamHub : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        int ringCapacity = 20000; // frames kept in memory for fast catch-up…
        qint64 ringBytes = 32 * 1024 * 1024; // …and at most this many bytes of them (log events can be large)
        int heartbeatMs = 15000;
        int maxClients = 1000;
        qint64 highWaterBytes = 512 * 1024; // stop feeding a client while this much is unsent
        int pollMs = 0; // > 0: also read the store periodically (replicas sharing PostgreSQL)
    };

    EventStreamHub(JobStore *store, Metrics *metrics, Options options, QObject *parent = nullptr);

    Result<void> start(); // reads the current sequence

    // Takes over an answered request: `lastEventId` is the Last-Event-ID (or null), `jobFilter` 0 for all.
    void attach(HttpConnection *connection, std::optional<quint64> lastEventId, qint64 jobFilter);
    void onCommitted(const QList<Baton::StoredEvent> &events);

    quint64 lastSeq() const { return m_lastSeq; }
    int clientCount() const { return int(m_clients.size()); }
    bool isFull() const { return int(m_clients.size()) >= m_options.maxClients; }
    void closeAll();

private:
    struct Client
    {
        QPointer<HttpConnection> connection;
        quint64 cursor = 0;
        qint64 jobFilter = 0;
        bool pumping = false;
    };

    void pump(Client *client);
    void heartbeat();
    void poll();
    void remove(HttpConnection *connection);
    static QByteArray frame(const StoredEvent &e);
    void appendToRing(const StoredEvent &e);

    JobStore *m_store;
    Metrics *m_metrics;
    Options m_options;
    quint64 m_lastSeq = 0;
    struct Framed
    {
        quint64 seq;
        qint64 jobId;
        QByteArray frame; // "id: …\ndata: …\n\n", built once and shared by every client
    };
    std::deque<Framed> m_ring;
    qint64 m_ringSize = 0;
    QHash<HttpConnection *, Client *> m_clients;
    QTimer m_heartbeat;
    QTimer m_poll;
};

} // namespace Baton
