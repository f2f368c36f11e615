#pragma once

#include "core/base/result.h"
#include "core/domain/job.h"
#include "core/domain/jobevent.h"

#include <optional>

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

namespace Baton {

// One event as stored and as streamed: its sequence number, job, and the encoded `data:` line.
struct StoredEvent
{
    quint64 seq = 0;
    qint64 jobId = 0;
    qint64 atMs = 0;
    QByteArray data;
};

struct EventRange
{
    quint64 oldest = 0; // 0 when the table is empty
    quint64 newest = 0;
};

// A runner process as recorded, so a restarted service can find and end what an earlier one left behind.
struct RunnerTrace
{
    qint64 pid = 0;
    QString marker; // the BATON_RUN_MARKER value in the runner's environment
};

struct NodeWrite
{
    qint64 jobId = 0;
    NodeRun run;
    RunnerTrace runner;
};

struct LogWrite
{
    qint64 jobId = 0;
    QString node;
    qint64 offset = 0; // of the first byte in the node's whole log
    QByteArray data;
    qint64 keepBytes = 0; // after appending, drop the oldest chunks so at most about this much remains
};

struct AuditEntry
{
    qint64 id = 0;
    qint64 atMs = 0;
    QString actor; // the token's name, never the token
    QString role;
    QString action; // "job.launch", "job.cancel", …
    QString method;
    QString path;
    QString target; // "job 12", "node web-1"
    int status = 0;
    QString detail; // JSON text: the parameters of the call
    QString remote;
};

// Everything a flush writes in one transaction. Events get their sequence numbers inside it.
struct WriteBatch
{
    QList<Job> jobs; // job rows (nodes are written through `nodes`)
    QList<NodeWrite> nodes;
    QList<LogWrite> logs;
    QList<JobEvent> events;
    QList<AuditEntry> audits;
    bool isEmpty() const
    {
        return jobs.isEmpty() && nodes.isEmpty() && logs.isEmpty() && events.isEmpty() && audits.isEmpty();
    }
};

struct JobQuery
{
    QStringList states; // wire names
    QString playbook;
    QString service;
    QString text; // matched against playbook, service, tag, operator and node names
    qint64 before = 0; // cursor: only jobs with a smaller id
    int limit = 50;
};

struct JobPage
{
    QList<Job> jobs; // without node runs
    qint64 nextCursor = 0; // 0 when this is the last page
};

struct LogSlice
{
    qint64 offset = 0; // where `data` starts in the node's log
    qint64 trimmedBefore = 0; // bytes before this offset were dropped to bound the log
    qint64 size = 0; // bytes written to the node's log so far
    QByteArray data;
};

struct UnfinishedJob
{
    Job job;
    QHash<QString, RunnerTrace> runners;
};

struct IdempotencyRecord
{
    QString key;
    QString requestHash;
};

struct IdempotencyHit
{
    qint64 jobId = 0;
    QString requestHash;
};

// The job service's durable state behind one interface: SQLite (one WAL file) by default, PostgreSQL for
// teams running several replicas. Every method is one transaction; nothing is half-written on failure.
class JobStore
{
public:
    virtual ~JobStore() = default;

    virtual QString kind() const = 0; // "sqlite" or "postgresql"
    virtual QString describe() const = 0; // where, without a password
    virtual Result<void> open() = 0; // connects and applies migrations
    virtual int schemaVersion() const = 0;
    // The service instance that owns the jobs it creates; loadUnfinishedJobs() returns only its own, so
    // replicas sharing one database never take over each other's runs.
    virtual void setOwner(const QString &instance) = 0;

    // Inserts the job with its node runs and their first transitions; sets job.id.
    virtual Result<void> createJob(Job &job, const std::optional<IdempotencyRecord> &idempotency) = 0;
    virtual Result<std::optional<IdempotencyHit>> findIdempotent(const QString &operatorName, const QString &key) = 0;
    // Writes the batch; fills `committed` with the events as stored (sequence assigned) in order.
    virtual Result<void> write(const WriteBatch &batch, QList<StoredEvent> *committed) = 0;

    virtual Result<std::optional<Job>> loadJob(qint64 id) = 0;
    virtual Result<JobPage> listJobs(const JobQuery &query) = 0;
    virtual Result<QList<UnfinishedJob>> loadUnfinishedJobs() = 0;
    virtual Result<QHash<QString, qint64>> jobCountsByState() = 0;

    virtual Result<QList<StoredEvent>> eventsAfter(quint64 seq, qint64 jobFilter, int limit) = 0;
    virtual Result<EventRange> eventRange() = 0;
    // Keeps at most keepCount events and none older than olderThanMs (0: no age limit). Returns how many went.
    virtual Result<qint64> trimEvents(qint64 keepCount, qint64 olderThanMs) = 0;

    virtual Result<LogSlice> readLog(qint64 jobId, const QString &node, qint64 offset, qint64 maxBytes) = 0;

    virtual Result<QList<AuditEntry>> listAudit(qint64 before, int limit) = 0;

    virtual Result<std::optional<QString>> meta(const QString &key) = 0;
    virtual Result<void> setMeta(const QString &key, const QString &value) = 0;
};

} // namespace Baton
