#pragma once

#include "core/base/result.h"
#include "service/serviceconfig.h"

#include <memory>

#include <QObject>
#include <QTimer>

namespace Baton {

class ConsulClient;
class ConsulGateway;
class EventStreamHub;
class HttpServer;
class JobManager;
class JobStore;
class Journal;
class Metrics;
class NodeVars;
class PlaybookCatalog;
class ServiceApi;
class TokenStore;

// The whole service wired together: store, journal, event stream, Consul gateway, job manager, API and HTTP
// server. start() brings it up (migrations, cleanup of an earlier run's session, recovery, listening, the
// ready file); shutdown() drains it (SIGTERM).
class ServiceApp : public QObject
{
    Q_OBJECT
public:
    explicit ServiceApp(ServiceConfig config, QObject *parent = nullptr);
    ~ServiceApp() override;

    Result<void> start();
    void shutdown(); // second call: stop runners at once
    quint16 port() const;
    QString url() const;
    const ServiceApi *api() const { return m_api.get(); }

Q_SIGNALS:
    void stopped(int exitCode);

private:
    void continueStartup();
    void finishShutdown();
    Result<void> writeReadyFile();
    void trimEvents();

    ServiceConfig m_config;
    std::unique_ptr<Metrics> m_metrics;
    std::unique_ptr<JobStore> m_store;
    std::unique_ptr<TokenStore> m_tokens;
    std::unique_ptr<NodeVars> m_nodeVars;
    std::unique_ptr<PlaybookCatalog> m_playbooks;
    Journal *m_journal = nullptr;
    EventStreamHub *m_events = nullptr;
    ConsulClient *m_consulClient = nullptr;
    ConsulGateway *m_consul = nullptr;
    JobManager *m_jobs = nullptr;
    HttpServer *m_server = nullptr;
    std::unique_ptr<ServiceApi> m_api;
    QTimer m_trim;
    bool m_shuttingDown = false;
};

} // namespace Baton
