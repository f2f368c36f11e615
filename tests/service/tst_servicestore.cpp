// Unit: the job service's store behind its one interface, on SQLite and on a throwaway PostgreSQL cluster
// (skipped with a clear message only when the PostgreSQL server binaries are absent).

#include "core/base/timestamps.h"
#include "pgcluster.h"
#include "service/store/sqljobstore.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Baton;
using Baton::Test::PgCluster;

namespace {

Job sampleJob(const QString &playbook, const QStringList &nodes, const QString &service = QStringLiteral("web"))
{
    Job j;
    j.spec.playbook = playbook;
    j.spec.target.service = service;
    j.spec.extraVars = { { "version", "1.2" } };
    j.operatorName = QStringLiteral("otto");
    j.createdAtMs = Timestamps::nowMs();
    for (const QString &n : nodes) {
        NodeRun r;
        r.node = n;
        r.service = service;
        r.address = QStringLiteral("10.0.0.1");
        r.transitions.append({ NodeRunState::Queued, j.createdAtMs, QString() });
        j.nodes.append(r);
    }
    j.counts = j.countNodes();
    return j;
}

JobEvent stateEvent(qint64 job, const QString &node, NodeRunState s)
{
    JobEvent e;
    e.type = JobEvent::Type::NodeState;
    e.jobId = job;
    e.node = node;
    e.nodeState = s;
    e.atMs = Timestamps::nowMs();
    return e;
}

} // namespace

class TstServiceStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void roundTrip_data();
    void roundTrip();
    void batchesAndEvents_data() { roundTrip_data(); }
    void batchesAndEvents();
    void logsAreBoundedAndTrimmedOldestFirst_data() { roundTrip_data(); }
    void logsAreBoundedAndTrimmedOldestFirst();
    void idempotencyAndListing_data() { roundTrip_data(); }
    void idempotencyAndListing();
    void failedBatchLeavesNothing_data() { roundTrip_data(); }
    void failedBatchLeavesNothing();

private:
    std::unique_ptr<SqlJobStore> open(const QString &backend, const QString &owner = QStringLiteral("me"));
    QTemporaryDir m_dir;
    std::unique_ptr<PgCluster> m_pg;
    int m_dbCounter = 0;
};

void TstServiceStore::initTestCase()
{
    if (PgCluster::available()) {
        m_pg = std::make_unique<PgCluster>();
        QVERIFY2(m_pg->start(), qPrintable(m_pg->errorString()));
    }
}

void TstServiceStore::roundTrip_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << "sqlite";
    QTest::newRow("postgresql") << "postgresql";
}

std::unique_ptr<SqlJobStore> TstServiceStore::open(const QString &backend, const QString &owner)
{
    QString where;
    if (backend == "sqlite") {
        where = m_dir.path() + QStringLiteral("/store-%1.db").arg(++m_dbCounter);
    } else {
        if (!m_pg)
            return nullptr;
        where = m_pg->url();
    }
    auto s = SqlJobStore::fromLocation(where);
    if (!s)
        qWarning() << s.error().message;
    if (!s)
        return nullptr;
    (*s)->setOwner(owner);
    auto r = (*s)->open();
    if (!r) {
        qWarning() << r.error().message;
        return nullptr;
    }
    return std::move(*s);
}

#define OPEN_OR_SKIP(var, backend)                                                                                     \
    if (backend == "postgresql" && !PgCluster::available())                                                            \
        QSKIP("PostgreSQL server binaries (/usr/lib/postgresql/15/bin) are not installed");                            \
    auto var = open(backend);                                                                                          \
    QVERIFY(var)

void TstServiceStore::roundTrip()
{
    QFETCH(QString, backend);
    OPEN_OR_SKIP(store, backend);
    QCOMPARE(store->schemaVersion(), SqlJobStore::kSchemaVersion);
    QCOMPARE(store->kind(), backend);
    Job job = sampleJob("deploy.yml", { "web-1", "web-2" });
    QVERIFY(store->createJob(job, std::nullopt));
    QVERIFY(job.id > 0);
    auto loaded = store->loadJob(job.id);
    QVERIFY(loaded && *loaded);
    QCOMPARE(**loaded, job);
    QVERIFY(store->loadJob(job.id + 1000) && !*store->loadJob(job.id + 1000));
    // Unfinished jobs of this owner only.
    auto other = open(backend, "someone-else");
    if (backend == "sqlite") {
        // A separate file: its own world. The owner filter is checked on PostgreSQL, where both share one.
        QVERIFY(other);
    } else {
        Job theirs = sampleJob("deploy.yml", { "web-9" });
        QVERIFY(other->createJob(theirs, std::nullopt));
        auto mine = store->loadUnfinishedJobs();
        QVERIFY(mine);
        for (const UnfinishedJob &u : *mine)
            QVERIFY(u.job.id != theirs.id);
    }
}

void TstServiceStore::batchesAndEvents()
{
    QFETCH(QString, backend);
    OPEN_OR_SKIP(store, backend);
    Job job = sampleJob("deploy.yml", { "web-1", "web-2" });
    QVERIFY(store->createJob(job, std::nullopt));
    auto before = store->meta("event_seq");
    QVERIFY(before && *before);
    const quint64 base = (*before)->toULongLong();

    WriteBatch b;
    NodeRun &r = job.nodes[0];
    r.state = NodeRunState::InMaintenance;
    r.transitions.append({ NodeRunState::Starting, Timestamps::nowMs(), QString() });
    r.transitions.append({ NodeRunState::InMaintenance, Timestamps::nowMs(), QStringLiteral("entered") });
    r.task = QStringLiteral("restart");
    r.wait.holders = { "web-2" };
    r.wait.limit = 1;
    b.nodes.append(NodeWrite { job.id, r, RunnerTrace { 4242, "marker-1" } });
    job.state = JobState::Running;
    job.startedAtMs = Timestamps::nowMs();
    // A job row as the journal batches it: counts from the node runs, the runs themselves written apart.
    Job row = job;
    row.counts = job.countNodes();
    row.nodes.clear();
    b.jobs.append(row);
    for (int i = 0; i < 5; ++i)
        b.events.append(stateEvent(job.id, "web-1", NodeRunState::InMaintenance));
    QList<StoredEvent> committed;
    QVERIFY(store->write(b, &committed));
    QCOMPARE(committed.size(), 5);
    for (int i = 0; i < 5; ++i)
        QCOMPARE(committed[i].seq, base + quint64(i) + 1);
    auto loaded = store->loadJob(job.id);
    QVERIFY(loaded && *loaded);
    QCOMPARE((*loaded)->nodes[0].transitions.size(), 3);
    QCOMPARE((*loaded)->nodes[0].state, NodeRunState::InMaintenance);
    QCOMPARE((*loaded)->nodes[0].wait.holders, QStringList { "web-2" });
    QCOMPARE((*loaded)->state, JobState::Running);
    JobQuery listed;
    listed.playbook = job.spec.playbook;
    auto page = store->listJobs(listed);
    QVERIFY(page);
    bool listedHere = false;
    for (const Job &j : page->jobs) {
        if (j.id != job.id)
            continue;
        listedHere = true;
        QCOMPARE(j.counts[NodeRunState::InMaintenance], 1);
        QCOMPARE(j.counts[NodeRunState::Queued], 1);
        QCOMPARE(j.counts.total(), 2);
    }
    QVERIFY(listedHere);
    auto unfinished = store->loadUnfinishedJobs();
    QVERIFY(unfinished);
    bool found = false;
    for (const UnfinishedJob &u : *unfinished) {
        if (u.job.id == job.id) {
            found = true;
            QCOMPARE(u.runners.value("web-1").marker, QString("marker-1"));
            QCOMPARE(u.runners.value("web-1").pid, 4242);
        }
    }
    QVERIFY(found);

    // Another job's events interleave; the filter and the range see them right.
    Job other = sampleJob("deploy.yml", { "web-3" });
    QVERIFY(store->createJob(other, std::nullopt));
    WriteBatch b2;
    b2.events.append(stateEvent(other.id, "web-3", NodeRunState::Starting));
    b2.events.append(stateEvent(job.id, "web-2", NodeRunState::Starting));
    QVERIFY(store->write(b2, &committed));
    auto all = store->eventsAfter(base, 0, 100);
    QVERIFY(all);
    QCOMPARE(all->size(), 7);
    auto mine = store->eventsAfter(base, job.id, 100);
    QVERIFY(mine);
    QCOMPARE(mine->size(), 6);
    auto range = store->eventRange();
    QVERIFY(range);
    QCOMPARE(range->newest, base + 7);
    // Trimming keeps the newest three; the counter goes on from where it was.
    QVERIFY(store->trimEvents(3, 0));
    range = store->eventRange();
    QCOMPARE(range->oldest, base + 5);
    WriteBatch b3;
    b3.events.append(stateEvent(job.id, "web-2", NodeRunState::Succeeded));
    QVERIFY(store->write(b3, &committed));
    QCOMPARE(committed.first().seq, base + 8);
}

void TstServiceStore::logsAreBoundedAndTrimmedOldestFirst()
{
    QFETCH(QString, backend);
    OPEN_OR_SKIP(store, backend);
    Job job = sampleJob("deploy.yml", { "web-1" });
    QVERIFY(store->createJob(job, std::nullopt));
    QByteArray written;
    qint64 offset = 0;
    for (int i = 0; i < 40; ++i) {
        const QByteArray chunk = QByteArray::number(i).rightJustified(4, '0') + QByteArray(1020, char('a' + i % 26));
        WriteBatch b;
        b.logs.append(LogWrite { job.id, "web-1", offset, chunk, 8 * 1024 });
        offset += chunk.size();
        job.nodes[0].logBytes = offset;
        b.nodes.append(NodeWrite { job.id, job.nodes[0], {} });
        QVERIFY(store->write(b, nullptr));
        written += chunk;
    }
    auto slice = store->readLog(job.id, "web-1", 0, 1 << 20);
    QVERIFY(slice);
    QCOMPARE(slice->size, offset);
    QVERIFY(slice->trimmedBefore > 0);
    QVERIFY(offset - slice->trimmedBefore <= 8 * 1024 + 1024);
    QCOMPARE(slice->offset, slice->trimmedBefore);
    QCOMPARE(slice->data, written.mid(slice->trimmedBefore));
    // A read from the middle continues exactly.
    auto tail = store->readLog(job.id, "web-1", offset - 100, 1 << 20);
    QCOMPARE(tail->data, written.right(100));
    auto limited = store->readLog(job.id, "web-1", offset - 3000, 1000);
    QCOMPARE(limited->data, written.mid(offset - 3000, 1000));
    QCOMPARE(store->readLog(job.id, "nope", 0, 100).error().kind, Error::Kind::NotFound);
}

void TstServiceStore::idempotencyAndListing()
{
    QFETCH(QString, backend);
    OPEN_OR_SKIP(store, backend);
    const QString tag = QString::number(QDateTime::currentMSecsSinceEpoch());
    Job first = sampleJob("deploy-" + tag + ".yml", { "web-1" });
    QVERIFY(store->createJob(first, IdempotencyRecord { "key-" + tag, "hash-a" }));
    auto hit = store->findIdempotent("otto", "key-" + tag);
    QVERIFY(hit && *hit);
    QCOMPARE((*hit)->jobId, first.id);
    QCOMPARE((*hit)->requestHash, QString("hash-a"));
    QVERIFY(store->findIdempotent("someone", "key-" + tag) && !*store->findIdempotent("someone", "key-" + tag));
    // The unique key holds even against a second insert: nothing of the second job is written.
    Job dup = sampleJob("deploy-" + tag + ".yml", { "web-2" });
    QVERIFY(!store->createJob(dup, IdempotencyRecord { "key-" + tag, "hash-b" }));
    JobQuery q;
    q.playbook = "deploy-" + tag + ".yml";
    auto page = store->listJobs(q);
    QVERIFY(page);
    QCOMPARE(page->jobs.size(), 1);

    for (int i = 0; i < 5; ++i) {
        Job j = sampleJob("deploy-" + tag + ".yml", { QStringLiteral("db-%1").arg(i) }, "db");
        QVERIFY(store->createJob(j, std::nullopt));
    }
    q.limit = 2;
    QList<qint64> seen;
    for (int pages = 0; pages < 10; ++pages) {
        auto p = store->listJobs(q);
        QVERIFY(p);
        for (const Job &j : p->jobs) {
            QVERIFY(seen.isEmpty() || j.id < seen.last());
            seen.append(j.id);
        }
        if (p->nextCursor == 0)
            break;
        q.before = p->nextCursor;
    }
    QCOMPARE(seen.size(), 6);
    JobQuery byText;
    byText.text = "DB-3";
    auto t = store->listJobs(byText);
    QVERIFY(t);
    QCOMPARE(t->jobs.size(), 1);
    JobQuery byService;
    byService.service = "db";
    byService.playbook = "deploy-" + tag + ".yml";
    byService.states = { "queued" };
    QCOMPARE(store->listJobs(byService)->jobs.size(), 5);
    JobQuery tricky;
    tricky.text = "%_\\'";
    QVERIFY(store->listJobs(tricky));
    QCOMPARE(store->listJobs(tricky)->jobs.size(), 0);
}

void TstServiceStore::failedBatchLeavesNothing()
{
    QFETCH(QString, backend);
    OPEN_OR_SKIP(store, backend);
    auto before = store->eventRange();
    auto counter = store->meta("event_seq");
    // A node row of a job that does not exist violates the foreign key: the whole batch must roll back.
    WriteBatch b;
    b.events.append(stateEvent(1, "web-1", NodeRunState::Starting));
    AuditEntry a;
    a.actor = "otto";
    a.action = "job.launch";
    b.audits.append(a);
    NodeRun ghost;
    ghost.node = "ghost";
    LogWrite l { 987654, "ghost", 0, "x", 100 };
    b.logs.append(l);
    b.nodes.append(NodeWrite { 987654, ghost, {} });
    b.events.append(stateEvent(987654, "ghost", NodeRunState::Starting));
    // SQLite checks foreign keys on insert only; force a failure both accept: a duplicate primary key.
    b.logs.append(l);
    QVERIFY(!store->write(b, nullptr));
    QCOMPARE(store->eventRange()->newest, before->newest);
    QCOMPARE(*store->meta("event_seq"), *counter);
    QVERIFY(store->listAudit(0, 10)->isEmpty() || store->listAudit(0, 10)->first().action != "job.launch"
        || store->listAudit(0, 10)->first().actor != "otto");
}

QTEST_GUILESS_MAIN(TstServiceStore)
#include "tst_servicestore.moc"
