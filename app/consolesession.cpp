#include "app/consolesession.h"

#include "app/applogging.h"
#include "core/base/redaction.h"
#include "core/consul/consulbudgetreader.h"
#include "core/consul/consulclient.h"
#include "core/consul/consulwatcher.h"
#include "core/jobs/eventstream.h"
#include "core/jobs/jobserviceclient.h"
#include "models/connectionstatusmodel.h"
#include "models/healthmodel.h"
#include "models/joblistmodel.h"
#include "models/nodelogbuffer.h"
#include "models/noderunmodel.h"
#include "models/servicebudgetmodel.h"

namespace Baton {

using Link = ConnectionStatusModel::Link;
using LinkState = ConnectionStatusModel::State;

namespace {
constexpr int kCatalogRefreshMs = 60 * 1000;
constexpr int kHealthyProbeMs = 30 * 1000;

QString hostPort(const QUrl &url)
{
    if (url.isEmpty())
        return {};
    return Redaction::redactUrl(url.toString(QUrl::RemoveUserInfo));
}
} // namespace

ConsoleSession::ConsoleSession(QObject *parent)
    : QObject(parent)
    , m_jobs(new JobListModel(this))
    , m_nodes(new NodeRunModel(this))
    , m_log(new NodeLogBuffer(this))
    , m_services(new ServiceBudgetModel(this))
    , m_health(new HealthModel(this))
    , m_connections(new ConnectionStatusModel(this))
    , m_client(new JobServiceClient(this))
    , m_stream(new EventStream(this))
    , m_probeBackoff(1000, kHealthyProbeMs)
{
    connect(m_stream, &EventStream::eventsReceived, this, &ConsoleSession::onEvents);
    connect(m_stream, &EventStream::resyncRequired, this, &ConsoleSession::onResync);
    connect(m_stream, &EventStream::connected, this, [this](qint64 latency) {
        m_connections->recordSuccess(Link::EventStream, latency);
        if (m_historyLoaded && m_stream->lastSeq() == 0)
            loadHistory(); // a stream that cannot resume: the list may have missed changes meanwhile
    });
    connect(m_stream, &EventStream::errorOccurred, this,
        [this](const Error &e) { m_connections->recordFailure(Link::EventStream, e); });
    connect(m_stream, &EventStream::stateChanged, this, [this](EventStream::State s) {
        switch (s) {
        case EventStream::State::Connecting:
            if (m_connections->status(Link::EventStream).state != LinkState::Unauthorized)
                m_connections->setDetail(Link::EventStream, QStringLiteral("connecting"));
            break;
        case EventStream::State::Waiting:
            m_connections->setDetail(
                Link::EventStream, QStringLiteral("retrying in %1 s").arg((m_stream->retryInMs() + 999) / 1000));
            break;
        case EventStream::State::Stopped:
            m_connections->setDetail(Link::EventStream, QStringLiteral("stopped"));
            break;
        default:
            break;
        }
    });
    connect(m_stream, &EventStream::heartbeatReceived, this, [this] {
        if (m_connections->status(Link::EventStream).state != LinkState::Up)
            m_connections->recordSuccess(Link::EventStream, -1);
    });

    connect(m_client, &JobServiceClient::requestFinished, this,
        [this](const QString &what, qint64 latency, bool reachable, const Error &error) {
            const bool readCall = what.startsWith(QStringLiteral("list")) || what.startsWith(QStringLiteral("check"))
                || what.startsWith(QStringLiteral("load"));
            if (!reachable || error.kind == Error::Kind::Unauthorized
                || (error.kind == Error::Kind::Forbidden && readCall)) {
                m_connections->recordFailure(Link::JobService, error);
                m_jobServiceWasDown = true;
                return;
            }
            if (error.kind == Error::Kind::Decode || error.kind == Error::Kind::TooLarge) {
                m_connections->recordFailure(Link::JobService, error, true);
                return;
            }
            m_connections->recordSuccess(Link::JobService, latency);
        });

    connect(m_jobs, &JobListModel::snapshotNeeded, this, &ConsoleSession::fetchSnapshot);
    connect(m_nodes, &NodeRunModel::snapshotNeeded, this, &ConsoleSession::fetchSnapshot);
    connect(m_jobs, &JobListModel::moreRequested, this, &ConsoleSession::loadMore);
    connect(m_jobs, &JobListModel::jobStateChanged, this, [this](qint64 id, JobState, JobState to) {
        if (id == m_selected && !m_selectedLoading) {
            // The node model follows events itself; a finished job gets one snapshot for final timings and codes.
            if (isTerminal(to))
                fetchSnapshot(id);
        }
        if (m_launched.contains(id) && isTerminal(to))
            Q_EMIT launchedJobFinished(id, to, m_jobs->jobCounts(id).summary());
        updateHealthJobs();
    });
    connect(m_jobs, &JobListModel::jobHalted, this, [this](qint64 id, const QString &reason) {
        if (m_launched.contains(id))
            Q_EMIT launchedJobHalted(id, reason);
    });
    connect(m_jobs, &JobListModel::jobBecameStuck, this, &ConsoleSession::jobBecameStuck);
    connect(m_jobs, &JobListModel::ticked, this,
        [this] { m_services->setWaiting(m_jobs->nodesWaitingForSlotByService()); });
    connect(m_log, &NodeLogBuffer::gapDetected, this, &ConsoleSession::fetchLog);

    m_probeTimer.setSingleShot(true);
    connect(&m_probeTimer, &QTimer::timeout, this, &ConsoleSession::probeJobService);
    m_catalogTimer.setInterval(kCatalogRefreshMs);
    connect(&m_catalogTimer, &QTimer::timeout, this, &ConsoleSession::refreshCatalog);
    m_rebuildTimer.setSingleShot(true);
    m_rebuildTimer.setInterval(50);
    connect(&m_rebuildTimer, &QTimer::timeout, this, &ConsoleSession::rebuildServices);
    m_resyncTimer.setSingleShot(true);
    m_resyncTimer.setInterval(1000);
    connect(&m_resyncTimer, &QTimer::timeout, this, [this] {
        const QString reason = std::exchange(m_pendingResyncReason, {});
        Q_EMIT resynced(reason);
        loadHistory();
        if (m_selected > 0)
            fetchSnapshot(m_selected);
        // Active jobs may have changed in ways the list's counts do not show (node states): refresh a few.
        const QList<qint64> active = m_jobs->activeJobIds();
        for (qsizetype i = 0; i < active.size() && i < 50; ++i)
            fetchSnapshot(active[active.size() - 1 - i]);
    });
}

ConsoleSession::~ConsoleSession()
{
    ++m_generation;
    m_stream->stop();
    // The watchers talk through the client: they go first.
    delete m_checksWatch;
    delete m_servicesWatch;
    delete m_kvWatch;
    m_consul.reset();
}

bool ConsoleSession::consulAvailable() const
{
    const auto s = m_connections->status(Link::Consul).state;
    return m_consul && (s == LinkState::Up || s == LinkState::Degraded);
}

bool ConsoleSession::jobServiceConfigured() const
{
    return m_client->isConfigured();
}

QStringList ConsoleSession::knownServices() const
{
    QStringList out = m_services->serviceNames();
    if (m_servicesWatch) {
        for (auto it = m_servicesWatch->value().cbegin(); it != m_servicesWatch->value().cend(); ++it) {
            if (!out.contains(it.key()))
                out << it.key();
        }
    }
    out.sort();
    return out;
}

Result<void> ConsoleSession::refuseReadOnly(const QString &what)
{
    return fail(Error::Kind::Forbidden,
        QStringLiteral("This profile is read-only: %1 is not allowed from this console.").arg(what), 0);
}

// ---- connecting ----

void ConsoleSession::disconnectAll()
{
    ++m_generation;
    m_stream->stop();
    m_client->abortAll();
    m_probeTimer.stop();
    m_catalogTimer.stop();
    m_rebuildTimer.stop();
    m_resyncTimer.stop();
    delete m_checksWatch;
    delete m_servicesWatch;
    delete m_kvWatch;
    m_checksWatch = nullptr;
    m_servicesWatch = nullptr;
    m_kvWatch = nullptr;
    m_consul.reset();
    m_catalog.clear();
    m_kvFresh.clear();
    m_jobs->clear();
    m_nodes->clear();
    m_log->clear();
    m_services->setServices({});
    m_health->setChecks({});
    m_connections->reset();
    m_historyLoaded = false;
    m_historyInFlight = false;
    m_earlyEvents.clear();
    m_snapshotsInFlight.clear();
    m_selected = 0;
    m_selectedBuffer.clear();
    m_selectedLoading = false;
    m_logFetchInFlight = false;
    m_playbooks.clear();
    m_kept.clear();
    m_nextCursor.clear();
    m_jobServiceWasDown = false;
}

void ConsoleSession::connectTo(const ConnectionProfile &profile, const Tokens &tokens)
{
    disconnectAll();
    m_profile = profile;
    qCInfo(lcApp).noquote() << "profile" << profile.label() << "job service" << hostPort(profile.jobServiceUrl)
                            << "consul" << hostPort(profile.consulUrl);
    setUpJobService(tokens);
    setUpConsul(tokens);
    Q_EMIT profileApplied();
}

void ConsoleSession::setUpJobService(const Tokens &tokens)
{
    m_connections->setAddress(Link::JobService, hostPort(m_profile.jobServiceUrl));
    m_connections->setAddress(Link::EventStream, hostPort(m_profile.jobServiceUrl));
    if (m_profile.jobServiceUrl.isEmpty())
        return;
    JobServiceConfig c;
    c.baseUrl = m_profile.jobServiceUrl;
    c.token = tokens.jobService;
    c.caFile = m_profile.caFile;
    if (auto r = m_client->configure(c); !r) {
        m_connections->recordFailure(Link::JobService, r.error());
        m_connections->recordFailure(Link::EventStream, r.error());
        Q_EMIT message(r.error().message);
        return;
    }
    EventStream::Options o;
    o.baseUrl = m_profile.jobServiceUrl;
    o.token = tokens.jobService;
    o.caFile = m_profile.caFile;
    if (auto r = m_stream->configure(o); !r) {
        m_connections->recordFailure(Link::EventStream, r.error());
        return;
    }
    m_connections->setState(Link::JobService, LinkState::Connecting);
    m_connections->setState(Link::EventStream, LinkState::Connecting);
    // The stream first, so nothing that happens while history loads is missed; early events are kept and applied
    // on top of the first page.
    m_stream->start();
    loadHistory();
    loadPlaybooks();
    m_probeBackoff.reset();
    m_probeTimer.start(kHealthyProbeMs);
}

void ConsoleSession::setUpConsul(const Tokens &tokens)
{
    m_connections->setAddress(Link::Consul, hostPort(m_profile.consulUrl));
    if (m_profile.consulUrl.isEmpty())
        return;
    ConsulConfig c;
    c.address = m_profile.consulUrl;
    c.datacenter = m_profile.datacenter;
    c.token = QString::fromUtf8(tokens.consul);
    c.caFile = m_profile.caFile.isEmpty() ? tokens.consulCaFile : m_profile.caFile;
    m_consul = std::make_unique<ConsulClient>(c);
    if (const auto e = m_consul->configError()) {
        m_connections->recordFailure(Link::Consul, *e);
        Q_EMIT message(e->message);
        return;
    }
    m_connections->setState(Link::Consul, LinkState::Connecting);
    ConsulWatchOptions opts;
    opts.query.datacenter = m_profile.datacenter;
    // An operator watches a rollout second by second, and during one Consul's answers change every second or
    // so (maintenance on and off, checks failing and passing): the library's background budget (a request per
    // 15 s once the burst is spent) showed the budget gauge and capacity chart many seconds behind. One request a
    // second per watch under churn is still nothing for an agent; an idle watch stays at one per wait.
    opts.burst = 3;
    opts.refillMs = 1'000;
    // Three watches for the whole console: every check of the datacenter, the service list, and the coordination
    // keys. Instances per service are read once per catalog change (and every minute), not watched.
    m_checksWatch = ConsulWatches::healthState(m_consul.get(), std::nullopt, opts, this);
    m_servicesWatch = ConsulWatches::catalogServices(m_consul.get(), opts, this);
    QString prefix = m_profile.keyPrefix;
    if (!prefix.isEmpty() && !prefix.endsWith(u'/'))
        prefix += u'/';
    m_kvWatch = ConsulWatches::kvTree(m_consul.get(), prefix + QStringLiteral("services/"), opts, this);
    const quint64 generation = m_generation;
    for (ConsulWatcher *w : std::initializer_list<ConsulWatcher *> { m_checksWatch, m_servicesWatch, m_kvWatch }) {
        connect(w, &ConsulWatcher::changed, this, [this, generation] {
            if (generation != m_generation)
                return;
            m_connections->recordSuccess(Link::Consul, -1);
            m_rebuildTimer.start();
        });
        connect(w, &ConsulWatcher::errorOccurred, this, [this, generation, w](const Error &e) {
            if (generation != m_generation)
                return;
            m_connections->recordFailure(Link::Consul, e);
            // The watcher retries by itself, doubling its wait up to a minute; say so next to the state.
            if (e.kind != Error::Kind::Unauthorized && e.kind != Error::Kind::Forbidden)
                m_connections->setDetail(Link::Consul,
                    QStringLiteral("retrying with back-off, %1 failed in a row").arg(w->consecutiveErrors()));
        });
    }
    connect(m_servicesWatch, &ConsulWatcher::changed, this, &ConsoleSession::refreshCatalog);
    connect(m_checksWatch, &ConsulWatcher::changed, this, [this] {
        QStringList nodes;
        for (const auto &list : std::as_const(m_catalog)) {
            for (const Consul::CatalogService &cs : list) {
                if (!nodes.contains(cs.node.name))
                    nodes << cs.node.name;
            }
        }
        m_health->setChecks(m_checksWatch->value(), nodes);
    });
    m_checksWatch->start();
    m_servicesWatch->start();
    m_kvWatch->start();
    m_catalogTimer.start();
}

// ---- job service ----

void ConsoleSession::loadHistory()
{
    if (!m_client->isConfigured() || m_historyInFlight)
        return;
    m_historyInFlight = true;
    const quint64 generation = m_generation;
    const JobQuery query = m_filter.toQuery(m_pageSize);
    m_client->listJobs(query, this, [this, generation, query](Result<JobPage> page) {
        if (generation != m_generation)
            return;
        m_historyInFlight = false;
        if (!page) {
            if (page.error().kind != Error::Kind::Cancelled)
                Q_EMIT message(page.error().message);
            return;
        }
        m_nextCursor = page->nextCursor;
        // The page reflects everything up to page->seq: a reconnect of the stream resumes from there at least.
        m_stream->setResumePoint(page->seq);
        if (!m_historyLoaded) {
            m_jobs->replaceHistory(page->jobs, !page->nextCursor.isEmpty());
            m_historyLoaded = true;
            QList<JobEvent> later;
            for (const JobEvent &e : std::as_const(m_earlyEvents)) {
                if (page->seq == 0 || e.seq > page->seq)
                    later << e;
            }
            m_earlyEvents.clear();
            if (!later.isEmpty())
                m_jobs->applyEvents(later);
        } else {
            // A refresh: merge, never reset (selection and scroll stay).
            m_jobs->appendHistory(page->jobs, !page->nextCursor.isEmpty());
        }
        updateHealthJobs();
    });
}

void ConsoleSession::loadMore()
{
    if (!m_client->isConfigured() || m_nextCursor.isEmpty()) {
        m_jobs->setHasMore(false);
        return;
    }
    JobQuery query = m_filter.toQuery(m_pageSize);
    query.cursor = m_nextCursor;
    const quint64 generation = m_generation;
    m_client->listJobs(query, this, [this, generation](Result<JobPage> page) {
        if (generation != m_generation)
            return;
        if (!page) {
            m_jobs->setHasMore(true); // try again when the view asks again
            Q_EMIT message(page.error().message);
            return;
        }
        m_nextCursor = page->nextCursor;
        m_jobs->appendHistory(page->jobs, !page->nextCursor.isEmpty());
    });
}

void ConsoleSession::loadPlaybooks()
{
    const quint64 generation = m_generation;
    m_client->playbooks(this, [this, generation](Result<QList<PlaybookInfo>> r) {
        if (generation != m_generation || !r)
            return;
        QStringList names;
        for (const PlaybookInfo &p : *r)
            names << p.name;
        if (names != m_playbooks) {
            m_playbooks = names;
            Q_EMIT playbooksChanged(names);
        }
    });
}

void ConsoleSession::probeJobService()
{
    if (!m_client->isConfigured())
        return;
    const quint64 generation = m_generation;
    m_client->health(this, [this, generation](Result<ServiceHealth> r) {
        if (generation != m_generation)
            return;
        if (r) {
            m_probeBackoff.reset();
            m_probeTimer.start(kHealthyProbeMs);
            if (m_jobServiceWasDown) {
                // Back after an outage: whatever the stream replays, make sure the list and playbooks are current.
                m_jobServiceWasDown = false;
                loadHistory();
                loadPlaybooks();
            }
        } else {
            m_jobServiceWasDown = true;
            const int delay = m_probeBackoff.next();
            m_connections->setDetail(Link::JobService, QStringLiteral("retrying in %1 s").arg((delay + 999) / 1000));
            m_probeTimer.start(delay);
        }
    });
}

void ConsoleSession::refresh()
{
    loadHistory();
    loadPlaybooks();
    if (m_selected > 0)
        fetchSnapshot(m_selected);
    if (m_stream->state() == EventStream::State::Waiting || m_stream->state() == EventStream::State::Stopped) {
        if (m_client->isConfigured())
            m_stream->start(m_stream->lastSeq());
    }
    refreshCatalog();
    probeJobService();
}

void ConsoleSession::setFilter(const JobFilter &filter)
{
    if (filter == m_filter)
        return;
    m_filter = filter;
    m_jobs->setFilter(filter);
    // The local rows matching at once; the service adds what it has beyond them.
    if (m_historyLoaded) {
        m_historyInFlight = false;
        loadHistory();
    }
}

void ConsoleSession::setStuckAfterMs(qint64 ms)
{
    m_jobs->setStuckAfterMs(ms);
    m_nodes->setStuckAfterMs(ms);
}

void ConsoleSession::learnFromJob(const Job &job)
{
    for (const NodeRun &r : job.nodes) {
        if (r.maintenanceLeftOn)
            m_kept.insert(r.node, job.id);
        else if (m_kept.value(r.node) == job.id)
            m_kept.remove(r.node);
    }
}

void ConsoleSession::fetchSnapshot(qint64 id)
{
    if (id <= 0 || m_snapshotsInFlight.contains(id) || !m_client->isConfigured())
        return;
    m_snapshotsInFlight.insert(id);
    const quint64 generation = m_generation;
    m_client->jobSnapshot(id, this, [this, generation, id](Result<JobSnapshot> r) {
        if (generation != m_generation)
            return;
        m_snapshotsInFlight.remove(id);
        if (!r) {
            if (r.error().kind != Error::Kind::Cancelled && r.error().kind != Error::Kind::NotFound)
                Q_EMIT message(r.error().message);
            if (id == m_selected)
                m_selectedLoading = false;
            return;
        }
        learnFromJob(r->job);
        m_jobs->upsertJob(r->job);
        if (id == m_selected) {
            m_nodes->setJob(r->job);
            if (m_selectedLoading) {
                m_selectedLoading = false;
                QList<JobEvent> later;
                for (const JobEvent &e : std::as_const(m_selectedBuffer)) {
                    if (r->seq == 0 || e.seq > r->seq)
                        later << e;
                }
                m_selectedBuffer.clear();
                m_nodes->applyEvents(later);
            }
        }
        updateHealthJobs();
    });
}

void ConsoleSession::selectJob(qint64 id)
{
    if (id == m_selected)
        return;
    m_selected = id;
    m_selectedBuffer.clear();
    m_log->clear();
    if (id <= 0) {
        m_selectedLoading = false;
        m_nodes->clear();
        Q_EMIT jobSelected(0);
        return;
    }
    m_selectedLoading = true;
    m_nodes->clear();
    m_snapshotsInFlight.remove(id); // a snapshot in flight for the list is fine, but the pane needs its own answer
    fetchSnapshot(id);
    Q_EMIT jobSelected(id);
}

void ConsoleSession::followLog(qint64 jobId, const QString &node)
{
    if (m_log->jobId() == jobId && m_log->node() == node)
        return;
    m_log->follow(jobId, node);
    m_logFetchInFlight = false;
    fetchLog(0);
}

void ConsoleSession::fetchLog(qint64 from)
{
    if (m_log->jobId() <= 0 || !m_client->isConfigured())
        return;
    if (m_logFetchInFlight) {
        m_logDroppedDuringFetch = true;
        return;
    }
    m_logFetchInFlight = true;
    m_logDroppedDuringFetch = false;
    const qint64 job = m_log->jobId();
    const QString node = m_log->node();
    const quint64 generation = m_generation;
    m_client->nodeLog(job, node, from, this, [this, generation, job, node](Result<LogChunk> r) {
        if (generation != m_generation || m_log->jobId() != job || m_log->node() != node)
            return;
        m_logFetchInFlight = false;
        if (!r) {
            Q_EMIT message(r.error().message);
            return;
        }
        m_log->place(r->offset, r->text);
        m_log->setComplete(r->complete);
        // Live pieces dropped while this answer was on its way: ask for what is still missing.
        if ((m_logDroppedDuringFetch || r->size > m_log->end()) && !r->complete)
            fetchLog(m_log->end());
        else if (r->size > m_log->end())
            fetchLog(m_log->end());
    });
}

void ConsoleSession::onEvents(const QList<JobEvent> &events)
{
    if (!m_historyLoaded) {
        // Applied on top of the first page, so nothing between "stream open" and "page answered" is lost.
        m_earlyEvents += events;
        if (m_earlyEvents.size() > 100000)
            m_earlyEvents.remove(0, m_earlyEvents.size() - 100000);
    } else {
        m_jobs->applyEvents(events);
    }
    if (m_selected > 0) {
        if (m_selectedLoading) {
            for (const JobEvent &e : events) {
                if (e.jobId == m_selected)
                    m_selectedBuffer << e;
            }
        } else {
            m_nodes->applyEvents(events);
        }
    }
    if (m_log->jobId() > 0) {
        for (const JobEvent &e : events) {
            if (e.type == JobEvent::Type::NodeLog && e.jobId == m_log->jobId() && e.node == m_log->node()) {
                if (m_logFetchInFlight)
                    m_logDroppedDuringFetch = true;
                else
                    m_log->place(e.offset, e.text.toUtf8());
            }
        }
    }
    Q_EMIT eventsReceived(events);
}

void ConsoleSession::onResync(quint64 seq, const QString &reason)
{
    qCInfo(lcApp).noquote() << "resync after seq" << seq << ":" << reason;
    m_connections->setDetail(Link::EventStream, QStringLiteral("resyncing"));
    m_jobs->flush();
    m_pendingResyncReason = reason;
    if (!m_resyncTimer.isActive())
        m_resyncTimer.start();
}

void ConsoleSession::updateHealthJobs()
{
    m_health->setJobs(m_jobs->activeNodes(), m_kept);
}

// ---- Consul ----

void ConsoleSession::refreshCatalog()
{
    if (!m_consul || !m_servicesWatch || !m_servicesWatch->hasValue())
        return;
    const quint64 generation = m_generation;
    const Consul::CatalogServices services = m_servicesWatch->value();
    for (auto it = m_catalog.begin(); it != m_catalog.end();) {
        if (!services.contains(it.key()))
            it = m_catalog.erase(it);
        else
            ++it;
    }
    for (auto it = services.cbegin(); it != services.cend(); ++it) {
        const QString service = it.key();
        Consul::QueryOptions q;
        q.datacenter = m_profile.datacenter;
        q.consistency = Consul::Consistency::Stale;
        m_consul->catalogService(
            service, q, this, [this, generation, service](ConsulReply<QList<Consul::CatalogService>> r) {
                if (generation != m_generation)
                    return;
                if (!r.ok()) {
                    m_connections->recordFailure(Link::Consul, r.result.error(), true);
                    return;
                }
                m_connections->recordSuccess(Link::Consul, r.meta.elapsedMs);
                if (m_catalog.value(service) != *r.result) {
                    m_catalog.insert(service, *r.result);
                    m_rebuildTimer.start();
                }
            });
    }
}

QString ConsoleSession::maxOfflineKey(const QString &service) const
{
    QString prefix = m_profile.keyPrefix;
    if (!prefix.isEmpty() && !prefix.endsWith(u'/'))
        prefix += u'/';
    return QStringLiteral("%1services/%2/max_offline").arg(prefix, service);
}

ServiceStatus ConsoleSession::composeStatus(
    const QString &service, const std::optional<Consul::KvEntry> &maxOfflineEntry) const
{
    ServiceStatus s;
    s.service = service;
    s.budget.service = service;
    if (m_servicesWatch)
        s.tags = m_servicesWatch->value().value(service);
    // Instances as /v1/health/service would list them: each catalog instance with its node's checks and its own.
    QHash<QString, QList<Consul::HealthCheck>> checksByNode;
    if (m_checksWatch) {
        for (const Consul::HealthCheck &c : m_checksWatch->value())
            checksByNode[c.node].append(c);
    }
    QList<Consul::ServiceHealth> instances;
    for (const Consul::CatalogService &cs : m_catalog.value(service)) {
        Consul::ServiceHealth h;
        h.node = cs.node;
        h.service = cs.service;
        for (const Consul::HealthCheck &c : checksByNode.value(cs.node.name)) {
            if (c.serviceId.isEmpty() || c.serviceId == cs.service.id)
                h.checks.append(c);
        }
        instances.append(h);
    }
    s.setInstances(instances);
    s.setMaxOfflineKey(maxOfflineEntry);
    const QString servicePrefix = maxOfflineKey(service).chopped(int(qstrlen("max_offline")));
    QList<Consul::KvEntry> folder;
    if (m_kvWatch) {
        for (const Consul::KvEntry &e : m_kvWatch->value()) {
            if (e.key.startsWith(servicePrefix))
                folder.append(e);
        }
    }
    auto budget = ConsulBudgetReader::compose(service, servicePrefix, instances, folder, {});
    if (budget) {
        s.budget.holders = budget->holders;
        s.budget.offline = budget->offline;
    } else {
        s.budget.maxOfflineWarning
            = QStringLiteral("%1%2slots: %3")
                  .arg(s.budget.maxOfflineWarning,
                      s.budget.maxOfflineWarning.isEmpty() ? QString() : QStringLiteral("; "), budget.error().message);
    }
    s.waiting = m_jobs->nodesWaitingForSlot(service);
    return s;
}

void ConsoleSession::rememberFresh(const QString &key, const std::optional<Consul::KvEntry> &entry)
{
    m_kvFresh.insert(key, entry);
    m_rebuildTimer.start();
}

void ConsoleSession::rebuildServices()
{
    if (!m_servicesWatch)
        return;
    QHash<QString, Consul::KvEntry> keys;
    if (m_kvWatch) {
        for (const Consul::KvEntry &e : m_kvWatch->value())
            keys.insert(e.key, e);
    }
    for (auto it = m_kvFresh.begin(); it != m_kvFresh.end();) {
        const quint64 fresh = it.value() ? it.value()->modifyIndex : 0;
        const quint64 watched = keys.contains(it.key()) ? keys.value(it.key()).modifyIndex : 0;
        if (it.value() && fresh > watched) {
            keys.insert(it.key(), *it.value());
            ++it;
        } else {
            it = m_kvFresh.erase(it); // the watch has caught up
        }
    }
    QList<ServiceStatus> list;
    const Consul::CatalogServices services = m_servicesWatch->value();
    for (auto it = services.cbegin(); it != services.cend(); ++it) {
        if (it.key() == u"consul")
            continue; // Consul's own servers are not something Baton rolls
        const QString key = maxOfflineKey(it.key());
        const std::optional<Consul::KvEntry> entry
            = keys.contains(key) ? std::optional<Consul::KvEntry>(keys.value(key)) : std::nullopt;
        list.append(composeStatus(it.key(), entry));
    }
    m_services->setServices(list);
    if (m_checksWatch && m_checksWatch->hasValue()) {
        QStringList nodes;
        for (const auto &l : std::as_const(m_catalog)) {
            for (const Consul::CatalogService &cs : l) {
                if (!nodes.contains(cs.node.name))
                    nodes << cs.node.name;
            }
        }
        m_health->setChecks(m_checksWatch->value(), nodes);
    }
    updateHealthJobs();
    Q_EMIT servicesChanged();
}

// ---- actions ----

void ConsoleSession::launch(
    const JobSpec &spec, const QString &idempotencyKey, QObject *context, std::function<void(Result<Job>)> done)
{
    if (m_profile.readOnly) {
        done(fail(refuseReadOnly(QStringLiteral("launching a job")).error()));
        return;
    }
    const quint64 generation = m_generation;
    m_client->launch(spec, idempotencyKey, context, [this, generation, done](Result<Job> r) {
        if (generation == m_generation && r) {
            m_launched.insert(r->id);
            learnFromJob(*r);
            m_jobs->upsertJob(*r);
        }
        done(std::move(r));
    });
}

void ConsoleSession::cancelJob(qint64 id, JobCancelMode mode, QObject *context, std::function<void(Result<Job>)> done)
{
    if (m_profile.readOnly) {
        done(fail(refuseReadOnly(QStringLiteral("cancelling a job")).error()));
        return;
    }
    const quint64 generation = m_generation;
    m_client->cancelJob(id, mode, context, [this, generation, done](Result<Job> r) {
        if (generation == m_generation && r) {
            learnFromJob(*r);
            m_jobs->upsertJob(*r);
            if (r->id == m_selected)
                m_nodes->setJob(*r);
        }
        done(std::move(r));
    });
}

void ConsoleSession::cancelNode(
    qint64 id, const QString &node, NodeCancelMode mode, QObject *context, std::function<void(Result<Job>)> done)
{
    if (m_profile.readOnly) {
        done(fail(refuseReadOnly(QStringLiteral("cancelling a node")).error()));
        return;
    }
    const quint64 generation = m_generation;
    m_client->cancelNode(id, node, mode, context, [this, generation, done](Result<Job> r) {
        if (generation == m_generation && r) {
            learnFromJob(*r);
            m_jobs->upsertJob(*r);
            if (r->id == m_selected)
                m_nodes->setJob(*r);
            updateHealthJobs();
        }
        done(std::move(r));
    });
}

void ConsoleSession::relaunch(
    qint64 id, const QStringList &nodes, QObject *context, std::function<void(Result<Job>)> done)
{
    if (m_profile.readOnly) {
        done(fail(refuseReadOnly(QStringLiteral("relaunching a job")).error()));
        return;
    }
    const quint64 generation = m_generation;
    m_client->relaunch(id, nodes, context, [this, generation, done](Result<Job> r) {
        if (generation == m_generation && r) {
            m_launched.insert(r->id);
            m_jobs->upsertJob(*r);
        }
        done(std::move(r));
    });
}

void ConsoleSession::releaseNode(const QString &node, QObject *context, std::function<void(Result<bool>)> done)
{
    if (m_profile.readOnly) {
        done(fail(refuseReadOnly(QStringLiteral("releasing a node")).error()));
        return;
    }
    const quint64 generation = m_generation;
    m_client->releaseNode(node, context, [this, generation, node, done](Result<bool> r) {
        if (generation == m_generation && r) {
            m_kept.remove(node);
            updateHealthJobs();
        }
        done(std::move(r));
    });
}

void ConsoleSession::setMaxOffline(const QString &service, const MaxOffline &value, quint64 expectedIndex,
    QObject *context, std::function<void(Result<MaxOfflineWrite>)> done)
{
    if (m_profile.readOnly) {
        done(fail(refuseReadOnly(QStringLiteral("changing max_offline")).error()));
        return;
    }
    if (!m_consul) {
        done(fail(Error::Kind::InvalidInput, QStringLiteral("This profile has no Consul address.")));
        return;
    }
    const QString key = maxOfflineKey(service);
    Consul::KvPutOptions put;
    put.cas = expectedIndex;
    Consul::WriteOptions w;
    w.datacenter = m_profile.datacenter;
    const QPointer<QObject> guard(context);
    const bool hasContext = context != nullptr;
    auto deliver = [guard, hasContext, done](Result<MaxOfflineWrite> r) {
        if (hasContext && !guard)
            return;
        done(std::move(r));
    };
    const quint64 generation = m_generation;
    m_consul->kvPut(
        key, value.toString().toUtf8(), put, w, this, [this, generation, key, service, deliver](ConsulReply<bool> r) {
            if (generation != m_generation)
                return;
            if (!r.ok()) {
                Error e = r.result.error();
                e.message = QStringLiteral("cannot write %1: %2").arg(key, e.message);
                deliver(fail(std::move(e)));
                return;
            }
            if (*r.result) {
                qCInfo(lcApp).noquote() << "max_offline of" << service << "written";
                MaxOfflineWrite out;
                out.written = true;
                out.current = m_services->service(service) ? *m_services->service(service) : ServiceStatus {};
                deliver(out);
                // Show it at once rather than when the KV watch's next read comes round.
                Consul::QueryOptions q;
                q.consistency = Consul::Consistency::Consistent;
                q.datacenter = m_profile.datacenter;
                m_consul->kvGet(key, q, this, [this, generation, key](ConsulReply<std::optional<Consul::KvEntry>> now) {
                    if (generation == m_generation && now.ok())
                        rememberFresh(key, *now.result);
                });
                return;
            }
            // Someone else wrote first: read what is there now, consistently, and hand it back.
            Consul::QueryOptions q;
            q.consistency = Consul::Consistency::Consistent;
            q.datacenter = m_profile.datacenter;
            m_consul->kvGet(
                key, q, this, [this, generation, service, deliver](ConsulReply<std::optional<Consul::KvEntry>> now) {
                    if (generation != m_generation)
                        return;
                    if (!now.ok()) {
                        deliver(fail(now.result.error()));
                        return;
                    }
                    MaxOfflineWrite out;
                    out.written = false;
                    out.current = composeStatus(service, *now.result);
                    rememberFresh(maxOfflineKey(service), *now.result);
                    deliver(out);
                });
        });
}

} // namespace Baton
