#pragma once

#include "core/base/result.h"
#include "core/domain/jobevent.h"
#include "core/jobs/backoff.h"
#include "core/jobs/sseframer.h"

#include <QElapsedTimer>
#include <QObject>
#include <QSslConfiguration>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace Baton {

// The job service's event stream (GET /v1/events) as a live feed of JobEvents.
//
// - Framing is WHATWG Server-Sent Events through SseFramer, bounded (one event ≤ 1 MiB, an unterminated line
//   ≤ 4 MiB); breaking a bound drops the connection, never the process.
// - Every event's `seq` is checked: a repeat is dropped, a hole in the unfiltered stream is reported as a resync,
//   so the consumer refetches snapshots instead of silently showing stale state.
// - A reconnect sends Last-Event-ID so the service replays what was missed; when the service answers with a
//   resync event (replay window exceeded), resyncRequired tells the consumer to refetch.
// - Liveness comes from the service's heartbeats: if nothing arrives for livenessTimeoutMs the connection is
//   declared dead and replaced.
// - Reconnects back off exponentially with jitter (the service's `retry:` sets the base), and reset after a
//   connection that delivered events.
// - The stream has its own QNetworkAccessManager so it never takes one of the REST client's connections.
class EventStream : public QObject
{
    Q_OBJECT

public:
    enum class State
    {
        Idle, // not started
        Connecting,
        Live, // headers accepted, events flowing
        Waiting, // backing off before the next attempt
        Stopped, // stop() was called, or the service answered 204 (do not reconnect)
    };
    Q_ENUM(State)

    struct Options
    {
        QUrl baseUrl;
        QByteArray token; // never logged
        QString caFile;
        qint64 jobFilter = 0; // >0: only this job's events (?job=); holes in seq are then expected
        int livenessTimeoutMs = 45000; // three missed 15 s heartbeats
        int initialRetryMs = 1000;
        int maxRetryMs = 30000;
        SseFramer::Limits limits;
    };

    struct Stats
    {
        quint64 events = 0; // delivered to eventsReceived
        quint64 heartbeats = 0;
        quint64 duplicates = 0; // seq at or below the last delivered one: dropped
        quint64 gaps = 0; // holes in seq
        quint64 missing = 0; // events inside those holes
        quint64 decodeErrors = 0;
        quint64 connects = 0; // connections that went live
        quint64 failures = 0; // attempts that ended in an error
        quint64 resyncs = 0;
        quint64 bytes = 0;
    };

    explicit EventStream(QObject *parent = nullptr);
    ~EventStream() override;

    Result<void> configure(const Options &options);
    const Options &options() const { return m_options; }

    // Connects now. resumeAfter > 0 sends it as Last-Event-ID (the service replays everything after it).
    void start(quint64 resumeAfter = 0);
    void stop();
    // Drops the current connection and reconnects at once, resuming after the last delivered event.
    void reconnectNow();
    // The consumer has everything up to `seq` from elsewhere (a snapshot that says which event it reflects): a
    // later reconnect resumes after it, and events at or below it are dropped as repeats. Never moves backwards.
    void setResumePoint(quint64 seq);

    State state() const { return m_state; }
    quint64 lastSeq() const { return m_lastSeq; }
    const Stats &stats() const { return m_stats; }
    const Error &lastError() const { return m_lastError; }
    // Milliseconds until the next attempt while Waiting, else -1.
    int retryInMs() const;
    // Milliseconds since the stream last received anything, or -1 before the first byte.
    qint64 silenceMs() const;

Q_SIGNALS:
    // Events in stream order, duplicates removed, heartbeats and resync markers not included. One signal per
    // network read, so a burst arrives as one batch.
    void eventsReceived(const QList<Baton::JobEvent> &events);
    // The consumer's state may be stale: refetch snapshots. Events after `seq` keep flowing.
    void resyncRequired(quint64 seq, const QString &reason);
    void heartbeatReceived(quint64 newestSeq);
    void stateChanged(Baton::EventStream::State state);
    // An attempt failed (network, HTTP status, framing, silence); the stream retries by itself.
    void errorOccurred(const Baton::Error &error);
    // A connection went live; latencyMs is from the request to its accepted headers.
    void connected(qint64 latencyMs);

private:
    void connectNow();
    void onMetaData();
    void onReadyRead();
    void onFinished();
    void failAttempt(const Error &error);
    void scheduleRetry();
    void setState(State state);
    void handle(const SseEvent &sse, QList<JobEvent> &batch);
    void dropReply();

    Options m_options;
    QSslConfiguration m_ssl;
    QNetworkAccessManager *m_nam;
    QNetworkReply *m_reply = nullptr;
    quint64 m_generation = 0;
    SseFramer m_framer;
    Backoff m_backoff;
    QTimer *m_retryTimer;
    QTimer *m_watchdog;
    QElapsedTimer m_attemptClock;
    QElapsedTimer m_lastByte;
    State m_state = State::Idle;
    quint64 m_lastSeq = 0;
    bool m_deliveredOnThisConnection = false;
    bool m_headersOk = false;
    bool m_drainScheduled = false;
    QString m_abortReason;
    Stats m_stats;
    Error m_lastError;
};

} // namespace Baton
