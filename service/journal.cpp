#include "service/journal.h"

#include "core/base/timestamps.h"
#include "service/metrics.h"
#include "service/servicelogging.h"

#include <QElapsedTimer>

namespace Baton {

namespace {
// While the database is unreachable, log output beyond this is dropped (and counted) instead of growing
// memory without bound; state changes and events are always kept.
constexpr qint64 kMaxPendingLogBytes = 128 * 1024 * 1024;

QString nodeKey(qint64 jobId, const QString &node)
{
    return QString::number(jobId) + u'\n' + node;
}
} // namespace

Journal::Journal(JobStore *store, Metrics *metrics, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_metrics(metrics)
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &Journal::flushFromTimer);
}

void Journal::scheduleFlush()
{
    if (m_scheduled || m_retry.isActive())
        return;
    m_scheduled = true;
    QMetaObject::invokeMethod(this, &Journal::flushFromTimer, Qt::QueuedConnection);
}

void Journal::saveJob(const Job &job)
{
    Job row = job;
    row.nodes.clear(); // node runs are written through saveNode
    row.counts = job.countNodes();
    if (const auto it = m_jobIndex.constFind(job.id); it != m_jobIndex.constEnd())
        m_batch.jobs[*it] = std::move(row);
    else {
        m_jobIndex.insert(job.id, m_batch.jobs.size());
        m_batch.jobs.append(std::move(row));
    }
    scheduleFlush();
}

void Journal::saveNode(qint64 jobId, const NodeRun &run, const RunnerTrace &runner)
{
    const QString key = nodeKey(jobId, run.node);
    if (const auto it = m_nodeIndex.constFind(key); it != m_nodeIndex.constEnd())
        m_batch.nodes[*it] = NodeWrite { jobId, run, runner };
    else {
        m_nodeIndex.insert(key, m_batch.nodes.size());
        m_batch.nodes.append(NodeWrite { jobId, run, runner });
    }
    scheduleFlush();
}

void Journal::appendLog(qint64 jobId, const QString &node, qint64 offset, const QByteArray &data, qint64 keepBytes)
{
    if (data.isEmpty())
        return;
    if (m_pendingBytes + data.size() > kMaxPendingLogBytes) {
        if (m_metrics)
            m_metrics->inc(QStringLiteral("baton_log_bytes_dropped_total"), {}, double(data.size()));
        return;
    }
    m_pendingBytes += data.size();
    const QString key = nodeKey(jobId, node);
    if (const auto it = m_logIndex.constFind(key); it != m_logIndex.constEnd()) {
        LogWrite &l = m_batch.logs[*it];
        if (l.offset + l.data.size() == offset && l.data.size() < 1024 * 1024) {
            l.data.append(data);
            l.keepBytes = keepBytes;
            scheduleFlush();
            return;
        }
    }
    m_logIndex.insert(key, m_batch.logs.size());
    m_batch.logs.append(LogWrite { jobId, node, offset, data, keepBytes });
    scheduleFlush();
}

void Journal::publish(JobEvent event)
{
    if (event.type == JobEvent::Type::NodeLog) {
        // Log text travels in the event too: bound it with the log chunks while the store cannot be written.
        const qint64 bytes = event.text.size() * 2;
        if (m_pendingBytes + bytes > kMaxPendingLogBytes) {
            if (m_metrics)
                m_metrics->inc(QStringLiteral("baton_log_bytes_dropped_total"), {}, double(bytes));
            return;
        }
        m_pendingBytes += bytes;
    }
    if (event.atMs == 0)
        event.atMs = Timestamps::nowMs();
    m_batch.events.append(std::move(event));
    scheduleFlush();
}

void Journal::audit(AuditEntry entry)
{
    m_batch.audits.append(std::move(entry));
    scheduleFlush();
}

void Journal::flushFromTimer()
{
    m_scheduled = false;
    (void)flushNow();
}

Result<void> Journal::flushNow()
{
    if (m_batch.isEmpty())
        return {};
    QElapsedTimer timer;
    timer.start();
    QList<StoredEvent> committedEvents;
    auto r = m_store->write(m_batch, &committedEvents);
    if (!r) {
        ++m_failures;
        m_lastError = r.error().message;
        if (m_metrics)
            m_metrics->inc(QStringLiteral("baton_store_errors_total"));
        const int delay = std::min(10000, 250 << std::min(m_failures, 6));
        if (m_failures == 1 || m_failures % 20 == 0)
            qCCritical(lcStore).noquote()
                << "writing to the store failed, retrying in" << delay << "ms:" << m_lastError;
        m_retry.start(delay);
        return r;
    }
    if (m_failures > 0)
        qCInfo(lcStore) << "the store is writable again after" << m_failures << "failed attempts";
    m_failures = 0;
    m_lastError.clear();
    const int eventCount = int(m_batch.events.size());
    m_batch = WriteBatch();
    m_jobIndex.clear();
    m_nodeIndex.clear();
    m_logIndex.clear();
    m_pendingBytes = 0;
    if (m_metrics) {
        m_metrics->observe(QStringLiteral("baton_store_flush_seconds"), {}, double(timer.nsecsElapsed()) / 1e9);
        m_metrics->inc(QStringLiteral("baton_events_total"), {}, eventCount);
    }
    if (!committedEvents.isEmpty())
        Q_EMIT committed(committedEvents);
    return {};
}

} // namespace Baton
