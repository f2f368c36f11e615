#pragma once

#include "core/base/result.h"
#include "core/domain/job.h"
#include "service/runner/ansibleinvocation.h"
#include "service/runner/gateeventmapper.h"
#include "service/store/jobstore.h"
#include "service/tokenstore.h"

#include <functional>
#include <memory>

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

namespace Baton {

class ConsulGateway;
class Journal;
class Metrics;
class NodeRunner;
class NodeVars;
class PlaybookCatalog;
struct MaintenanceCheck;
struct ResolvedNode;

struct ManagerSettings
{
    int maxRunners = 8; // concurrent ansible-playbook processes
    int startJitterMs = 500; // each runner starts after a random 0…this delay
    qint64 maxLogBytesPerNode = 4 * 1024 * 1024;
    qint64 maxExtraVarsBytes = 256 * 1024;
    int maxNodesPerJob = 10000;
    int killGraceMs = 5000; // SIGTERM → SIGKILL
    QString instance; // this replica's name: owner of its jobs, named in node locks
    RunnerSettings runner;
};

// A launch as the API hands it over, already decoded.
struct LaunchRequest
{
    JobSpec spec;
    Principal who;
    QString idempotencyKey;
    QString requestHash; // of the request body, to tell a retry from a different request under the same key
    qint64 relaunchOf = 0;
    bool internal = false; // started by the service itself (a release); only then may the playbook be "@release"
};

struct LaunchOutcome
{
    Job job;
    bool replayed = false; // an Idempotency-Key retry: this is the job the first request created
};

struct CancelOptions
{
    bool force = false;
    bool releaseMaintenance = false; // for killed runs in maintenance: release (true) or keep for inspection
};

struct CancelOutcome
{
    Job job;
    QList<qint64> releaseJobs; // jobs started to release killed nodes' maintenance
};

// The heart of the service: launches jobs, runs one ansible-playbook per node under the node lock and the
// runner cap, maps callback events to node-run states, applies the failure policy, timeouts and cancels, and
// reconciles what an earlier process left unfinished. Single-threaded; everything goes through the Journal.
class JobManager : public QObject
{
    Q_OBJECT
public:
    JobManager(JobStore *store, Journal *journal, ConsulGateway *consul, PlaybookCatalog *playbooks,
        const NodeVars *nodeVars, Metrics *metrics, ManagerSettings settings, QObject *parent = nullptr);
    ~JobManager() override;

    // The built-in playbook run for releases (POST /v1/nodes/{node}/release and force-cancels that release).
    static QString releasePlaybookName() { return QStringLiteral("@release"); }

    // Startup: ends leftovers of an earlier process, marks its in-flight runs (asking Consul whether each left
    // its node in this job's maintenance), resumes queued nodes; then `done`.
    void recover(std::function<void(Result<void>)> done);

    void launch(LaunchRequest request, std::function<void(Result<LaunchOutcome>)> done);
    void relaunch(
        qint64 jobId, const QStringList &nodes, const Principal &who, std::function<void(Result<LaunchOutcome>)> done);
    void release(const QString &node, const QString &service, const Principal &who,
        std::function<void(Result<LaunchOutcome>)> done);
    Result<CancelOutcome> cancelJob(qint64 jobId, const CancelOptions &options, const Principal &who);
    Result<CancelOutcome> cancelNode(
        qint64 jobId, const QString &node, const CancelOptions &options, const Principal &who);

    // The live copy of an unfinished job (fresher than the store between flushes).
    std::optional<Job> activeJob(qint64 id) const;
    Result<Job> job(qint64 id) const;

    // SIGTERM: admit nothing new, hand queued nodes over to the next start, let running nodes finish for up to
    // `timeoutMs`, then stop them; `done` runs once nothing is running and the store is flushed.
    void drain(int timeoutMs, std::function<void()> done);
    bool isDraining() const { return m_draining; }

    int runningProcesses() const { return m_running; }
    int waitingForRunner() const { return int(m_runnerQueue.size()); }
    int activeJobCount() const { return int(m_jobs.size()); }
    int maxRunners() const { return m_settings.maxRunners; }
    const ManagerSettings &settings() const { return m_settings; }

    // The release playbook's text, written next to the runner folders at startup.
    static QByteArray releasePlaybookText();

Q_SIGNALS:
    void runnerStarted(qint64 jobId, const QString &node, qint64 latencyMs);
    void jobFinished(qint64 jobId);

private:
    struct ActiveJob;
    class NodeSlot;
    enum class Intent
    {
        None,
        Cancel,
        Timeout,
        Halt,
        Shutdown
    };

    // How a run whose process is gone ends, before Consul is asked about its node's maintenance.
    struct RunEnd
    {
        NodeRunState state = NodeRunState::Failed;
        QString reason;
        bool intended = false; // stopped by us (cancel, timeout, halt, shutdown, lost lock)
        bool eventSaysMaintenance = false; // the last gate event seen put the node in maintenance
    };
    // What Consul shows of a job's maintenance on a node.
    struct MaintenanceFinding
    {
        bool known = false; // Consul answered
        bool ours = false; // a maintenance check whose reason names the job ("baton: job 12 by …")
        QString detail; // the check's reason, or why Consul could not tell
    };
    static MaintenanceFinding findMaintenance(const Result<QList<MaintenanceCheck>> &checks, qint64 jobId);

    Result<void> validate(const JobSpec &spec, bool internal) const;
    void createAndStart(
        LaunchRequest request, const QList<ResolvedNode> &nodes, std::function<void(Result<LaunchOutcome>)> done);
    void finishIdempotent(const QString &key, const Result<LaunchOutcome> &outcome);
    ActiveJob *adopt(Job job);
    void startJob(ActiveJob *job);
    void dispatch(NodeSlot *slot);
    void acquireLock(NodeSlot *slot);
    void enqueueForRunner(NodeSlot *slot);
    void pumpRunners();
    void startRunner(NodeSlot *slot);
    void onRunnerEvent(NodeSlot *slot, const nlohmann::json &event);
    void onRunnerOutput(NodeSlot *slot, const QByteArray &bytes);
    void onRunnerFinished(NodeSlot *slot, int exitCode, bool normalExit);
    void checkMaintenanceThenEnd(NodeSlot *slot, const RunEnd &end);
    void settleRun(NodeSlot *slot, const RunEnd &end, const MaintenanceFinding &found);
    // `checks`: each in-flight node's maintenance checks as Consul answered (absent: no answer in time).
    Result<void> finishRecovery(
        QList<UnfinishedJob> unfinished, const QHash<QString, Result<QList<MaintenanceCheck>>> &checks);
    void appendLog(NodeSlot *slot, const QByteArray &bytes);
    void serviceLog(NodeSlot *slot, const QString &line);
    void setNodeState(
        NodeSlot *slot, NodeRunState state, const QString &reason, const std::optional<WaitInfo> &wait = std::nullopt);
    void setTask(NodeSlot *slot, const QString &task);
    void endNode(NodeSlot *slot, NodeRunState state, const QString &reason);
    void stopNode(
        NodeSlot *slot, Intent intent, NodeRunState finalState, const QString &reason, bool releaseMaintenance);
    void releaseLock(NodeSlot *slot);
    void releaseLocalLock(NodeSlot *slot);
    void haltFrom(NodeSlot *failing, const QString &why);
    void onSessionLost(const QString &why);
    void gradeJob(ActiveJob *job);
    void applyHalt(ActiveJob *job, NodeSlot *failed);
    void onNodeTimeout(NodeSlot *slot);
    void onJobTimeout(ActiveJob *job);
    void startRelease(const QString &node, const QString &service, const QString &address, const Principal &who,
        const QString &why, std::function<void(Result<LaunchOutcome>)> done);
    void checkDrained();
    NodeSlot *findSlot(qint64 jobId, const QString &node) const;

    JobStore *m_store;
    Journal *m_journal;
    ConsulGateway *m_consul;
    PlaybookCatalog *m_playbooks;
    const NodeVars *m_nodeVars;
    Metrics *m_metrics;
    ManagerSettings m_settings;
    QHash<qint64, ActiveJob *> m_jobs;
    QList<QPointer<NodeSlot>> m_runnerQueue;
    int m_running = 0;
    bool m_draining = false;
    std::function<void()> m_drainDone;
    QTimer m_drainTimer;
    QHash<QString, QList<std::function<void(Result<LaunchOutcome>)>>> m_idempotentInFlight;
    // Node locks are held with this instance's one Consul session, which Consul lets re-acquire a key it
    // holds; so runs of this instance's own jobs are serialized here, per node, before Consul is asked.
    QHash<QString, NodeSlot *> m_localLocks;
    QHash<QString, QList<QPointer<NodeSlot>>> m_localWaiters;
    QString m_releasePlaybookPath;
};

} // namespace Baton
