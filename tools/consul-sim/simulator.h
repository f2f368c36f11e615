#pragma once

#include "tools/consul-sim/apicall.h"
#include "tools/consul-sim/simconfig.h"

#include <memory>

#include <QObject>
#include <QString>

class QNetworkAccessManager;

namespace Baton::ConsulSim {

class Agent;
class ApiRouter;
class HttpListener;

// A whole datacenter in one process: the shared state, one agent and one HTTP listener per configured node,
// and a control listener for the /_sim/ fault controls.
class Simulator : public QObject
{
    Q_OBJECT

public:
    explicit Simulator(SimConfig config, QObject *parent = nullptr);
    ~Simulator() override;

    // Registers everything and opens every listener; false with *error (naming the node and address) if one
    // cannot listen.
    bool start(QString *error);

    // {"nodes": {"web-1": "http://127.0.0.1:PORT", …}, "control": "http://…", "pid": N}
    QByteArray readyDocument() const;

private:
    QNetworkAccessManager *network();

    SimConfig m_config;
    SimContext m_ctx;
    std::unique_ptr<Acl> m_acl;
    StateStore *m_store;
    BlockingQueries *m_blocking;
    std::unique_ptr<ApiRouter> m_router;
    HttpListener *m_control = nullptr;
    QNetworkAccessManager *m_network = nullptr;
};

} // namespace Baton::ConsulSim
