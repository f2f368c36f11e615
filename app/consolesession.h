#pragma once

#include "core/consul/consulconfig.h"
#include "core/consul/consultypes.h"
#include "core/domain/jobevent.h"
#include "core/jobs/backoff.h"
#include "core/jobs/jobsapi.h"
#include "models/connectionprofile.h"
#include "models/jobfilter.h"
#include "models/servicestatus.h"

#include <functional>
#include <memory>

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

namespace Baton {

class ConnectionStatusModel;
class ConsulClient;
class ConsulWatcher;
class EventStream;
class HealthModel;
class JobListModel;
class JobServiceClient;
class NodeLogBuffer;
class NodeRunModel;
class ServiceBudgetModel;
template<typename T> class ConsulWatch;

// Everything the console is connected to, without any widget: the job service (REST and event stream), Consul
// (three watches plus per-service catalog reads), and the models they feed. The main window and the tests drive
// it; a wall display or a timeline reads its models and its eventsReceived signal.
//
// Each connection is independent: Consul being down leaves the job list live and the other way round, and each
// reconnects by itself (the event stream with jittered back-off and Last-Event-ID, the job service through a
// health probe that backs off while it is down, Consul through its watchers). Every mutating action goes
// through here, so a read-only profile is enforced in one place.
class ConsoleSession : public QObject
{
    Q_OBJECT

public:
    struct Tokens
    {
        QByteArray jobService;
        QByteArray consul;
        QString consulCaFile; // CONSUL_CACERT, used when the profile names no CA file
    };

    struct MaxOfflineWrite
    {
        bool written = false; // false: someone else changed it first; `current` is what it holds now
        ServiceStatus current;
    };

    explicit ConsoleSession(QObject *parent = nullptr);
    ~ConsoleSession() override;

    void connectTo(const ConnectionProfile &profile, const Tokens &tokens);
    void disconnectAll();
    const ConnectionProfile &profile() const { return m_profile; }
    bool isReadOnly() const { return m_profile.readOnly; }
    bool consulAvailable() const;
    bool jobServiceConfigured() const;

    JobListModel *jobs() const { return m_jobs; }
    NodeRunModel *nodes() const { return m_nodes; }
    NodeLogBuffer *log() const { return m_log; }
    ServiceBudgetModel *services() const { return m_services; }
    HealthModel *health() const { return m_health; }
    ConnectionStatusModel *connections() const { return m_connections; }
    JobServiceClient *client() const { return m_client; }
    EventStream *stream() const { return m_stream; }
    ConsulClient *consul() const { return m_consul.get(); }
    QStringList playbooks() const { return m_playbooks; }
    QStringList knownServices() const;

    void selectJob(qint64 id);
    qint64 selectedJob() const { return m_selected; }
    void followLog(qint64 jobId, const QString &node);
    void setFilter(const JobFilter &filter);
    const JobFilter &filter() const { return m_filter; }
    // Refetches history, the selected job and Consul's catalog now.
    void refresh();
    void setStuckAfterMs(qint64 ms);
    void setPageSize(int jobs) { m_pageSize = std::max(10, jobs); }

    // Actions. A read-only profile answers with a Forbidden error and sends nothing.
    void launch(
        const JobSpec &spec, const QString &idempotencyKey, QObject *context, std::function<void(Result<Job>)> done);
    void cancelJob(qint64 id, JobCancelMode mode, QObject *context, std::function<void(Result<Job>)> done);
    void cancelNode(
        qint64 id, const QString &node, NodeCancelMode mode, QObject *context, std::function<void(Result<Job>)> done);
    void relaunch(qint64 id, const QStringList &nodes, QObject *context, std::function<void(Result<Job>)> done);
    void releaseNode(const QString &node, QObject *context, std::function<void(Result<bool>)> done);
    // Writes <prefix>services/<service>/max_offline with a CAS on expectedIndex (0: only if the key is missing).
    void setMaxOffline(const QString &service, const MaxOffline &value, quint64 expectedIndex, QObject *context,
        std::function<void(Result<MaxOfflineWrite>)> done);

    bool launchedHere(qint64 id) const { return m_launched.contains(id); }
    QHash<QString, qint64> keptInMaintenance() const { return m_kept; }

Q_SIGNALS:
    // Every batch from the event stream, after the models saw it (for the timeline and the wall display).
    void eventsReceived(const QList<Baton::JobEvent> &events);
    // The job service's event stream asked for a resync or lost events: snapshots are being refetched.
    void resynced(const QString &reason);
    void jobSelected(qint64 id);
    void playbooksChanged(const QStringList &playbooks);
    void servicesChanged();
    void message(const QString &text);
    void launchedJobFinished(qint64 id, Baton::JobState state, const QString &summary);
    void launchedJobHalted(qint64 id, const QString &reason);
    void jobBecameStuck(qint64 id);
    void profileApplied();

private:
    static Result<void> refuseReadOnly(const QString &what);
    void setUpJobService(const Tokens &tokens);
    void setUpConsul(const Tokens &tokens);
    void loadHistory();
    void loadMore();
    void loadPlaybooks();
    void fetchSnapshot(qint64 id);
    void onEvents(const QList<JobEvent> &events);
    void onResync(quint64 seq, const QString &reason);
    void probeJobService();
    void learnFromJob(const Job &job);
    void fetchLog(qint64 from);
    void refreshCatalog();
    void rebuildServices();
    void updateHealthJobs();
    ServiceStatus composeStatus(const QString &service, const std::optional<Consul::KvEntry> &maxOfflineKey) const;
    QString maxOfflineKey(const QString &service) const;
    void rememberFresh(const QString &key, const std::optional<Consul::KvEntry> &entry);

    ConnectionProfile m_profile;
    JobListModel *m_jobs;
    NodeRunModel *m_nodes;
    NodeLogBuffer *m_log;
    ServiceBudgetModel *m_services;
    HealthModel *m_health;
    ConnectionStatusModel *m_connections;
    JobServiceClient *m_client;
    EventStream *m_stream;
    std::unique_ptr<ConsulClient> m_consul;
    ConsulWatch<QList<Consul::HealthCheck>> *m_checksWatch = nullptr;
    ConsulWatch<Consul::CatalogServices> *m_servicesWatch = nullptr;
    ConsulWatch<QList<Consul::KvEntry>> *m_kvWatch = nullptr;
    QHash<QString, QList<Consul::CatalogService>> m_catalog;
    // Keys this console just wrote or read consistently, newer than what the KV watch has shown so far (its token
    // bucket may hold the next read back for seconds): they win until the watch catches up.
    QHash<QString, std::optional<Consul::KvEntry>> m_kvFresh;
    QTimer m_catalogTimer;
    QTimer m_rebuildTimer; // coalesces Consul changes into one services rebuild

    quint64 m_generation = 0; // bumped per profile: stale answers are dropped
    JobFilter m_filter;
    int m_pageSize = 500;
    QString m_nextCursor;
    bool m_historyLoaded = false;
    bool m_historyInFlight = false;
    QList<JobEvent> m_earlyEvents; // events that came before the first history page
    QSet<qint64> m_snapshotsInFlight;
    qint64 m_selected = 0;
    quint64 m_selectedGeneration = 0;
    QList<JobEvent> m_selectedBuffer; // events for the selected job while its snapshot loads
    bool m_selectedLoading = false;
    bool m_logFetchInFlight = false;
    bool m_logDroppedDuringFetch = false;
    QStringList m_playbooks;
    QSet<qint64> m_launched;
    QHash<QString, qint64> m_kept;
    QTimer m_probeTimer;
    Backoff m_probeBackoff;
    bool m_jobServiceWasDown = false;
    QTimer m_resyncTimer; // at most one history refetch per second, however many resyncs arrive
    QString m_pendingResyncReason;
};

} // namespace Baton
