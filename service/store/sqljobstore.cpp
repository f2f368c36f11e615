#include "service/store/sqljobstore.h"

#include "core/base/boundedjson.h"
#include "core/base/jsonfields.h"
#include "core/domain/eventcodec.h"
#include "core/domain/jobcodec.h"
#include "service/servicelogging.h"

#include <QAtomicInteger>
#include <QFileInfo>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUrlQuery>
#include <QVariant>

namespace Baton {

const int SqlJobStore::kSchemaVersion = 1;

namespace {

using JsonFields::toQString;
using JsonFields::toStd;

QVariant nullInt()
{
    return QVariant(QMetaType(QMetaType::LongLong));
}

QVariant optTime(qint64 ms)
{
    return ms > 0 ? QVariant(qlonglong(ms)) : nullInt();
}

// Qt SQL binds a null QString as SQL NULL; text columns here are NOT NULL and "" means "none".
QVariant text(const QString &s)
{
    return s.isNull() ? QVariant(QString::fromLatin1("")) : QVariant(s);
}

qint64 toMs(const QVariant &v)
{
    return v.isNull() ? 0 : v.toLongLong();
}

QString jsonText(const nlohmann::json &j)
{
    return QString::fromStdString(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

QString searchText(const Job &job)
{
    QStringList parts { job.spec.playbook, job.spec.target.service, job.spec.target.tag, job.operatorName };
    for (const NodeRun &r : job.nodes)
        parts.append(r.node);
    return parts.join(u' ').toLower();
}

QString likeEscape(QString s)
{
    s.replace(u'\\', QStringLiteral("\\\\"));
    s.replace(u'%', QStringLiteral("\\%"));
    s.replace(u'_', QStringLiteral("\\_"));
    return s;
}

// Schema, version by version. {ID}, {BLOB} and {BIGINT} are replaced per dialect.
const char *const kMigration1[] = {
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE jobs ("
    " id {ID},"
    " playbook TEXT NOT NULL, service TEXT NOT NULL, tag TEXT NOT NULL, operator_name TEXT NOT NULL,"
    " state TEXT NOT NULL, halt_reason TEXT NOT NULL, spec TEXT NOT NULL,"
    " created_at {BIGINT} NOT NULL, started_at {BIGINT}, finished_at {BIGINT},"
    " cancel_mode TEXT, cancel_by TEXT, cancel_at {BIGINT},"
    " relaunch_of {BIGINT}, counts TEXT NOT NULL, search TEXT NOT NULL,"
    " idem_key TEXT, idem_hash TEXT, owner TEXT NOT NULL DEFAULT '')",
    "CREATE UNIQUE INDEX jobs_idem ON jobs (operator_name, idem_key) WHERE idem_key IS NOT NULL",
    "CREATE INDEX jobs_state ON jobs (state, id)",
    "CREATE INDEX jobs_playbook ON jobs (playbook, id)",
    "CREATE INDEX jobs_service ON jobs (service, id)",
    "CREATE TABLE node_runs ("
    " job_id {BIGINT} NOT NULL REFERENCES jobs(id), node TEXT NOT NULL, pos_index INTEGER NOT NULL,"
    " service TEXT NOT NULL, address TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL, task TEXT NOT NULL,"
    " wait TEXT, started_at {BIGINT}, finished_at {BIGINT}, exit_code INTEGER, log_bytes {BIGINT} NOT NULL,"
    " maintenance_left_on INTEGER NOT NULL, last_event_at {BIGINT}, runner_pid {BIGINT}, runner_marker TEXT,"
    " PRIMARY KEY (job_id, node))",
    "CREATE TABLE node_transitions ("
    " job_id {BIGINT} NOT NULL, node TEXT NOT NULL, idx INTEGER NOT NULL, state TEXT NOT NULL,"
    " at {BIGINT} NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (job_id, node, idx))",
    "CREATE TABLE events ("
    " seq {BIGINT} PRIMARY KEY, at {BIGINT} NOT NULL, job_id {BIGINT} NOT NULL, event_type TEXT NOT NULL,"
    " data TEXT NOT NULL)",
    "CREATE INDEX events_job ON events (job_id, seq)",
    "CREATE INDEX events_at ON events (at)",
    "CREATE TABLE log_chunks ("
    " job_id {BIGINT} NOT NULL, node TEXT NOT NULL, pos {BIGINT} NOT NULL, size {BIGINT} NOT NULL, data {BLOB} NOT "
    "NULL,"
    " PRIMARY KEY (job_id, node, pos))",
    "CREATE TABLE audit ("
    " id {ID}, at {BIGINT} NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL,"
    " method TEXT NOT NULL, path TEXT NOT NULL, target TEXT NOT NULL, status INTEGER NOT NULL, detail TEXT NOT NULL,"
    " remote TEXT NOT NULL)",
    "CREATE INDEX audit_at ON audit (at)",
};

QAtomicInteger<quint64> g_connectionCounter;

} // namespace

Result<std::unique_ptr<SqlJobStore>> SqlJobStore::fromLocation(const QString &where)
{
    if (where.startsWith(u"postgres://") || where.startsWith(u"postgresql://")) {
        const QUrl url(where, QUrl::StrictMode);
        if (!url.isValid() || url.path().size() < 2)
            return fail(Error::Kind::InvalidInput,
                QStringLiteral("the database URL must look like postgresql://user@host:port/dbname"));
        if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")))
            return fail(Error::Kind::Internal, QStringLiteral("the Qt PostgreSQL driver (QPSQL) is not installed"));
        return std::unique_ptr<SqlJobStore>(new SqlJobStore(Dialect::Postgres, where, url));
    }
    QString path = where;
    if (path.startsWith(u"sqlite://"))
        path = path.mid(9);
    if (path.isEmpty())
        return fail(Error::Kind::InvalidInput, QStringLiteral("empty database path"));
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")))
        return fail(Error::Kind::Internal, QStringLiteral("the Qt SQLite driver (QSQLITE) is not installed"));
    return std::unique_ptr<SqlJobStore>(new SqlJobStore(Dialect::Sqlite, path, QUrl()));
}

SqlJobStore::SqlJobStore(Dialect dialect, QString location, QUrl url)
    : m_dialect(dialect)
    , m_location(std::move(location))
    , m_url(std::move(url))
    , m_connectionName(QStringLiteral("baton-store-%1").arg(++g_connectionCounter))
{ }

SqlJobStore::~SqlJobStore()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isValid())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

QString SqlJobStore::kind() const
{
    return m_dialect == Dialect::Sqlite ? QStringLiteral("sqlite") : QStringLiteral("postgresql");
}

QString SqlJobStore::describe() const
{
    if (m_dialect == Dialect::Sqlite)
        return QStringLiteral("sqlite:%1").arg(m_location);
    return m_url.toDisplayString(QUrl::RemovePassword);
}

QString SqlJobStore::sql(QString text) const
{
    if (m_dialect == Dialect::Sqlite) {
        text.replace(QStringLiteral("{ID}"), QStringLiteral("INTEGER PRIMARY KEY AUTOINCREMENT"));
        text.replace(QStringLiteral("{BLOB}"), QStringLiteral("BLOB"));
        text.replace(QStringLiteral("{BIGINT}"), QStringLiteral("INTEGER"));
    } else {
        text.replace(QStringLiteral("{ID}"), QStringLiteral("BIGSERIAL PRIMARY KEY"));
        text.replace(QStringLiteral("{BLOB}"), QStringLiteral("BYTEA"));
        text.replace(QStringLiteral("{BIGINT}"), QStringLiteral("BIGINT"));
    }
    return text;
}

Result<void> SqlJobStore::exec(QSqlQuery &q, const char *what) const
{
    if (!q.exec()) {
        const QSqlError e = q.lastError();
        return fail(Error::Kind::Io, QStringLiteral("database %1 failed: %2").arg(QLatin1StringView(what), e.text()));
    }
    return {};
}

Result<void> SqlJobStore::open()
{
    QSqlDatabase db;
    if (m_dialect == Dialect::Sqlite) {
        const QFileInfo info(m_location);
        if (info.exists() && !info.isFile())
            return fail(Error::Kind::Io, QStringLiteral("%1 is not a file").arg(m_location));
        db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
        db.setDatabaseName(m_location);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    } else {
        db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
        const QUrlQuery query(m_url);
        QString host = m_url.host();
        if (query.hasQueryItem(QStringLiteral("host")))
            host = query.queryItemValue(QStringLiteral("host"), QUrl::FullyDecoded);
        db.setHostName(host);
        if (query.hasQueryItem(QStringLiteral("port")))
            db.setPort(query.queryItemValue(QStringLiteral("port")).toInt());
        else if (m_url.port() > 0)
            db.setPort(m_url.port());
        db.setDatabaseName(m_url.path(QUrl::FullyDecoded).mid(1));
        db.setUserName(m_url.userName(QUrl::FullyDecoded));
        db.setPassword(m_url.password(QUrl::FullyDecoded));
        QStringList options { QStringLiteral("connect_timeout=10") };
        if (query.hasQueryItem(QStringLiteral("sslmode")))
            options.append(QStringLiteral("sslmode=%1").arg(query.queryItemValue(QStringLiteral("sslmode"))));
        db.setConnectOptions(options.join(u';'));
    }
    if (!db.open())
        return fail(
            Error::Kind::Io, QStringLiteral("cannot open the database %1: %2").arg(describe(), db.lastError().text()));
    QSqlQuery q(db);
    if (m_dialect == Dialect::Sqlite) {
        // WAL lets readers (the event-stream replay) run beside the writer; NORMAL syncs at checkpoints,
        // which loses at most the last transactions on power loss, never corrupts.
        for (const char *pragma :
            { "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON" }) {
            if (!q.exec(QString::fromLatin1(pragma)))
                return fail(Error::Kind::Io,
                    QStringLiteral("%1 failed: %2").arg(QLatin1StringView(pragma), q.lastError().text()));
        }
        if (q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next() && q.value(0).toString().toLower() != u"wal")
            return fail(Error::Kind::Io,
                QStringLiteral("%1: the file system does not support SQLite's WAL mode").arg(m_location));
        q.finish();
    } else {
        q.exec(QStringLiteral("SET client_min_messages TO WARNING"));
    }
    BATON_TRY_VOID(migrate());
    return {};
}

Result<void> SqlJobStore::transaction(const std::function<Result<void>()> &body)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (!db.isOpen())
        return fail(Error::Kind::Io, QStringLiteral("the database is not open"));
    if (!db.transaction()) {
        // A dropped PostgreSQL connection shows up here; one reconnect attempt, then give up for this call.
        db.close();
        if (!db.open() || !db.transaction())
            return fail(Error::Kind::Io, QStringLiteral("cannot start a transaction: %1").arg(db.lastError().text()));
    }
    Result<void> r = body();
    if (!r) {
        db.rollback();
        return r;
    }
    if (!db.commit()) {
        const QString why = db.lastError().text();
        db.rollback();
        return fail(Error::Kind::Io, QStringLiteral("commit failed: %1").arg(why));
    }
    return {};
}

Result<void> SqlJobStore::migrate()
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QSqlQuery q(db);
    if (m_dialect == Dialect::Postgres) {
        // Replicas starting together: one migrates, the others wait here.
        if (!q.exec(QStringLiteral("SELECT pg_advisory_lock(715517)")))
            return fail(
                Error::Kind::Io, QStringLiteral("cannot take the migration lock: %1").arg(q.lastError().text()));
    }
    auto unlock = qScopeGuard([&] {
        if (m_dialect == Dialect::Postgres)
            QSqlQuery(db).exec(QStringLiteral("SELECT pg_advisory_unlock(715517)"));
    });
    if (!q.exec(QStringLiteral(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")))
        return fail(Error::Kind::Io, QStringLiteral("cannot create schema_migrations: %1").arg(q.lastError().text()));
    if (!q.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) || !q.next())
        return fail(Error::Kind::Io, QStringLiteral("cannot read the schema version: %1").arg(q.lastError().text()));
    int version = q.value(0).toInt();
    q.finish(); // an open result set would block the migration's commit
    if (version > kSchemaVersion)
        return fail(Error::Kind::Io,
            QStringLiteral("the database has schema version %1, newer than this service (%2); "
                           "upgrade baton-service")
                .arg(version)
                .arg(kSchemaVersion));
    struct Migration
    {
        int version;
        QStringList statements;
    };
    QList<Migration> migrations;
    {
        Migration m1 { 1, {} };
        for (const char *s : kMigration1)
            m1.statements.append(sql(QString::fromLatin1(s)));
        m1.statements.append(QStringLiteral("INSERT INTO meta (key, value) VALUES ('event_seq', '0')"));
        migrations.append(m1);
    }
    for (const Migration &m : migrations) {
        if (m.version <= version)
            continue;
        auto r = transaction([&]() -> Result<void> {
            QSqlQuery s(db);
            for (const QString &stmt : m.statements) {
                if (!s.exec(stmt))
                    return fail(Error::Kind::Io,
                        QStringLiteral("migration %1 failed at \"%2\": %3")
                            .arg(m.version)
                            .arg(stmt.left(60), s.lastError().text()));
            }
            s.prepare(QStringLiteral("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"));
            s.addBindValue(m.version);
            s.addBindValue(qlonglong(QDateTime::currentMSecsSinceEpoch()));
            return exec(s, "recording the migration");
        });
        if (!r)
            return r;
        qCInfo(lcStore) << "applied schema migration" << m.version << "to" << describe();
        version = m.version;
    }
    m_schemaVersion = version;
    return {};
}

Result<void> SqlJobStore::writeJobRow(const Job &job, bool insert, const std::optional<IdempotencyRecord> &idem)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QSqlQuery q(db);
    const QString spec = jsonText(JobCodec::toJson(job.spec));
    // The row keeps the counts it is given: batch rows carry no node runs (those are written one by one).
    const QString counts = jsonText(JobCodec::toJson(job.counts));
    const QVariant cancelMode = job.cancel
        ? QVariant(
            job.cancel->mode == CancelRequest::Mode::Force ? QStringLiteral("force") : QStringLiteral("graceful"))
        : QVariant(QMetaType(QMetaType::QString));
    const QVariant cancelBy = job.cancel ? QVariant(job.cancel->by) : QVariant(QMetaType(QMetaType::QString));
    const QVariant cancelAt = job.cancel ? optTime(job.cancel->atMs) : nullInt();
    if (insert) {
        q.prepare(QStringLiteral(
            "INSERT INTO jobs (playbook, service, tag, operator_name, state, halt_reason, spec, created_at, started_at,"
            " finished_at, cancel_mode, cancel_by, cancel_at, relaunch_of, counts, search, idem_key, idem_hash, owner)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    } else {
        q.prepare(QStringLiteral(
            "UPDATE jobs SET playbook = ?, service = ?, tag = ?, operator_name = ?, state = ?, halt_reason = ?, spec = "
            "?,"
            " created_at = ?, started_at = ?, finished_at = ?, cancel_mode = ?, cancel_by = ?, cancel_at = ?,"
            " relaunch_of = ?, counts = ?, search = ? WHERE id = ?"));
    }
    q.addBindValue(text(job.spec.playbook));
    q.addBindValue(text(job.spec.target.service));
    q.addBindValue(text(job.spec.target.tag));
    q.addBindValue(text(job.operatorName));
    q.addBindValue(text(toWire(job.state)));
    q.addBindValue(text(job.haltReason));
    q.addBindValue(spec);
    q.addBindValue(qlonglong(job.createdAtMs));
    q.addBindValue(optTime(job.startedAtMs));
    q.addBindValue(optTime(job.finishedAtMs));
    q.addBindValue(cancelMode);
    q.addBindValue(cancelBy);
    q.addBindValue(cancelAt);
    q.addBindValue(job.relaunchOf > 0 ? QVariant(qlonglong(job.relaunchOf)) : nullInt());
    q.addBindValue(counts);
    q.addBindValue(searchText(job));
    if (insert) {
        q.addBindValue(idem ? QVariant(idem->key) : QVariant(QMetaType(QMetaType::QString)));
        q.addBindValue(idem ? QVariant(idem->requestHash) : QVariant(QMetaType(QMetaType::QString)));
        q.addBindValue(text(m_owner));
    } else {
        q.addBindValue(qlonglong(job.id));
    }
    BATON_TRY_VOID(exec(q, insert ? "inserting a job" : "updating a job"));
    if (insert) {
        if (!q.next())
            return fail(Error::Kind::Io, QStringLiteral("the database returned no id for a new job"));
        const_cast<Job &>(job).id = q.value(0).toLongLong();
    }
    return {};
}

Result<void> SqlJobStore::writeNode(
    qint64 jobId, const NodeRun &run, int position, const RunnerTrace *runner, bool insert)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QSqlQuery q(db);
    if (insert) {
        q.prepare(QStringLiteral(
            "INSERT INTO node_runs (job_id, node, pos_index, service, address, state, reason, task, wait, started_at,"
            " finished_at, exit_code, log_bytes, maintenance_left_on, last_event_at, runner_pid, runner_marker)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        q.addBindValue(qlonglong(jobId));
        q.addBindValue(text(run.node));
        q.addBindValue(position);
    } else {
        q.prepare(QStringLiteral(
            "UPDATE node_runs SET service = ?, address = ?, state = ?, reason = ?, task = ?, wait = ?, started_at = ?,"
            " finished_at = ?, exit_code = ?, log_bytes = ?, maintenance_left_on = ?, last_event_at = ?,"
            " runner_pid = ?, runner_marker = ? WHERE job_id = ? AND node = ?"));
    }
    q.addBindValue(text(run.service));
    q.addBindValue(text(run.address));
    q.addBindValue(text(toWire(run.state)));
    q.addBindValue(text(run.reason));
    q.addBindValue(text(run.task));
    q.addBindValue(
        run.wait.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(jsonText(JobCodec::toJson(run.wait))));
    q.addBindValue(optTime(run.startedAtMs));
    q.addBindValue(optTime(run.finishedAtMs));
    q.addBindValue(run.exitCode ? QVariant(*run.exitCode) : QVariant(QMetaType(QMetaType::Int)));
    q.addBindValue(qlonglong(run.logBytes));
    q.addBindValue(run.maintenanceLeftOn ? 1 : 0);
    q.addBindValue(optTime(run.lastEventAtMs));
    q.addBindValue(runner && runner->pid > 0 ? QVariant(qlonglong(runner->pid)) : nullInt());
    q.addBindValue(
        runner && !runner->marker.isEmpty() ? QVariant(runner->marker) : QVariant(QMetaType(QMetaType::QString)));
    if (!insert) {
        q.addBindValue(qlonglong(jobId));
        q.addBindValue(text(run.node));
    }
    BATON_TRY_VOID(exec(q, "writing a node run"));
    if (run.transitions.isEmpty())
        return {};
    QSqlQuery t(db);
    t.prepare(
        QStringLiteral("INSERT INTO node_transitions (job_id, node, idx, state, at, reason) VALUES (?, ?, ?, ?, ?, ?)"
                       " ON CONFLICT DO NOTHING"));
    QVariantList jobs, nodes, idxs, states, ats, reasons;
    for (qsizetype i = 0; i < run.transitions.size(); ++i) {
        const StateTransition &st = run.transitions[i];
        jobs << qlonglong(jobId);
        nodes << run.node;
        idxs << int(i);
        states << toWire(st.state);
        ats << qlonglong(st.atMs);
        reasons << text(st.reason);
    }
    t.addBindValue(jobs);
    t.addBindValue(nodes);
    t.addBindValue(idxs);
    t.addBindValue(states);
    t.addBindValue(ats);
    t.addBindValue(reasons);
    if (!t.execBatch())
        return fail(
            Error::Kind::Io, QStringLiteral("database writing transitions failed: %1").arg(t.lastError().text()));
    return {};
}

Result<void> SqlJobStore::createJob(Job &job, const std::optional<IdempotencyRecord> &idempotency)
{
    job.counts = job.countNodes();
    return transaction([&]() -> Result<void> {
        BATON_TRY_VOID(writeJobRow(job, true, idempotency));
        for (qsizetype i = 0; i < job.nodes.size(); ++i) {
            BATON_TRY_VOID(writeNode(job.id, job.nodes[i], int(i), nullptr, true));
        }
        return {};
    });
}

Result<std::optional<IdempotencyHit>> SqlJobStore::findIdempotent(const QString &operatorName, const QString &key)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral("SELECT id, idem_hash FROM jobs WHERE operator_name = ? AND idem_key = ?"));
    q.addBindValue(text(operatorName));
    q.addBindValue(key);
    BATON_TRY_VOID(exec(q, "looking up an idempotency key"));
    if (!q.next())
        return std::optional<IdempotencyHit>();
    return std::optional<IdempotencyHit>(IdempotencyHit { q.value(0).toLongLong(), q.value(1).toString() });
}

Result<QList<quint64>> SqlJobStore::allocateSeqs(int n)
{
    QList<quint64> out;
    out.reserve(n);
    if (n == 0)
        return out;
    // The counter row is updated inside the writing transaction, so its lock orders every writer's commits by
    // sequence number: a reader that sees N committed has seen everything below N, and a rolled-back batch
    // leaves no gap. That holds across replicas sharing one PostgreSQL database.
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral(
        "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + ? AS TEXT) WHERE key = 'event_seq' RETURNING value"));
    q.addBindValue(n);
    BATON_TRY_VOID(exec(q, "allocating event numbers"));
    if (!q.next())
        return fail(Error::Kind::Io, QStringLiteral("the event counter is missing from the meta table"));
    const quint64 last = q.value(0).toString().toULongLong();
    for (int i = n - 1; i >= 0; --i)
        out.append(last - quint64(i));
    return out;
}

Result<void> SqlJobStore::write(const WriteBatch &batch, QList<StoredEvent> *committed)
{
    QList<StoredEvent> events;
    auto r = transaction([&]() -> Result<void> {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        for (const Job &job : batch.jobs) {
            BATON_TRY_VOID(writeJobRow(job, false, std::nullopt));
        }
        for (const NodeWrite &n : batch.nodes) {
            BATON_TRY_VOID(writeNode(n.jobId, n.run, 0, &n.runner, false));
        }
        for (const LogWrite &l : batch.logs) {
            QSqlQuery q(db);
            q.prepare(QStringLiteral("INSERT INTO log_chunks (job_id, node, pos, size, data) VALUES (?, ?, ?, ?, ?)"));
            q.addBindValue(qlonglong(l.jobId));
            q.addBindValue(text(l.node));
            q.addBindValue(qlonglong(l.offset));
            q.addBindValue(qlonglong(l.data.size()));
            q.addBindValue(l.data);
            BATON_TRY_VOID(exec(q, "appending to a log"));
            const qint64 end = l.offset + l.data.size();
            if (l.keepBytes > 0 && end > l.keepBytes) {
                QSqlQuery d(db);
                d.prepare(QStringLiteral("DELETE FROM log_chunks WHERE job_id = ? AND node = ? AND pos + size <= ?"));
                d.addBindValue(qlonglong(l.jobId));
                d.addBindValue(text(l.node));
                d.addBindValue(qlonglong(end - l.keepBytes));
                BATON_TRY_VOID(exec(d, "trimming a log"));
            }
        }
        BATON_TRY(seqs, allocateSeqs(int(batch.events.size())));
        if (!batch.events.isEmpty()) {
            QVariantList vseq, vat, vjob, vtype, vdata;
            for (qsizetype i = 0; i < batch.events.size(); ++i) {
                JobEvent e = batch.events[i];
                e.seq = seqs[i];
                StoredEvent s { e.seq, e.jobId, e.atMs, EventCodec::toDataLine(e) };
                vseq << qlonglong(s.seq);
                vat << qlonglong(s.atMs);
                vjob << qlonglong(s.jobId);
                vtype << JobEvent::typeToWire(e.type);
                vdata << QString::fromUtf8(s.data);
                events.append(std::move(s));
            }
            QSqlQuery q(db);
            q.prepare(QStringLiteral("INSERT INTO events (seq, at, job_id, event_type, data) VALUES (?, ?, ?, ?, ?)"));
            q.addBindValue(vseq);
            q.addBindValue(vat);
            q.addBindValue(vjob);
            q.addBindValue(vtype);
            q.addBindValue(vdata);
            if (!q.execBatch())
                return fail(
                    Error::Kind::Io, QStringLiteral("database storing events failed: %1").arg(q.lastError().text()));
        }
        for (const AuditEntry &a : batch.audits) {
            QSqlQuery q(db);
            q.prepare(QStringLiteral(
                "INSERT INTO audit (at, actor, role, action, method, path, target, status, detail, remote)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
            q.addBindValue(qlonglong(a.atMs));
            q.addBindValue(text(a.actor));
            q.addBindValue(text(a.role));
            q.addBindValue(text(a.action));
            q.addBindValue(text(a.method));
            q.addBindValue(text(a.path));
            q.addBindValue(text(a.target));
            q.addBindValue(a.status);
            q.addBindValue(text(a.detail));
            q.addBindValue(text(a.remote));
            BATON_TRY_VOID(exec(q, "recording an audit entry"));
        }
        return {};
    });
    if (!r)
        return r;
    if (committed)
        *committed = std::move(events);
    return {};
}

Result<Job> SqlJobStore::jobFromRow(const QSqlQuery &q) const
{
    // Columns: id, spec, operator_name, state, halt_reason, created_at, started_at, finished_at, cancel_mode,
    // cancel_by, cancel_at, relaunch_of, counts
    Job job;
    job.id = q.value(0).toLongLong();
    const QByteArray specText = q.value(1).toString().toUtf8();
    BATON_TRY(specJson, parseJsonBounded(specText, JsonLimits { 64u * 1024u * 1024u, 64 }));
    BATON_TRY(spec, JobCodec::jobSpecFromJson(specJson));
    job.spec = std::move(spec);
    job.operatorName = q.value(2).toString();
    const auto state = jobStateFromWire(q.value(3).toString());
    if (!state)
        return fail(Error::Kind::Decode, QStringLiteral("job %1 has an unknown state in the database").arg(job.id));
    job.state = *state;
    job.haltReason = q.value(4).toString();
    job.createdAtMs = toMs(q.value(5));
    job.startedAtMs = toMs(q.value(6));
    job.finishedAtMs = toMs(q.value(7));
    if (!q.value(8).isNull()) {
        CancelRequest c;
        c.mode = q.value(8).toString() == u"force" ? CancelRequest::Mode::Force : CancelRequest::Mode::Graceful;
        c.by = q.value(9).toString();
        c.atMs = toMs(q.value(10));
        job.cancel = c;
    }
    job.relaunchOf = toMs(q.value(11));
    auto countsJson = parseJsonBounded(q.value(12).toString().toUtf8(), JsonLimits::requestDefault());
    if (countsJson) {
        if (auto counts = JobCodec::countsFromJson(*countsJson))
            job.counts = *counts;
    }
    return job;
}

namespace {
const QString kJobColumns
    = QStringLiteral("id, spec, operator_name, state, halt_reason, created_at, started_at, finished_at,"
                     " cancel_mode, cancel_by, cancel_at, relaunch_of, counts");
}

Result<void> SqlJobStore::loadNodes(Job &job, QHash<QString, RunnerTrace> *runners)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QSqlQuery q(db);
    q.prepare(
        QStringLiteral("SELECT node, service, address, state, reason, task, wait, started_at, finished_at, exit_code,"
                       " log_bytes, maintenance_left_on, last_event_at, runner_pid, runner_marker"
                       " FROM node_runs WHERE job_id = ? ORDER BY pos_index"));
    q.addBindValue(qlonglong(job.id));
    BATON_TRY_VOID(exec(q, "reading node runs"));
    QHash<QString, qsizetype> index;
    while (q.next()) {
        NodeRun r;
        r.node = q.value(0).toString();
        r.service = q.value(1).toString();
        r.address = q.value(2).toString();
        const auto s = nodeRunStateFromWire(q.value(3).toString());
        r.state = s.value_or(NodeRunState::Failed);
        r.reason = q.value(4).toString();
        r.task = q.value(5).toString();
        if (!q.value(6).isNull()) {
            if (auto w = parseJsonBounded(q.value(6).toString().toUtf8(), JsonLimits::requestDefault())) {
                if (auto wait = JobCodec::waitInfoFromJson(*w))
                    r.wait = *wait;
            }
        }
        r.startedAtMs = toMs(q.value(7));
        r.finishedAtMs = toMs(q.value(8));
        if (!q.value(9).isNull())
            r.exitCode = q.value(9).toInt();
        r.logBytes = q.value(10).toLongLong();
        r.maintenanceLeftOn = q.value(11).toInt() != 0;
        r.lastEventAtMs = toMs(q.value(12));
        if (runners && !q.value(14).isNull())
            runners->insert(r.node, RunnerTrace { q.value(13).toLongLong(), q.value(14).toString() });
        index.insert(r.node, job.nodes.size());
        job.nodes.append(std::move(r));
    }
    QSqlQuery t(db);
    t.prepare(
        QStringLiteral("SELECT node, state, at, reason FROM node_transitions WHERE job_id = ? ORDER BY node, idx"));
    t.addBindValue(qlonglong(job.id));
    BATON_TRY_VOID(exec(t, "reading transitions"));
    while (t.next()) {
        const auto it = index.constFind(t.value(0).toString());
        if (it == index.constEnd())
            continue;
        StateTransition st;
        st.state = nodeRunStateFromWire(t.value(1).toString()).value_or(NodeRunState::Failed);
        st.atMs = t.value(2).toLongLong();
        st.reason = t.value(3).toString();
        job.nodes[*it].transitions.append(st);
    }
    job.counts = job.countNodes();
    return {};
}

Result<std::optional<Job>> SqlJobStore::loadJob(qint64 id)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral("SELECT %1 FROM jobs WHERE id = ?").arg(kJobColumns));
    q.addBindValue(qlonglong(id));
    BATON_TRY_VOID(exec(q, "reading a job"));
    if (!q.next())
        return std::optional<Job>();
    BATON_TRY(job, jobFromRow(q));
    BATON_TRY_VOID(loadNodes(job, nullptr));
    return std::optional<Job>(std::move(job));
}

Result<JobPage> SqlJobStore::listJobs(const JobQuery &query)
{
    QStringList where;
    QVariantList binds;
    if (!query.states.isEmpty()) {
        QStringList marks;
        for (const QString &s : query.states) {
            marks.append(QStringLiteral("?"));
            binds.append(s);
        }
        where.append(QStringLiteral("state IN (%1)").arg(marks.join(u',')));
    }
    if (!query.playbook.isEmpty()) {
        where.append(QStringLiteral("playbook = ?"));
        binds.append(query.playbook);
    }
    if (!query.service.isEmpty()) {
        where.append(QStringLiteral("service = ?"));
        binds.append(query.service);
    }
    if (!query.text.isEmpty()) {
        where.append(QStringLiteral("search LIKE ? ESCAPE '\\'"));
        binds.append(QStringLiteral("%%1%").arg(likeEscape(query.text.toLower())));
    }
    if (query.before > 0) {
        where.append(QStringLiteral("id < ?"));
        binds.append(qlonglong(query.before));
    }
    const int limit = std::clamp(query.limit, 1, 1000);
    QString text = QStringLiteral("SELECT %1 FROM jobs").arg(kJobColumns);
    if (!where.isEmpty())
        text += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    text += QStringLiteral(" ORDER BY id DESC LIMIT %1").arg(limit + 1);
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    q.prepare(text);
    for (const QVariant &b : binds)
        q.addBindValue(b);
    BATON_TRY_VOID(exec(q, "listing jobs"));
    JobPage page;
    while (q.next()) {
        if (page.jobs.size() == limit) {
            page.nextCursor = page.jobs.last().id;
            break;
        }
        BATON_TRY(job, jobFromRow(q));
        page.jobs.append(std::move(job));
    }
    return page;
}

Result<QList<UnfinishedJob>> SqlJobStore::loadUnfinishedJobs()
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral(
        "SELECT %1 FROM jobs WHERE state IN ('queued', 'running', 'cancelling') AND owner = ? ORDER BY id")
                  .arg(kJobColumns));
    q.addBindValue(text(m_owner));
    BATON_TRY_VOID(exec(q, "reading unfinished jobs"));
    QList<UnfinishedJob> out;
    while (q.next()) {
        BATON_TRY(job, jobFromRow(q));
        out.append(UnfinishedJob { std::move(job), {} });
    }
    for (UnfinishedJob &u : out) {
        BATON_TRY_VOID(loadNodes(u.job, &u.runners));
    }
    return out;
}

Result<QHash<QString, qint64>> SqlJobStore::jobCountsByState()
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral("SELECT state, COUNT(*) FROM jobs GROUP BY state"));
    BATON_TRY_VOID(exec(q, "counting jobs"));
    QHash<QString, qint64> out;
    while (q.next())
        out.insert(q.value(0).toString(), q.value(1).toLongLong());
    return out;
}

Result<QList<StoredEvent>> SqlJobStore::eventsAfter(quint64 seq, qint64 jobFilter, int limit)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    if (jobFilter > 0) {
        q.prepare(QStringLiteral(
            "SELECT seq, job_id, at, data FROM events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?"));
        q.addBindValue(qlonglong(jobFilter));
    } else {
        q.prepare(QStringLiteral("SELECT seq, job_id, at, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?"));
    }
    q.addBindValue(qlonglong(seq));
    q.addBindValue(limit);
    BATON_TRY_VOID(exec(q, "reading events"));
    QList<StoredEvent> out;
    while (q.next())
        out.append(StoredEvent { q.value(0).toULongLong(), q.value(1).toLongLong(), q.value(2).toLongLong(),
            q.value(3).toString().toUtf8() });
    return out;
}

Result<EventRange> SqlJobStore::eventRange()
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral("SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM events"));
    BATON_TRY_VOID(exec(q, "reading the event range"));
    if (!q.next())
        return EventRange {};
    return EventRange { q.value(0).toULongLong(), q.value(1).toULongLong() };
}

Result<qint64> SqlJobStore::trimEvents(qint64 keepCount, qint64 olderThanMs)
{
    BATON_TRY(range, eventRange());
    if (range.newest == 0)
        return qint64(0);
    qint64 removed = 0;
    auto r = transaction([&]() -> Result<void> {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        QSqlQuery q(db);
        // Sequence numbers are dense per writer, so "keep the newest N" is a bound on seq.
        const qint64 floorSeq = keepCount > 0 ? qint64(range.newest) - keepCount : 0;
        q.prepare(QStringLiteral("DELETE FROM events WHERE seq <= ? OR at < ?"));
        q.addBindValue(qlonglong(floorSeq));
        q.addBindValue(qlonglong(olderThanMs > 0 ? olderThanMs : 0));
        BATON_TRY_VOID(exec(q, "trimming events"));
        removed = q.numRowsAffected();
        return {};
    });
    if (!r)
        return fail(r.error());
    return removed;
}

Result<LogSlice> SqlJobStore::readLog(qint64 jobId, const QString &node, qint64 offset, qint64 maxBytes)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QSqlQuery n(db);
    n.prepare(QStringLiteral("SELECT log_bytes FROM node_runs WHERE job_id = ? AND node = ?"));
    n.addBindValue(qlonglong(jobId));
    n.addBindValue(text(node));
    BATON_TRY_VOID(exec(n, "reading a log size"));
    if (!n.next())
        return fail(Error::Kind::NotFound, QStringLiteral("job %1 has no node %2").arg(jobId).arg(node.left(200)));
    LogSlice slice;
    slice.size = n.value(0).toLongLong();
    QSqlQuery m(db);
    m.prepare(
        QStringLiteral("SELECT MIN(pos), COALESCE(MAX(pos + size), 0) FROM log_chunks WHERE job_id = ? AND node = ?"));
    m.addBindValue(qlonglong(jobId));
    m.addBindValue(text(node));
    BATON_TRY_VOID(exec(m, "reading a log range"));
    qint64 stored = 0;
    if (m.next()) {
        slice.trimmedBefore = m.value(0).isNull() ? slice.size : m.value(0).toLongLong();
        stored = m.value(1).toLongLong();
    }
    // Chunks are written in the same transaction as the node's log_bytes, but a concurrent flush may land
    // between the two reads above; trust what is actually stored.
    slice.size = std::max(slice.size, stored);
    slice.offset = std::clamp(offset, slice.trimmedBefore, slice.size);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral(
        "SELECT pos, data FROM log_chunks WHERE job_id = ? AND node = ? AND pos + size > ? ORDER BY pos"));
    q.addBindValue(qlonglong(jobId));
    q.addBindValue(text(node));
    q.addBindValue(qlonglong(slice.offset));
    BATON_TRY_VOID(exec(q, "reading a log"));
    while (q.next() && slice.data.size() < maxBytes) {
        const qint64 pos = q.value(0).toLongLong();
        const QByteArray data = q.value(1).toByteArray();
        const qint64 skip = std::max<qint64>(0, slice.offset + slice.data.size() - pos);
        if (skip >= data.size())
            continue;
        slice.data.append(data.constData() + skip, std::min<qint64>(data.size() - skip, maxBytes - slice.data.size()));
    }
    return slice;
}

Result<QList<AuditEntry>> SqlJobStore::listAudit(qint64 before, int limit)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    q.prepare(
        QStringLiteral("SELECT id, at, actor, role, action, method, path, target, status, detail, remote FROM audit"
                       " WHERE id < ? ORDER BY id DESC LIMIT ?"));
    q.addBindValue(qlonglong(before > 0 ? before : std::numeric_limits<qint64>::max()));
    q.addBindValue(std::clamp(limit, 1, 1000));
    BATON_TRY_VOID(exec(q, "reading the audit trail"));
    QList<AuditEntry> out;
    while (q.next()) {
        AuditEntry a;
        a.id = q.value(0).toLongLong();
        a.atMs = q.value(1).toLongLong();
        a.actor = q.value(2).toString();
        a.role = q.value(3).toString();
        a.action = q.value(4).toString();
        a.method = q.value(5).toString();
        a.path = q.value(6).toString();
        a.target = q.value(7).toString();
        a.status = q.value(8).toInt();
        a.detail = q.value(9).toString();
        a.remote = q.value(10).toString();
        out.append(a);
    }
    return out;
}

Result<std::optional<QString>> SqlJobStore::meta(const QString &key)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral("SELECT value FROM meta WHERE key = ?"));
    q.addBindValue(key);
    BATON_TRY_VOID(exec(q, "reading meta"));
    if (!q.next())
        return std::optional<QString>();
    return std::optional<QString>(q.value(0).toString());
}

Result<void> SqlJobStore::setMeta(const QString &key, const QString &value)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    q.addBindValue(key);
    q.addBindValue(value);
    return exec(q, "writing meta");
}

} // namespace Baton
