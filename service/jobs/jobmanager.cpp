#include "service/jobs/jobmanager.h"

#include "core/base/jsonfields.h"
#include "core/base/timestamps.h"
#include "core/domain/jobcodec.h"
#include "service/consul/consulgateway.h"
#include "service/journal.h"
#include "service/metrics.h"
#include "service/nodevars.h"
#include "service/playbookcatalog.h"
#include "service/runner/noderunner.h"
#include "service/servicelogging.h"

#include <QDir>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>

namespace Baton {

using JsonFields::toQString;
using JsonFields::toStd;

// One node of an active job: where it is in its life (lock, runner queue, process) and what it owns.
class JobManager::NodeSlot : public QObject
{
public:
    enum class Phase
    {
        Idle,
        Locking,
        WaitingLock,
        WaitingRunner,
        Jitter,
        Running,
        Stopping,
        Settling, // the process is gone; asking Consul whether it left the node in maintenance
        Done
    };

    NodeSlot(ActiveJob *owner, int position, QObject *parent)
        : QObject(parent)
        , job(owner)
        , index(position)
    {
        timeout.setSingleShot(true);
        jitter.setSingleShot(true);
        retry.setSingleShot(true);
    }

    ActiveJob *job;
    int index;
    Phase phase = Phase::Idle;
    bool lockHeld = false;
    NodeRunner *runner = nullptr;
    std::unique_ptr<GateEventMapper> mapper;
    RunnerTrace trace;
    QString runDir;
    QTimer timeout;
    QTimer jitter;
    QTimer retry;
    int lockFailures = 0;
    Intent intent = Intent::None;
    NodeRunState intentState = NodeRunState::Failed;
    QString intentReason;
    bool releaseMaintenance = false;
    QByteArray utf8Tail;
    QElapsedTimer queuedFor; // from dispatch to the process start, for the launch latency figure
    QObject *calls = nullptr; // context of this node's Consul calls; deleting it aborts them
    std::optional<QMap<QString, QString>> meta; // the node's Consul meta, once known
};

struct JobManager::ActiveJob
{
    Job job;
    QList<NodeSlot *> slots;
    QTimer *timeout = nullptr;
    QStringList releaseServices; // a release job: the services to release on its node
    bool started = false;
};

namespace {

// How long a stopped run waits for Consul to say whether its node is in maintenance before it decides from the
// last event seen (and how long startup waits for the same answer about runs an earlier process left).
constexpr int kMaintenanceAnswerMs = 10000;
// A killed gate may have sent its maintenance request a moment before it died, and an agent syncs a new check
// to the catalog a moment after it takes it: when the first reading shows no maintenance, read once more.
constexpr int kMaintenanceRecheckMs = 1000;

QString oneLine(QString s, int max = 300)
{
    s.replace(u'\n', u' ');
    s = s.simplified();
    if (s.size() > max)
        s = s.left(max - 1) + QChar(0x2026);
    return s;
}

// Cuts bytes so that an incomplete UTF-8 sequence at the end is held back for the next read.
qsizetype completeUtf8Prefix(const QByteArray &b)
{
    const qsizetype n = b.size();
    for (qsizetype back = 1; back <= 3 && back <= n; ++back) {
        const unsigned char c = static_cast<unsigned char>(b[n - back]);
        if ((c & 0xC0) == 0x80)
            continue; // continuation byte; look further back
        int len = 1;
        if ((c & 0xE0) == 0xC0)
            len = 2;
        else if ((c & 0xF0) == 0xE0)
            len = 3;
        else if ((c & 0xF8) == 0xF0)
            len = 4;
        return back < len ? n - back : n;
    }
    return n;
}

} // namespace

QByteArray JobManager::releasePlaybookText()
{
    return "# Baton: releases a node left in maintenance (turns off the maintenance Baton set and gives back its\n"
           "# slots and sessions). Run by baton-service for POST /v1/nodes/{node}/release.\n"
           "- name: Release a node left in maintenance\n"
           "  hosts: all\n"
           "  gather_facts: false\n"
           "  tasks:\n"
           "    - name: Release maintenance and slots\n"
           "      baton.gate.gate:\n"
           "        state: released\n"
           "        service: \"{{ item }}\"\n"
           "        node: \"{{ inventory_hostname }}\"\n"
           "        consul_http_addr: \"{{ baton_consul_http_addr }}\"\n"
           "        token: \"{{ baton_consul_token | default(omit) }}\"\n"
           "        prefix: \"{{ baton_kv_prefix }}\"\n"
           "        job_id: \"{{ baton_job_id | string }}\"\n"
           "        operator: \"{{ baton_operator }}\"\n"
           "      loop: \"{{ baton_release_services }}\"\n";
}

JobManager::JobManager(JobStore *store, Journal *journal, ConsulGateway *consul, PlaybookCatalog *playbooks,
    const NodeVars *nodeVars, Metrics *metrics, ManagerSettings settings, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_journal(journal)
    , m_consul(consul)
    , m_playbooks(playbooks)
    , m_nodeVars(nodeVars)
    , m_metrics(metrics)
    , m_settings(std::move(settings))
{
    m_drainTimer.setSingleShot(true);
    connect(m_consul, &ConsulGateway::sessionLost, this, &JobManager::onSessionLost);
    QDir().mkpath(m_settings.runner.workRoot);
    m_releasePlaybookPath = m_settings.runner.workRoot + QStringLiteral("/baton-release.yml");
    QSaveFile f(m_releasePlaybookPath);
    if (f.open(QIODevice::WriteOnly)) {
        f.write(releasePlaybookText());
        if (!f.commit())
            qCWarning(lcJobs) << "cannot write" << m_releasePlaybookPath << f.errorString();
    }
    if (m_metrics) {
        m_metrics->describe(QStringLiteral("baton_runners_running"), QStringLiteral("gauge"),
            QStringLiteral("ansible-playbook processes running now"));
        m_metrics->describe(QStringLiteral("baton_runners_waiting"), QStringLiteral("gauge"),
            QStringLiteral("node runs holding their node lock and waiting for a runner"));
        m_metrics->describe(QStringLiteral("baton_runners_max"), QStringLiteral("gauge"),
            QStringLiteral("the cap on concurrent ansible-playbook processes"));
        m_metrics->describe(QStringLiteral("baton_runners_started_total"), QStringLiteral("counter"),
            QStringLiteral("ansible-playbook processes started"));
        m_metrics->describe(QStringLiteral("baton_node_runs_finished_total"), QStringLiteral("counter"),
            QStringLiteral("node runs that ended, by final state"));
        m_metrics->describe(
            QStringLiteral("baton_jobs_launched_total"), QStringLiteral("counter"), QStringLiteral("jobs created"));
        m_metrics->describe(QStringLiteral("baton_launch_to_runner_seconds"), QStringLiteral("histogram"),
            QStringLiteral("from a node's dispatch to its runner process start, jitter included"));
        m_metrics->addCollector([this](Metrics &m) {
            m.set(QStringLiteral("baton_runners_running"), {}, m_running);
            m.set(QStringLiteral("baton_runners_waiting"), {}, double(m_runnerQueue.size()));
            m.set(QStringLiteral("baton_runners_max"), {}, m_settings.maxRunners);
        });
    }
}

JobManager::~JobManager()
{
    for (ActiveJob *j : std::as_const(m_jobs)) {
        for (NodeSlot *s : std::as_const(j->slots)) {
            if (s->runner)
                s->runner->kill();
        }
        delete j;
    }
}

// ---------------------------------------------------------------------------------------------- validation

Result<void> JobManager::validate(const JobSpec &spec, bool internal) const
{
    if (spec.playbook == releasePlaybookName()) {
        if (!internal)
            return fail(
                Error::Kind::InvalidInput, QStringLiteral("\"@release\" is run through POST /v1/nodes/{node}/release"));
    } else {
        BATON_TRY(pb, m_playbooks->find(spec.playbook));
        (void)pb;
    }
    const JobTarget &t = spec.target;
    if (t.nodes.isEmpty() && t.service.isEmpty())
        return fail(Error::Kind::InvalidInput, QStringLiteral("target needs a service or a list of nodes"));
    if (!t.tag.isEmpty() && t.service.isEmpty())
        return fail(Error::Kind::InvalidInput, QStringLiteral("target.tag needs target.service"));
    if (!t.tag.isEmpty() && !t.nodes.isEmpty())
        return fail(Error::Kind::InvalidInput, QStringLiteral("give target.tag or target.nodes, not both"));
    if (!t.service.isEmpty() && (t.service.size() > 253 || !AnsibleInvocation::isValidNodeName(t.service)))
        return fail(
            Error::Kind::InvalidInput, QStringLiteral("\"%1\" is not a valid service name").arg(t.service.left(100)));
    if (t.tag.size() > 253 || t.tag.contains(u'\n'))
        return fail(Error::Kind::InvalidInput, QStringLiteral("target.tag is not a valid tag"));
    if (t.nodes.size() > m_settings.maxNodesPerJob)
        return fail(
            Error::Kind::InvalidInput, QStringLiteral("at most %1 nodes per job").arg(m_settings.maxNodesPerJob));
    QSet<QString> seen;
    for (const QString &n : t.nodes) {
        if (!AnsibleInvocation::isValidNodeName(n))
            return fail(Error::Kind::InvalidInput, QStringLiteral("\"%1\" is not a valid node name").arg(n.left(100)));
        if (seen.contains(n))
            return fail(Error::Kind::InvalidInput, QStringLiteral("node %1 is listed twice").arg(n));
        seen.insert(n);
    }
    if (!spec.extraVars.is_object())
        return fail(Error::Kind::InvalidInput, QStringLiteral("extra_vars must be an object"));
    const std::string dumped = spec.extraVars.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (qint64(dumped.size()) > m_settings.maxExtraVarsBytes)
        return fail(Error::Kind::TooLarge,
            QStringLiteral("extra_vars is larger than %1 bytes").arg(m_settings.maxExtraVarsBytes));
    for (auto it = spec.extraVars.begin(); it != spec.extraVars.end(); ++it) {
        const QString key = toQString(it.key());
        if (key.startsWith(u"baton_"))
            return fail(Error::Kind::InvalidInput,
                QStringLiteral("extra_vars.%1: names starting with baton_ are reserved").arg(key.left(100)));
        static const QRegularExpression ident(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,127}$"));
        if (!ident.match(key).hasMatch())
            return fail(Error::Kind::InvalidInput,
                QStringLiteral("extra_vars key \"%1\" is not a valid Ansible variable name").arg(key.left(100)));
    }
    return {};
}

// ---------------------------------------------------------------------------------------------- launch

void JobManager::launch(LaunchRequest request, std::function<void(Result<LaunchOutcome>)> done)
{
    if (m_draining)
        return done(
            fail(Error::Kind::Cancelled, QStringLiteral("the service is shutting down and admits no new jobs")));
    const bool internal = request.internal && request.spec.playbook == releasePlaybookName();
    if (auto v = validate(request.spec, request.internal); !v)
        return done(fail(v.error()));

    QString idemKey;
    if (!request.idempotencyKey.isEmpty()) {
        idemKey = request.who.name + u'\n' + request.idempotencyKey;
        auto hit = m_store->findIdempotent(request.who.name, request.idempotencyKey);
        if (!hit)
            return done(fail(hit.error()));
        if (*hit) {
            if ((*hit)->requestHash != request.requestHash)
                return done(fail(Error::Kind::InvalidInput,
                    QStringLiteral("this Idempotency-Key was already used for a different request")));
            auto existing = job((*hit)->jobId);
            if (!existing)
                return done(fail(existing.error()));
            return done(LaunchOutcome { *existing, true });
        }
        // The same key while the first request is still resolving its targets: answer both with one job.
        auto it = m_idempotentInFlight.find(idemKey);
        if (it != m_idempotentInFlight.end()) {
            it->append(std::move(done));
            return;
        }
        m_idempotentInFlight.insert(idemKey, {});
    }

    auto finish = [this, idemKey, done = std::move(done)](Result<LaunchOutcome> r) {
        done(r);
        if (!idemKey.isEmpty())
            finishIdempotent(idemKey, r);
    };
    const JobSpec spec = request.spec;
    auto resolved = [this, request = std::move(request), finish](Result<QList<ResolvedNode>> nodes) mutable {
        if (!nodes)
            return finish(fail(nodes.error()));
        createAndStart(std::move(request), *nodes, finish);
    };
    auto resolve = [this, spec, resolved = std::move(resolved)]() mutable {
        if (!spec.target.nodes.isEmpty())
            m_consul->resolveNodes(spec.target.nodes, spec.target.service, this, std::move(resolved));
        else
            m_consul->resolveService(spec.target.service, spec.target.tag, this, std::move(resolved));
    };
    if (spec.target.service.isEmpty() || spec.overrideFreeze || internal)
        return resolve();
    // A frozen service (max_offline "0") admits nobody: refuse the launch unless the caller overrides it.
    m_consul->maxOffline(spec.target.service, this,
        [spec, resolve = std::move(resolve), finish](Result<std::optional<QString>> value) mutable {
            if (value && *value && value->value().trimmed() == u"0")
                return finish(fail(Error::Kind::Conflict,
                    QStringLiteral("service %1 is frozen (max_offline is 0); set "
                                   "override_freeze to launch anyway")
                        .arg(spec.target.service)));
            resolve();
        });
}

void JobManager::finishIdempotent(const QString &key, const Result<LaunchOutcome> &outcome)
{
    const auto waiting = m_idempotentInFlight.take(key);
    for (const auto &cb : waiting) {
        if (outcome)
            cb(LaunchOutcome { outcome->job, true });
        else
            cb(outcome);
    }
}

void JobManager::createAndStart(
    LaunchRequest request, const QList<ResolvedNode> &nodes, std::function<void(Result<LaunchOutcome>)> done)
{
    if (m_draining)
        return done(
            fail(Error::Kind::Cancelled, QStringLiteral("the service is shutting down and admits no new jobs")));
    if (nodes.isEmpty())
        return done(fail(Error::Kind::InvalidInput, QStringLiteral("the target resolves to no node")));
    if (nodes.size() > m_settings.maxNodesPerJob)
        return done(fail(Error::Kind::InvalidInput,
            QStringLiteral("the target resolves to %1 nodes; at most %2 per job")
                .arg(nodes.size())
                .arg(m_settings.maxNodesPerJob)));
    const qint64 now = Timestamps::nowMs();
    Job job;
    job.spec = request.spec;
    job.operatorName = request.who.name;
    job.state = JobState::Queued;
    job.createdAtMs = now;
    job.relaunchOf = request.relaunchOf;
    for (const ResolvedNode &n : nodes) {
        if (!AnsibleInvocation::isValidNodeName(n.node))
            return done(fail(Error::Kind::InvalidInput,
                QStringLiteral("the catalog names a node Baton cannot target: \"%1\"").arg(n.node.left(100))));
        NodeRun r;
        r.node = n.node;
        r.service = n.service.isEmpty() ? request.spec.target.service : n.service;
        // A bare node list: the gate needs the service whose budget applies; take the node's only one.
        if (r.service.isEmpty() && request.spec.playbook != releasePlaybookName()) {
            if (n.services.size() != 1)
                return done(fail(Error::Kind::InvalidInput,
                    n.services.isEmpty()
                        ? QStringLiteral("node %1 runs no service in Consul; name the service in target.service")
                              .arg(n.node)
                        : QStringLiteral("node %1 runs several services (%2); name one in target.service")
                              .arg(n.node, n.services.join(QStringLiteral(", ")))));
            r.service = n.services.first();
        }
        r.address = n.address;
        r.state = NodeRunState::Queued;
        r.transitions.append({ NodeRunState::Queued, now, QString() });
        job.nodes.append(r);
    }
    job.counts = job.countNodes();
    std::optional<IdempotencyRecord> idem;
    if (!request.idempotencyKey.isEmpty())
        idem = IdempotencyRecord { request.idempotencyKey, request.requestHash };
    if (auto r = m_store->createJob(job, idem); !r) {
        // A concurrent launch with the same key (another replica) won the unique index: answer with its job.
        if (idem) {
            if (auto hit = m_store->findIdempotent(request.who.name, request.idempotencyKey); hit && *hit) {
                if ((*hit)->requestHash == request.requestHash) {
                    if (auto existing = this->job((*hit)->jobId))
                        return done(LaunchOutcome { *existing, true });
                }
            }
        }
        return done(fail(r.error()));
    }
    if (m_metrics)
        m_metrics->inc(QStringLiteral("baton_jobs_launched_total"));
    JobEvent created;
    created.type = JobEvent::Type::JobCreated;
    created.jobId = job.id;
    created.atMs = now;
    created.job = job;
    m_journal->publish(created);
    (void)m_journal->flushNow(); // job.created is durable before the 201 (the job row already is)
    qCInfo(lcJobs).noquote() << QStringLiteral("job %1 launched by %2: %3 on %4 node(s)")
                                    .arg(job.id)
                                    .arg(job.operatorName, job.spec.playbook)
                                    .arg(job.nodes.size());
    ActiveJob *active = adopt(job);
    for (qsizetype i = 0; i < nodes.size() && i < active->slots.size(); ++i)
        active->slots[i]->meta = nodes[i].meta;
    if (request.spec.playbook == releasePlaybookName()) {
        for (const ResolvedNode &n : nodes)
            active->releaseServices = n.services;
        if (!request.spec.target.service.isEmpty())
            active->releaseServices = { request.spec.target.service };
    }
    done(LaunchOutcome { job, false });
    startJob(active);
}

JobManager::ActiveJob *JobManager::adopt(Job job)
{
    auto *a = new ActiveJob;
    a->job = std::move(job);
    for (int i = 0; i < a->job.nodes.size(); ++i)
        a->slots.append(new NodeSlot(a, i, this));
    m_jobs.insert(a->job.id, a);
    return a;
}

void JobManager::startJob(ActiveJob *a)
{
    if (a->started)
        return;
    a->started = true;
    a->timeout = new QTimer(this);
    a->timeout->setSingleShot(true);
    const qint64 jobId = a->job.id;
    connect(a->timeout, &QTimer::timeout, this, [this, jobId] {
        if (ActiveJob *j = m_jobs.value(jobId))
            onJobTimeout(j);
    });
    qint64 remaining = qint64(a->job.spec.timeoutS) * 1000;
    if (a->job.startedAtMs > 0)
        remaining -= Timestamps::nowMs() - a->job.startedAtMs;
    a->timeout->start(int(std::clamp<qint64>(remaining, 1, std::numeric_limits<int>::max())));
    for (NodeSlot *s : std::as_const(a->slots)) {
        if (!isTerminal(a->job.nodes[s->index].state))
            dispatch(s);
        else
            s->phase = NodeSlot::Phase::Done;
    }
    gradeJob(a);
}

// ---------------------------------------------------------------------------------------------- node life

void JobManager::dispatch(NodeSlot *slot)
{
    const NodeRun &run = slot->job->job.nodes[slot->index];
    slot->queuedFor.start();
    slot->calls = new QObject(slot);
    const QPointer<NodeSlot> guard(slot);
    connect(&slot->timeout, &QTimer::timeout, this, [this, guard] {
        if (guard)
            onNodeTimeout(guard);
    });
    slot->timeout.start(
        int(std::min<qint64>(qint64(slot->job->job.spec.nodeTimeoutS) * 1000, std::numeric_limits<int>::max())));
    (void)run;
    acquireLock(slot);
}

void JobManager::acquireLock(NodeSlot *slot)
{
    if (slot->phase == NodeSlot::Phase::Done || slot->phase == NodeSlot::Phase::Stopping
        || slot->phase == NodeSlot::Phase::Settling)
        return;
    const NodeRun &run = slot->job->job.nodes[slot->index];
    if (NodeSlot *holder = m_localLocks.value(run.node); holder && holder != slot) {
        slot->phase = NodeSlot::Phase::WaitingLock;
        if (!m_localWaiters[run.node].contains(slot))
            m_localWaiters[run.node].append(slot);
        setNodeState(slot, NodeRunState::WaitingForNode,
            QStringLiteral("the node is held by job %1 on %2").arg(holder->job->job.id).arg(m_settings.instance));
        return;
    }
    m_localLocks.insert(run.node, slot);
    slot->phase = NodeSlot::Phase::Locking;
    const nlohmann::json value = { { "job", slot->job->job.id }, { "instance", toStd(m_settings.instance) },
        { "operator", toStd(slot->job->job.operatorName) },
        { "since", toStd(Timestamps::toIso(Timestamps::nowMs())) } };
    const std::string v = value.dump();
    const QPointer<NodeSlot> guard(slot);
    m_consul->acquireNodeLock(
        run.node, QByteArray(v.data(), qsizetype(v.size())), slot->calls, [this, guard](Result<NodeLockState> r) {
            NodeSlot *s = guard;
            if (!s || s->phase != NodeSlot::Phase::Locking)
                return;
            if (!r) {
                ++s->lockFailures;
                const int delay = std::min(30000, 1000 << std::min(s->lockFailures, 5));
                const NodeRun &nr = s->job->job.nodes[s->index];
                setNodeState(s, nr.state,
                    QStringLiteral("cannot lock the node in Consul (retrying in %1 s): %2")
                        .arg(delay / 1000)
                        .arg(oneLine(r.error().message)));
                s->phase = NodeSlot::Phase::WaitingLock;
                s->retry.disconnect();
                connect(&s->retry, &QTimer::timeout, this, [this, guard] {
                    if (guard)
                        acquireLock(guard);
                });
                s->retry.start(delay);
                return;
            }
            s->lockFailures = 0;
            if (r->acquired) {
                s->lockHeld = true;
                enqueueForRunner(s);
                return;
            }
            setNodeState(s, NodeRunState::WaitingForNode, QStringLiteral("the node is held by %1").arg(r->holder));
            s->phase = NodeSlot::Phase::WaitingLock;
            m_consul->waitNodeLock(
                s->job->job.nodes[s->index].node, r->index, s->calls, [this, guard](Result<NodeLockState> w) {
                    NodeSlot *s2 = guard;
                    if (!s2 || s2->phase != NodeSlot::Phase::WaitingLock)
                        return;
                    if (!w) {
                        // Back off a little so an unreachable Consul does not become a tight loop.
                        s2->retry.disconnect();
                        connect(&s2->retry, &QTimer::timeout, this, [this, guard] {
                            if (guard)
                                acquireLock(guard);
                        });
                        s2->retry.start(2000);
                        return;
                    }
                    acquireLock(s2);
                });
        });
}

void JobManager::enqueueForRunner(NodeSlot *slot)
{
    slot->phase = NodeSlot::Phase::WaitingRunner;
    m_runnerQueue.append(slot);
    if (m_running >= m_settings.maxRunners) {
        const NodeRun &run = slot->job->job.nodes[slot->index];
        setNodeState(slot, run.state == NodeRunState::WaitingForNode ? NodeRunState::Queued : run.state,
            QStringLiteral("waiting for a free runner (%1 of %2 busy)").arg(m_running).arg(m_settings.maxRunners));
    }
    pumpRunners();
}

void JobManager::pumpRunners()
{
    while (m_running < m_settings.maxRunners && !m_runnerQueue.isEmpty() && !m_draining) {
        NodeSlot *slot = m_runnerQueue.takeFirst();
        if (!slot || slot->phase != NodeSlot::Phase::WaitingRunner)
            continue;
        ++m_running; // the slot is reserved through the jitter
        slot->phase = NodeSlot::Phase::Jitter;
        const int delay
            = m_settings.startJitterMs > 0 ? int(QRandomGenerator::global()->bounded(m_settings.startJitterMs + 1)) : 0;
        const QPointer<NodeSlot> guard(slot);
        slot->jitter.disconnect();
        connect(&slot->jitter, &QTimer::timeout, this, [this, guard] {
            if (guard && guard->phase == NodeSlot::Phase::Jitter)
                startRunner(guard);
        });
        slot->jitter.start(delay);
    }
}

void JobManager::startRunner(NodeSlot *slot)
{
    ActiveJob *a = slot->job;
    NodeRun &run = a->job.nodes[slot->index];
    if (!slot->meta) {
        // A resumed job does not carry the catalog's node meta: read it before building the inventory.
        const QPointer<NodeSlot> guard(slot);
        m_consul->resolveNodes({ run.node }, QString(), slot->calls ? slot->calls : static_cast<QObject *>(slot),
            [this, guard](Result<QList<ResolvedNode>> r) {
                if (!guard || guard->phase != NodeSlot::Phase::Jitter)
                    return;
                guard->meta = r && !r->isEmpty() ? r->first().meta : QMap<QString, QString>();
                startRunner(guard);
            });
        return;
    }
    InvocationTarget t;
    t.jobId = a->job.id;
    t.operatorName = a->job.operatorName;
    t.node = run.node;
    t.address = run.address;
    t.service = run.service;
    t.checkMode = a->job.spec.checkMode;
    t.jobVars = a->job.spec.extraVars;
    // Node meta (the agent's address, ansible_* connection settings) first; the node-vars file wins over it.
    for (auto it = slot->meta->cbegin(); it != slot->meta->cend(); ++it) {
        if (it.key() == u"baton_consul_http_addr" || it.key().startsWith(u"ansible_"))
            t.nodeVars[toStd(it.key())] = toStd(it.value());
    }
    if (m_nodeVars) {
        const nlohmann::json fileVars = m_nodeVars->varsFor(run.node);
        for (auto it = fileVars.begin(); it != fileVars.end(); ++it)
            t.nodeVars[it.key()] = it.value();
    }
    if (a->job.spec.playbook == releasePlaybookName()) {
        t.playbookPath = m_releasePlaybookPath;
        nlohmann::json services = nlohmann::json::array();
        for (const QString &s : std::as_const(a->releaseServices))
            services.push_back(toStd(s));
        t.extraBaton["baton_release_services"] = services;
    } else {
        auto pb = m_playbooks->find(a->job.spec.playbook);
        if (!pb) {
            --m_running;
            endNode(slot, NodeRunState::Failed, pb.error().message);
            pumpRunners();
            return;
        }
        t.playbookPath = pb->path;
    }
    auto command = AnsibleInvocation::prepare(m_settings.runner, t);
    if (!command) {
        --m_running;
        endNode(slot, NodeRunState::Failed, command.error().message);
        pumpRunners();
        return;
    }
    slot->runDir = command->workingDirectory;
    slot->mapper = std::make_unique<GateEventMapper>(run.node);
    auto *runner = new NodeRunner(*command, slot);
    slot->runner = runner;
    const QPointer<NodeSlot> guard(slot);
    connect(runner, &NodeRunner::callbackEvent, this, [this, guard](const nlohmann::json &e) {
        if (guard)
            onRunnerEvent(guard, e);
    });
    connect(runner, &NodeRunner::callbackGarbage, this, [this, guard](const QString &why) {
        if (guard)
            serviceLog(guard, QStringLiteral("ignored a malformed callback line: %1").arg(why));
    });
    connect(runner, &NodeRunner::output, this, [this, guard](const QByteArray &b) {
        if (guard)
            onRunnerOutput(guard, b);
    });
    connect(runner, &NodeRunner::finished, this, [this, guard](int code, bool normal) {
        if (guard)
            onRunnerFinished(guard, code, normal);
    });
    slot->phase = NodeSlot::Phase::Running;
    QString error;
    serviceLog(slot, QStringLiteral("starting %1 %2").arg(command->program, command->arguments.join(u' ')));
    if (!runner->start(&error)) {
        slot->runner = nullptr;
        runner->deleteLater();
        --m_running;
        endNode(slot, NodeRunState::Failed, error);
        pumpRunners();
        return;
    }
    slot->trace = RunnerTrace { runner->pid(), command->marker };
    const qint64 now = Timestamps::nowMs();
    run.startedAtMs = now;
    run.exitCode.reset();
    const qint64 latency = slot->queuedFor.elapsed();
    if (m_metrics) {
        m_metrics->inc(QStringLiteral("baton_runners_started_total"));
        m_metrics->observe(QStringLiteral("baton_launch_to_runner_seconds"), {}, double(latency) / 1000.0);
    }
    setNodeState(slot, NodeRunState::Starting, QString());
    Q_EMIT runnerStarted(a->job.id, run.node, latency);
}

void JobManager::onRunnerEvent(NodeSlot *slot, const nlohmann::json &event)
{
    if (!slot->mapper)
        return;
    NodeRun &run = slot->job->job.nodes[slot->index];
    run.lastEventAtMs = Timestamps::nowMs();
    const RunnerUpdate u = slot->mapper->apply(event, run.state);
    if (u.isEmpty())
        return;
    if (slot->intent != Intent::None) {
        // Being stopped: keep the task current but no state changes that would read as progress.
        if (u.task)
            setTask(slot, *u.task);
        return;
    }
    if (u.task)
        setTask(slot, *u.task);
    if (u.failing)
        haltFrom(slot, slot->mapper->lastFailure());
    if (u.state || u.reason || u.wait) {
        const NodeRunState state = u.state.value_or(run.state);
        setNodeState(slot, state, u.reason.value_or(run.reason), u.wait);
        if (state == NodeRunState::InMaintenance)
            gradeJob(slot->job);
    }
}

void JobManager::onRunnerOutput(NodeSlot *slot, const QByteArray &bytes)
{
    QByteArray data = slot->utf8Tail + bytes;
    const qsizetype cut = completeUtf8Prefix(data);
    slot->utf8Tail = data.mid(cut);
    data.truncate(cut);
    appendLog(slot, data);
}

void JobManager::appendLog(NodeSlot *slot, const QByteArray &bytes)
{
    if (bytes.isEmpty())
        return;
    NodeRun &run = slot->job->job.nodes[slot->index];
    // Events carry at most 64 KiB of text each so one chatty task cannot make one huge SSE frame.
    constexpr qsizetype kMaxEventText = 64 * 1024;
    for (qsizetype pos = 0; pos < bytes.size();) {
        qsizetype n = std::min(kMaxEventText, bytes.size() - pos);
        if (pos + n < bytes.size())
            n = completeUtf8Prefix(bytes.mid(pos, n));
        if (n <= 0)
            n = std::min(kMaxEventText, bytes.size() - pos);
        const QByteArray piece = bytes.mid(pos, n);
        m_journal->appendLog(slot->job->job.id, run.node, run.logBytes, piece, m_settings.maxLogBytesPerNode);
        JobEvent e;
        e.type = JobEvent::Type::NodeLog;
        e.jobId = slot->job->job.id;
        e.node = run.node;
        e.offset = run.logBytes;
        e.text = QString::fromUtf8(piece);
        m_journal->publish(std::move(e));
        run.logBytes += piece.size();
        pos += n;
    }
    m_journal->saveNode(slot->job->job.id, run, slot->trace);
}

void JobManager::serviceLog(NodeSlot *slot, const QString &line)
{
    appendLog(slot, QStringLiteral("[baton %1] %2\n").arg(Timestamps::toIso(Timestamps::nowMs()), line).toUtf8());
}

void JobManager::setTask(NodeSlot *slot, const QString &task)
{
    NodeRun &run = slot->job->job.nodes[slot->index];
    if (run.task == task)
        return;
    run.task = task;
    m_journal->saveNode(slot->job->job.id, run, slot->trace);
    JobEvent e;
    e.type = JobEvent::Type::NodeTask;
    e.jobId = slot->job->job.id;
    e.node = run.node;
    e.task = task;
    m_journal->publish(std::move(e));
}

void JobManager::setNodeState(
    NodeSlot *slot, NodeRunState state, const QString &reason, const std::optional<WaitInfo> &wait)
{
    ActiveJob *a = slot->job;
    NodeRun &run = a->job.nodes[slot->index];
    const bool changed = run.state != state;
    WaitInfo newWait = wait ? *wait : (state == NodeRunState::WaitingForSlot ? run.wait : WaitInfo());
    if (!changed && run.reason == reason && run.wait == newWait)
        return;
    const qint64 now = Timestamps::nowMs();
    run.state = state;
    run.reason = reason;
    run.wait = newWait;
    run.lastEventAtMs = now;
    if (changed)
        run.transitions.append({ state, now, reason });
    if (isTerminal(state) && run.finishedAtMs == 0)
        run.finishedAtMs = now;
    m_journal->saveNode(a->job.id, run, slot->trace);
    JobEvent e;
    e.type = JobEvent::Type::NodeState;
    e.jobId = a->job.id;
    e.node = run.node;
    e.nodeState = state;
    e.reason = reason;
    e.task = run.task;
    e.wait = run.wait;
    e.atMs = now;
    m_journal->publish(std::move(e));
    if (changed)
        gradeJob(a);
}

void JobManager::gradeJob(ActiveJob *a)
{
    Job &job = a->job;
    const NodeCounts counts = job.countNodes();
    const JobState graded = Baton::gradeJob(counts, job.cancel.has_value());
    const bool countsChanged = counts != job.counts;
    job.counts = counts;
    const qint64 now = Timestamps::nowMs();
    if (job.startedAtMs == 0 && graded != JobState::Queued)
        job.startedAtMs = now;
    const bool stateChanged = graded != job.state;
    if (!stateChanged && !countsChanged)
        return;
    job.state = graded;
    if (isTerminal(graded) && job.finishedAtMs == 0)
        job.finishedAtMs = now;
    m_journal->saveJob(job);
    JobEvent e;
    e.type = JobEvent::Type::JobState;
    e.jobId = job.id;
    e.jobState = graded;
    e.counts = counts;
    e.haltReason = job.haltReason;
    e.atMs = now;
    m_journal->publish(std::move(e));
    if (stateChanged && isTerminal(graded)) {
        qCInfo(lcJobs).noquote()
            << QStringLiteral("job %1 finished: %2 (%3)").arg(job.id).arg(toWire(graded), counts.summary());
        const qint64 id = job.id;
        m_jobs.remove(id);
        if (a->timeout)
            a->timeout->deleteLater();
        for (NodeSlot *s : std::as_const(a->slots))
            s->deleteLater();
        delete a;
        Q_EMIT jobFinished(id);
        checkDrained();
    }
}

void JobManager::endNode(NodeSlot *slot, NodeRunState state, const QString &reason)
{
    slot->phase = NodeSlot::Phase::Done;
    slot->timeout.stop();
    slot->jitter.stop();
    slot->retry.stop();
    delete slot->calls; // aborts a pending lock wait
    slot->calls = nullptr;
    m_runnerQueue.removeAll(slot);
    for (auto &list : m_localWaiters)
        list.removeAll(slot);
    releaseLock(slot);
    if (!slot->runDir.isEmpty()) {
        QDir(slot->runDir).removeRecursively();
        slot->runDir.clear();
    }
    if (m_metrics)
        m_metrics->inc(
            QStringLiteral("baton_node_runs_finished_total"), { { QStringLiteral("state"), toWire(state) } });
    ActiveJob *a = slot->job;
    NodeRun &run = a->job.nodes[slot->index];
    qCInfo(lcRunner).noquote() << QStringLiteral("job %1 node %2: %3%4")
                                      .arg(a->job.id)
                                      .arg(run.node, toWire(state),
                                          reason.isEmpty() ? QString() : QStringLiteral(": ") + reason);
    const bool failedHere = isFailure(state);
    // setNodeState may finish (and delete) the job; decide the halt first.
    if (failedHere && a->job.spec.haltOnFailure && a->job.haltReason.isEmpty()
        && a->job.spec.playbook != releasePlaybookName()) {
        a->job.haltReason
            = QStringLiteral("%1 %2: %3")
                  .arg(run.node, toWire(state), reason.isEmpty() ? displayName(state) : oneLine(reason, 200));
        m_journal->saveJob(a->job);
        applyHalt(a, slot);
    }
    setNodeState(slot, state, reason);
    checkDrained();
}

void JobManager::haltFrom(NodeSlot *failing, const QString &why)
{
    // Act on the first real task failure rather than on the process's exit: by then the failed node may have
    // left maintenance and handed its slot to a node this halt should have kept out.
    ActiveJob *a = failing->job;
    if (!a->job.spec.haltOnFailure || !a->job.haltReason.isEmpty() || a->job.spec.playbook == releasePlaybookName())
        return;
    a->job.haltReason = QStringLiteral("%1 failed: %2").arg(a->job.nodes[failing->index].node, oneLine(why, 200));
    m_journal->saveJob(a->job);
    applyHalt(a, failing);
}

void JobManager::applyHalt(ActiveJob *a, NodeSlot *failed)
{
    const QString failedNode = a->job.nodes[failed->index].node;
    const QString reason = QStringLiteral("halted: %1 failed").arg(failedNode);
    qCInfo(lcJobs).noquote()
        << QStringLiteral("job %1: %2; nodes not yet in maintenance are not admitted").arg(a->job.id).arg(reason);
    const QList<NodeSlot *> slots = a->slots;
    for (NodeSlot *s : slots) {
        if (s == failed || s->phase == NodeSlot::Phase::Done)
            continue;
        const NodeRunState st = a->job.nodes[s->index].state;
        if (st == NodeRunState::InMaintenance || st == NodeRunState::Verifying)
            continue; // in flight: let it finish
        stopNode(s, Intent::Halt, NodeRunState::Cancelled, reason, true);
    }
}

void JobManager::stopNode(
    NodeSlot *slot, Intent intent, NodeRunState finalState, const QString &reason, bool releaseMaintenance)
{
    if (slot->phase == NodeSlot::Phase::Done || slot->phase == NodeSlot::Phase::Settling)
        return; // already ending
    if (slot->phase == NodeSlot::Phase::Running || slot->phase == NodeSlot::Phase::Stopping) {
        if (slot->intent == Intent::None) {
            slot->intent = intent;
            slot->intentState = finalState;
            slot->intentReason = reason;
            slot->releaseMaintenance = releaseMaintenance;
        }
        slot->phase = NodeSlot::Phase::Stopping;
        serviceLog(slot, QStringLiteral("stopping the run: %1").arg(reason));
        if (slot->runner)
            slot->runner->terminate(m_settings.killGraceMs);
        return;
    }
    if (slot->phase == NodeSlot::Phase::Jitter)
        --m_running;
    endNode(slot, finalState, reason);
    pumpRunners();
}

void JobManager::onRunnerFinished(NodeSlot *slot, int exitCode, bool normalExit)
{
    if (!slot->utf8Tail.isEmpty()) {
        appendLog(slot, slot->utf8Tail);
        slot->utf8Tail.clear();
    }
    --m_running;
    ActiveJob *a = slot->job;
    NodeRun &run = a->job.nodes[slot->index];
    run.exitCode = normalExit ? exitCode : -1;
    RunEnd end;
    end.eventSaysMaintenance = (run.state == NodeRunState::InMaintenance || run.state == NodeRunState::Verifying)
        && !(slot->mapper && slot->mapper->leftMaintenance());
    serviceLog(slot,
        normalExit ? QStringLiteral("ansible-playbook exited with code %1").arg(exitCode)
                   : QStringLiteral("ansible-playbook was killed"));
    if (slot->intent != Intent::None) {
        end.intended = true;
        end.state = slot->intentState;
        end.reason = slot->intentReason;
    } else {
        end.state = slot->mapper ? slot->mapper->finalState(exitCode, normalExit)
                                 : (exitCode == 0 && normalExit ? NodeRunState::Succeeded : NodeRunState::Failed);
        end.reason = slot->mapper ? slot->mapper->finalReason(exitCode, normalExit) : QString();
    }
    if (slot->runner) {
        slot->runner->deleteLater();
        slot->runner = nullptr;
    }
    if (end.state == NodeRunState::Succeeded) {
        endNode(slot, end.state, end.reason);
        pumpRunners();
        return;
    }
    checkMaintenanceThenEnd(slot, end);
}

JobManager::MaintenanceFinding JobManager::findMaintenance(const Result<QList<MaintenanceCheck>> &checks, qint64 jobId)
{
    MaintenanceFinding f;
    if (!checks) {
        f.detail = checks.error().message;
        return f;
    }
    f.known = true;
    // The gate's reason is "baton: job <id> by <operator>" (docs/coordination.md).
    const QString prefix = QStringLiteral("baton: job %1").arg(jobId);
    for (const MaintenanceCheck &c : *checks) {
        const QString notes = c.notes.trimmed();
        if (notes == prefix || notes.startsWith(prefix + u' ')) {
            f.ours = true;
            f.detail = notes;
        }
    }
    return f;
}

void JobManager::checkMaintenanceThenEnd(NodeSlot *slot, const RunEnd &end)
{
    // The last event seen is no proof of where the node is: a gate killed after turning maintenance on but
    // before its "entered" event arrived leaves the node in maintenance while the run still reads
    // waiting_for_slot, and one killed after leaving reads in_maintenance. Consul decides. The node lock is
    // kept meanwhile, so no other job takes the node before this is settled.
    slot->phase = NodeSlot::Phase::Settling;
    pumpRunners();
    if (!slot->calls)
        slot->calls = new QObject(slot);
    QObject *calls = slot->calls;
    const QString node = slot->job->job.nodes[slot->index].node;
    const qint64 jobId = slot->job->job.id;
    const QPointer<NodeSlot> guard(slot);
    auto settled = std::make_shared<bool>(false);
    auto finish = [this, guard, end, settled](const MaintenanceFinding &f) {
        if (*settled)
            return;
        *settled = true;
        if (guard && guard->phase == NodeSlot::Phase::Settling)
            settleRun(guard, end, f);
    };
    m_consul->maintenanceChecks(node, calls, [this, calls, node, jobId, finish](Result<QList<MaintenanceCheck>> first) {
        const MaintenanceFinding f = findMaintenance(first, jobId);
        if (!f.known || f.ours)
            return finish(f);
        QTimer::singleShot(kMaintenanceRecheckMs, calls, [this, calls, node, jobId, finish] {
            m_consul->maintenanceChecks(node, calls,
                [jobId, finish](Result<QList<MaintenanceCheck>> second) { finish(findMaintenance(second, jobId)); });
        });
    });
    QTimer::singleShot(kMaintenanceAnswerMs, calls, [finish] {
        finish(MaintenanceFinding {
            false, false, QStringLiteral("no answer within %1 s").arg(kMaintenanceAnswerMs / 1000) });
    });
}

void JobManager::settleRun(NodeSlot *slot, const RunEnd &end, const MaintenanceFinding &found)
{
    if (QObject *calls = std::exchange(slot->calls, nullptr))
        calls->deleteLater(); // we may be inside one of its callbacks
    ActiveJob *a = slot->job;
    NodeRun &run = a->job.nodes[slot->index];
    bool inMaintenance = false;
    if (found.known) {
        inMaintenance = found.ours;
        if (found.ours && !end.eventSaysMaintenance)
            serviceLog(slot,
                QStringLiteral("Consul shows the node in this job's maintenance (%1) although the run never "
                               "reported entering it")
                    .arg(oneLine(found.detail, 200)));
        else if (!found.ours && end.eventSaysMaintenance)
            serviceLog(slot, QStringLiteral("Consul shows no maintenance of this job on the node any more"));
    } else {
        // Without Consul, err on the side of inspection: a run that had reached the gate's enter step may
        // have turned maintenance on.
        inMaintenance = end.eventSaysMaintenance || run.state == NodeRunState::WaitingForSlot;
        serviceLog(slot,
            QStringLiteral("could not read the node's maintenance from Consul (%1); deciding from the last event")
                .arg(oneLine(found.detail, 200)));
    }
    QString reason = end.reason;
    bool spawnRelease = false;
    if (inMaintenance) {
        if (end.intended && slot->releaseMaintenance) {
            spawnRelease = true;
            reason += QStringLiteral("; its maintenance is being released");
        } else {
            run.maintenanceLeftOn = true;
            if (end.intended)
                reason += found.known ? QStringLiteral("; maintenance left on for inspection")
                                      : QStringLiteral("; the node may be in maintenance (Consul could not be read): "
                                                       "left for inspection");
            else
                reason += found.known ? QStringLiteral(" (the node is still in maintenance)")
                                      : QStringLiteral(" (the node may still be in maintenance; Consul could not be "
                                                       "read)");
        }
    }
    const QString node = run.node;
    const QString service = run.service;
    const QString address = run.address;
    const QString operatorName = a->job.operatorName;
    endNode(slot, end.state, reason);
    pumpRunners();
    if (spawnRelease) {
        Principal who { operatorName, Role::Operator, false };
        startRelease(node, service, address, who, reason, [](Result<LaunchOutcome>) {});
    }
}

void JobManager::releaseLocalLock(NodeSlot *slot)
{
    const QString node = slot->job->job.nodes[slot->index].node;
    if (m_localLocks.value(node) == slot)
        m_localLocks.remove(node);
    else
        return;
    auto &waiters = m_localWaiters[node];
    while (!waiters.isEmpty()) {
        QPointer<NodeSlot> next = waiters.takeFirst();
        if (next && next->phase == NodeSlot::Phase::WaitingLock) {
            QMetaObject::invokeMethod(
                this,
                [this, next] {
                    if (next && next->phase == NodeSlot::Phase::WaitingLock)
                        acquireLock(next);
                },
                Qt::QueuedConnection);
            break;
        }
    }
    if (waiters.isEmpty())
        m_localWaiters.remove(node);
}

void JobManager::releaseLock(NodeSlot *slot)
{
    releaseLocalLock(slot);
    if (!slot->lockHeld)
        return;
    slot->lockHeld = false;
    const QString node = slot->job->job.nodes[slot->index].node;
    m_consul->releaseNodeLock(node, this, [node](Result<void> r) {
        if (!r)
            qCWarning(lcServiceConsul).noquote()
                << "releasing the lock of" << node << "failed:" << r.error().message << "(it goes with the session)";
    });
}

void JobManager::onSessionLost(const QString &why)
{
    // The locks went with the session. Take each one again with a new session; a run whose node another holder
    // took meanwhile must stop, or two jobs would touch one node.
    for (ActiveJob *a : std::as_const(m_jobs)) {
        for (NodeSlot *s : std::as_const(a->slots)) {
            if (!s->lockHeld)
                continue;
            const QString node = a->job.nodes[s->index].node;
            serviceLog(s,
                QStringLiteral("the Consul session holding the node lock was lost (%1); taking the lock again")
                    .arg(oneLine(why)));
            const nlohmann::json value = { { "job", a->job.id }, { "instance", toStd(m_settings.instance) },
                { "operator", toStd(a->job.operatorName) },
                { "since", toStd(Timestamps::toIso(Timestamps::nowMs())) } };
            const std::string v = value.dump();
            const QPointer<NodeSlot> guard(s);
            m_consul->acquireNodeLock(
                node, QByteArray(v.data(), qsizetype(v.size())), s, [this, guard, node](Result<NodeLockState> r) {
                    NodeSlot *slot = guard;
                    if (!slot || slot->phase == NodeSlot::Phase::Done)
                        return;
                    if (r && r->acquired)
                        return;
                    slot->lockHeld = false;
                    const QString reason = r ? QStringLiteral("lost the node lock of %1 to %2").arg(node, r->holder)
                                             : QStringLiteral("could not take the node lock of %1 again: %2")
                                                   .arg(node, oneLine(r.error().message));
                    qCCritical(lcJobs).noquote() << QStringLiteral("job %1: %2").arg(slot->job->job.id).arg(reason);
                    stopNode(slot, Intent::Cancel, NodeRunState::Failed, reason, false);
                });
        }
    }
}

void JobManager::onNodeTimeout(NodeSlot *slot)
{
    const QString reason = QStringLiteral("node timeout of %1 s exceeded").arg(slot->job->job.spec.nodeTimeoutS);
    stopNode(slot, Intent::Timeout, NodeRunState::TimedOut, reason, false);
}

void JobManager::onJobTimeout(ActiveJob *a)
{
    const QString reason = QStringLiteral("job timeout of %1 s exceeded").arg(a->job.spec.timeoutS);
    const QList<NodeSlot *> slots = a->slots;
    const qint64 id = a->job.id;
    for (NodeSlot *s : slots) {
        if (!m_jobs.contains(id))
            return;
        stopNode(s, Intent::Timeout, NodeRunState::TimedOut, reason, false);
    }
}

// ---------------------------------------------------------------------------------------------- cancel

JobManager::NodeSlot *JobManager::findSlot(qint64 jobId, const QString &node) const
{
    ActiveJob *a = m_jobs.value(jobId);
    if (!a)
        return nullptr;
    for (NodeSlot *s : a->slots) {
        if (a->job.nodes[s->index].node == node)
            return s;
    }
    return nullptr;
}

Result<CancelOutcome> JobManager::cancelJob(qint64 jobId, const CancelOptions &options, const Principal &who)
{
    ActiveJob *a = m_jobs.value(jobId);
    if (!a) {
        BATON_TRY(existing, job(jobId));
        if (!isTerminal(existing.state))
            return fail(Error::Kind::Conflict,
                QStringLiteral("job %1 is run by another service instance; send the cancel there").arg(jobId));
        return fail(Error::Kind::Conflict,
            QStringLiteral("job %1 already finished (%2)").arg(jobId).arg(toWire(existing.state)));
    }
    const qint64 now = Timestamps::nowMs();
    if (!a->job.cancel || (options.force && a->job.cancel->mode != CancelRequest::Mode::Force))
        a->job.cancel = CancelRequest { options.force ? CancelRequest::Mode::Force : CancelRequest::Mode::Graceful,
            who.name, now };
    m_journal->saveJob(a->job);
    qCInfo(lcJobs).noquote()
        << QStringLiteral("job %1: %2 cancel by %3").arg(jobId).arg(options.force ? u"force" : u"graceful", who.name);
    const QString reason = QStringLiteral("cancelled by %1").arg(who.name);
    const QList<NodeSlot *> slots = a->slots;
    for (NodeSlot *s : slots) {
        if (!m_jobs.contains(jobId))
            break;
        if (s->phase == NodeSlot::Phase::Done)
            continue;
        const NodeRunState st = a->job.nodes[s->index].state;
        const bool inFlight = st == NodeRunState::InMaintenance || st == NodeRunState::Verifying;
        if (inFlight && !options.force)
            continue;
        stopNode(s, Intent::Cancel, NodeRunState::Cancelled, reason, options.releaseMaintenance);
    }
    if (m_jobs.contains(jobId))
        gradeJob(a);
    (void)m_journal->flushNow();
    BATON_TRY(current, job(jobId));
    return CancelOutcome { current, {} };
}

Result<CancelOutcome> JobManager::cancelNode(
    qint64 jobId, const QString &node, const CancelOptions &options, const Principal &who)
{
    NodeSlot *s = findSlot(jobId, node);
    if (!s) {
        BATON_TRY(existing, job(jobId));
        const NodeRun *r = existing.findNode(node);
        if (!r)
            return fail(Error::Kind::NotFound, QStringLiteral("job %1 has no node %2").arg(jobId).arg(node.left(200)));
        return fail(Error::Kind::Conflict,
            QStringLiteral("node %1 of job %2 already finished (%3)").arg(node).arg(jobId).arg(toWire(r->state)));
    }
    const NodeRunState st = s->job->job.nodes[s->index].state;
    if (s->phase == NodeSlot::Phase::Done || isTerminal(st))
        return fail(Error::Kind::Conflict,
            QStringLiteral("node %1 of job %2 already finished (%3)").arg(node).arg(jobId).arg(toWire(st)));
    const bool inFlight = st == NodeRunState::InMaintenance || st == NodeRunState::Verifying;
    if (inFlight && !options.force)
        return fail(Error::Kind::Conflict,
            QStringLiteral("node %1 is %2; cancel it with force (and choose to keep or release its maintenance)")
                .arg(node, displayName(st)));
    qCInfo(lcJobs).noquote() << QStringLiteral("job %1 node %2: cancel by %3%4")
                                    .arg(jobId)
                                    .arg(node, who.name, options.force ? QStringLiteral(" (force)") : QString());
    stopNode(s, Intent::Cancel, NodeRunState::Cancelled,
        options.force ? QStringLiteral("force-cancelled by %1").arg(who.name)
                      : QStringLiteral("cancelled by %1").arg(who.name),
        options.releaseMaintenance);
    (void)m_journal->flushNow();
    BATON_TRY(current, job(jobId));
    return CancelOutcome { current, {} };
}

// ---------------------------------------------------------------------------------------------- relaunch, release

void JobManager::relaunch(
    qint64 jobId, const QStringList &nodes, const Principal &who, std::function<void(Result<LaunchOutcome>)> done)
{
    auto original = job(jobId);
    if (!original)
        return done(fail(original.error()));
    if (original->spec.playbook == releasePlaybookName())
        return done(fail(
            Error::Kind::InvalidInput, QStringLiteral("a release job cannot be relaunched; release the node again")));
    QStringList chosen;
    if (nodes.isEmpty()) {
        for (const NodeRun &r : original->nodes) {
            if (isFailure(r.state))
                chosen.append(r.node);
        }
        if (chosen.isEmpty())
            return done(
                fail(Error::Kind::Conflict, QStringLiteral("job %1 has no failed node to relaunch").arg(jobId)));
    } else {
        for (const QString &n : nodes) {
            const NodeRun *r = original->findNode(n);
            if (!r)
                return done(fail(
                    Error::Kind::InvalidInput, QStringLiteral("job %1 has no node %2").arg(jobId).arg(n.left(200))));
            if (!isTerminal(r->state))
                return done(fail(Error::Kind::Conflict,
                    QStringLiteral("node %1 of job %2 is still %3").arg(n).arg(jobId).arg(displayName(r->state))));
            chosen.append(n);
        }
    }
    LaunchRequest req;
    req.spec = original->spec;
    req.spec.target.nodes = chosen;
    req.spec.target.tag.clear();
    req.who = who;
    req.relaunchOf = jobId;
    launch(std::move(req), std::move(done));
}

void JobManager::release(
    const QString &node, const QString &service, const Principal &who, std::function<void(Result<LaunchOutcome>)> done)
{
    if (!AnsibleInvocation::isValidNodeName(node))
        return done(
            fail(Error::Kind::InvalidInput, QStringLiteral("\"%1\" is not a valid node name").arg(node.left(100))));
    if (!service.isEmpty() && !AnsibleInvocation::isValidNodeName(service))
        return done(fail(
            Error::Kind::InvalidInput, QStringLiteral("\"%1\" is not a valid service name").arg(service.left(100))));
    startRelease(node, service, QString(), who, QStringLiteral("released by %1").arg(who.name), std::move(done));
}

void JobManager::startRelease(const QString &node, const QString &service, const QString &, const Principal &who,
    const QString &, std::function<void(Result<LaunchOutcome>)> done)
{
    LaunchRequest req;
    req.spec.playbook = releasePlaybookName();
    req.spec.target.nodes = { node };
    req.spec.target.service = service;
    req.spec.haltOnFailure = false;
    req.spec.timeoutS = 900;
    req.spec.nodeTimeoutS = 900;
    req.who = who;
    req.internal = true;
    launch(std::move(req), std::move(done));
}

// ---------------------------------------------------------------------------------------------- queries

std::optional<Job> JobManager::activeJob(qint64 id) const
{
    if (ActiveJob *a = m_jobs.value(id))
        return a->job;
    return std::nullopt;
}

Result<Job> JobManager::job(qint64 id) const
{
    if (auto a = activeJob(id))
        return *a;
    BATON_TRY(stored, m_store->loadJob(id));
    if (!stored)
        return fail(Error::Kind::NotFound, QStringLiteral("no job %1").arg(id));
    return *stored;
}

// ---------------------------------------------------------------------------------------------- recovery

void JobManager::recover(std::function<void(Result<void>)> done)
{
    auto loaded = m_store->loadUnfinishedJobs();
    if (!loaded)
        return done(fail(loaded.error()));
    // Leftover processes of the earlier run first, so nothing changes the nodes while Consul is read.
    QSet<QString> inFlightNodes;
    for (const UnfinishedJob &u : std::as_const(*loaded)) {
        for (const NodeRun &r : u.job.nodes) {
            if (isTerminal(r.state))
                continue;
            const RunnerTrace trace = u.runners.value(r.node);
            if (!trace.marker.isEmpty()) {
                const int killed = killProcessesWithMarker(trace.marker);
                if (killed > 0)
                    qCWarning(lcJobs).noquote()
                        << QStringLiteral("job %1 node %2: killed %3 leftover process(es) of an earlier run")
                               .arg(u.job.id)
                               .arg(r.node)
                               .arg(killed);
            }
            if (r.state != NodeRunState::Queued && r.state != NodeRunState::WaitingForNode)
                inFlightNodes.insert(r.node);
        }
    }
    if (inFlightNodes.isEmpty())
        return done(finishRecovery(std::move(*loaded), {}));

    // Whether each run that was in flight left its node in maintenance is read from Consul, not from the
    // last event the dead process stored. Startup waits for the answers, bounded.
    struct Pending
    {
        QList<UnfinishedJob> jobs;
        QHash<QString, Result<QList<MaintenanceCheck>>> checks;
        qsizetype waiting = 0;
        bool finished = false;
        std::function<void(Result<void>)> done;
    };
    auto pending = std::make_shared<Pending>();
    pending->jobs = std::move(*loaded);
    pending->waiting = inFlightNodes.size();
    pending->done = std::move(done);
    auto *calls = new QObject(this);
    auto complete = [this, pending, calls] {
        if (pending->finished)
            return;
        pending->finished = true;
        calls->deleteLater();
        pending->done(finishRecovery(std::move(pending->jobs), pending->checks));
    };
    qCInfo(lcJobs) << "asking Consul about the maintenance of" << inFlightNodes.size()
                   << "node(s) whose runs an earlier process left in flight";
    for (const QString &node : std::as_const(inFlightNodes)) {
        m_consul->maintenanceChecks(node, calls, [pending, node, complete](Result<QList<MaintenanceCheck>> r) {
            if (pending->finished)
                return;
            pending->checks.insert(node, std::move(r));
            if (--pending->waiting == 0)
                complete();
        });
    }
    QTimer::singleShot(kMaintenanceAnswerMs, calls, complete);
}

Result<void> JobManager::finishRecovery(
    QList<UnfinishedJob> unfinished, const QHash<QString, Result<QList<MaintenanceCheck>>> &checks)
{
    const qint64 now = Timestamps::nowMs();
    for (UnfinishedJob &u : unfinished) {
        Job &job = u.job;
        int marked = 0;
        int resumed = 0;
        for (NodeRun &r : job.nodes) {
            if (isTerminal(r.state))
                continue;
            if (r.state == NodeRunState::Queued || r.state == NodeRunState::WaitingForNode) {
                if (r.state == NodeRunState::WaitingForNode) {
                    r.state = NodeRunState::Queued;
                    r.transitions.append(
                        { NodeRunState::Queued, now, QStringLiteral("resumed after a service restart") });
                }
                r.reason = QStringLiteral("resumed after a service restart");
                ++resumed;
            } else {
                const bool eventSays = r.state == NodeRunState::InMaintenance || r.state == NodeRunState::Verifying;
                const auto answer = checks.constFind(r.node);
                const MaintenanceFinding found = answer != checks.cend()
                    ? findMaintenance(*answer, job.id)
                    : MaintenanceFinding { false, false,
                          QStringLiteral("no answer within %1 s").arg(kMaintenanceAnswerMs / 1000) };
                bool maint = false;
                QString how;
                if (found.known) {
                    maint = found.ours;
                    if (maint)
                        how = QStringLiteral(" and Consul shows the node still in this job's maintenance");
                } else {
                    maint = eventSays || r.state == NodeRunState::WaitingForSlot;
                    if (maint)
                        how = QStringLiteral(" and the node may still be in maintenance (Consul could not be read: %1)")
                                  .arg(oneLine(found.detail, 200));
                }
                const QString reason = QStringLiteral("the service stopped while this run was %1; its runner is gone%2")
                                           .arg(displayName(r.state), how);
                r.state = NodeRunState::Failed;
                r.reason = reason;
                r.maintenanceLeftOn = maint;
                r.finishedAtMs = now;
                r.transitions.append({ NodeRunState::Failed, now, reason });
                ++marked;
            }
            m_journal->saveNode(job.id, r, {});
            JobEvent e;
            e.type = JobEvent::Type::NodeState;
            e.jobId = job.id;
            e.node = r.node;
            e.nodeState = r.state;
            e.reason = r.reason;
            e.atMs = now;
            m_journal->publish(e);
        }
        qCInfo(lcJobs).noquote() << QStringLiteral(
            "recovering job %1: %2 in-flight run(s) marked failed, %3 node(s) resumed")
                                        .arg(job.id)
                                        .arg(marked)
                                        .arg(resumed);
        ActiveJob *a = adopt(job);
        if (a->job.spec.playbook == releasePlaybookName() && !a->job.spec.target.service.isEmpty())
            a->releaseServices = { a->job.spec.target.service };
        if (a->job.spec.playbook == releasePlaybookName() && a->releaseServices.isEmpty()) {
            // The service list of a release is resolved at launch; without it the release cannot be redone.
            for (NodeSlot *s : std::as_const(a->slots)) {
                if (!isTerminal(a->job.nodes[s->index].state)) {
                    a->job.nodes[s->index].state = NodeRunState::Failed;
                    a->job.nodes[s->index].reason
                        = QStringLiteral("the service restarted before this release ran; release the node again");
                    a->job.nodes[s->index].transitions.append(
                        { NodeRunState::Failed, now, a->job.nodes[s->index].reason });
                    m_journal->saveNode(a->job.id, a->job.nodes[s->index], {});
                }
            }
        }
        startJob(a);
    }
    return m_journal->flushNow();
}

// ---------------------------------------------------------------------------------------------- drain

void JobManager::drain(int timeoutMs, std::function<void()> done)
{
    m_draining = true;
    m_drainDone = std::move(done);
    // Nodes that have not started stay queued in the store; the next start of this instance resumes them.
    for (ActiveJob *a : std::as_const(m_jobs)) {
        if (a->timeout)
            a->timeout->stop();
        for (NodeSlot *s : std::as_const(a->slots)) {
            if (s->phase == NodeSlot::Phase::Running || s->phase == NodeSlot::Phase::Stopping
                || s->phase == NodeSlot::Phase::Settling || s->phase == NodeSlot::Phase::Done)
                continue;
            if (s->phase == NodeSlot::Phase::Jitter)
                --m_running;
            s->timeout.stop();
            s->jitter.stop();
            s->retry.stop();
            delete s->calls;
            s->calls = nullptr;
            releaseLock(s);
            s->phase = NodeSlot::Phase::Done;
        }
    }
    m_runnerQueue.clear();
    m_drainTimer.disconnect();
    connect(&m_drainTimer, &QTimer::timeout, this, [this] {
        qCWarning(lcJobs) << "drain timeout: stopping" << m_running << "runner(s) still in flight";
        for (ActiveJob *a : std::as_const(m_jobs)) {
            for (NodeSlot *s : std::as_const(a->slots)) {
                if (s->phase == NodeSlot::Phase::Running || s->phase == NodeSlot::Phase::Stopping)
                    stopNode(s, Intent::Shutdown, NodeRunState::Failed,
                        QStringLiteral("the service shut down while this run was in flight"), false);
            }
        }
    });
    m_drainTimer.start(std::max(0, timeoutMs));
    qCInfo(lcJobs) << "draining:" << m_running << "runner(s) in flight";
    checkDrained();
}

void JobManager::checkDrained()
{
    if (!m_draining || !m_drainDone || m_running > 0)
        return;
    for (ActiveJob *a : std::as_const(m_jobs)) {
        for (NodeSlot *s : std::as_const(a->slots)) {
            if (s->phase == NodeSlot::Phase::Running || s->phase == NodeSlot::Phase::Stopping
                || s->phase == NodeSlot::Phase::Settling)
                return;
        }
    }
    m_drainTimer.stop();
    auto done = std::move(m_drainDone);
    m_drainDone = nullptr;
    (void)m_journal->flushNow();
    QMetaObject::invokeMethod(
        this, [done] { done(); }, Qt::QueuedConnection);
}

} // namespace Baton
