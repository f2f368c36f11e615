#pragma once

#include "service/store/jobstore.h"

#include <QSqlDatabase>
#include <QUrl>

class QSqlQuery;

namespace Baton {

// JobStore on Qt SQL: QSQLITE (WAL, one file) or QPSQL. The SQL is shared; the few dialect differences
// (identity columns, blob type, sequence allocation) are confined to dialect().
class SqlJobStore : public JobStore
{
public:
    enum class Dialect
    {
        Sqlite,
        Postgres
    };

    // `where` is a file path (SQLite) or a postgresql://user:password@host:port/db?host=/socket/dir URL.
    static Result<std::unique_ptr<SqlJobStore>> fromLocation(const QString &where);
    ~SqlJobStore() override;

    QString kind() const override;
    QString describe() const override;
    Result<void> open() override;
    int schemaVersion() const override { return m_schemaVersion; }
    void setOwner(const QString &instance) override { m_owner = instance; }

    Result<void> createJob(Job &job, const std::optional<IdempotencyRecord> &idempotency) override;
    Result<std::optional<IdempotencyHit>> findIdempotent(const QString &operatorName, const QString &key) override;
    Result<void> write(const WriteBatch &batch, QList<StoredEvent> *committed) override;

    Result<std::optional<Job>> loadJob(qint64 id) override;
    Result<JobPage> listJobs(const JobQuery &query) override;
    Result<QList<UnfinishedJob>> loadUnfinishedJobs() override;
    Result<QHash<QString, qint64>> jobCountsByState() override;

    Result<QList<StoredEvent>> eventsAfter(quint64 seq, qint64 jobFilter, int limit) override;
    Result<EventRange> eventRange() override;
    Result<qint64> trimEvents(qint64 keepCount, qint64 olderThanMs) override;

    Result<LogSlice> readLog(qint64 jobId, const QString &node, qint64 offset, qint64 maxBytes) override;
    Result<QList<AuditEntry>> listAudit(qint64 before, int limit) override;

    Result<std::optional<QString>> meta(const QString &key) override;
    Result<void> setMeta(const QString &key, const QString &value) override;

    static const int kSchemaVersion;

private:
    SqlJobStore(Dialect dialect, QString location, QUrl url);

    QString sql(QString text) const; // expands {ID}, {BLOB}, {BIGINT}
    Result<void> exec(QSqlQuery &q, const char *what) const;
    Result<void> migrate();
    Result<void> transaction(const std::function<Result<void>()> &body);
    Result<void> writeJobRow(const Job &job, bool insert, const std::optional<IdempotencyRecord> &idem);
    Result<void> writeNode(qint64 jobId, const NodeRun &run, int position, const RunnerTrace *runner, bool insert);
    Result<QList<quint64>> allocateSeqs(int n);
    Result<Job> jobFromRow(const QSqlQuery &q) const;
    Result<void> loadNodes(Job &job, QHash<QString, RunnerTrace> *runners);

    Dialect m_dialect;
    QString m_location;
    QUrl m_url;
    QString m_connectionName;
    int m_schemaVersion = 0;
    QString m_owner;
};

} // namespace Baton
