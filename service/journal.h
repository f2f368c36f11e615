#pragma once

#include "core/base/result.h"
#include "service/store/jobstore.h"

#include <QHash>
#include <QObject>
#include <QTimer>

namespace Baton {

class Metrics;

// The write path of the service. State changes, log output, audit entries and events are collected during one
// turn of the event loop and written in one transaction at its end; only after the commit are the events
// handed to the event stream, so a client never sees an event the store does not have.
//
// Batching per loop turn keeps latency low when idle (one small transaction per change) and throughput high
// under load (a burst of log lines from many runners becomes one transaction).
class Journal : public QObject
{
    Q_OBJECT
public:
    Journal(JobStore *store, Metrics *metrics, QObject *parent = nullptr);

    void saveJob(const Job &job);
    void saveNode(qint64 jobId, const NodeRun &run, const RunnerTrace &runner = {});
    void appendLog(qint64 jobId, const QString &node, qint64 offset, const QByteArray &data, qint64 keepBytes);
    void publish(JobEvent event);
    void audit(AuditEntry entry);

    // Writes everything pending now; on failure it stays pending and is retried.
    Result<void> flushNow();
    bool isHealthy() const { return m_failures == 0; }
    QString lastError() const { return m_lastError; }
    qint64 pendingEvents() const { return m_batch.events.size(); }

Q_SIGNALS:
    void committed(const QList<Baton::StoredEvent> &events);

private:
    void scheduleFlush();
    void flushFromTimer();

    JobStore *m_store;
    Metrics *m_metrics;
    WriteBatch m_batch;
    QHash<qint64, qsizetype> m_jobIndex;
    QHash<QString, qsizetype> m_nodeIndex;
    QHash<QString, qsizetype> m_logIndex;
    qint64 m_pendingBytes = 0;
    bool m_scheduled = false;
    int m_failures = 0;
    QString m_lastError;
    QTimer m_retry;
};

} // namespace Baton
