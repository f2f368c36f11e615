#include "tools/consul-sim/simulator.h"

#include "tools/consul-sim/agent.h"
#include "tools/consul-sim/apirouter.h"
#include "tools/consul-sim/httplistener.h"

#include <QCoreApplication>
#include <QNetworkAccessManager>

namespace Baton::ConsulSim {

Simulator::Simulator(SimConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_acl(std::make_unique<Acl>(m_config.acl))
    , m_store(new StateStore(m_config.timing, this))
    , m_blocking(new BlockingQueries(this))
{
    m_store->setListener(m_blocking);
    m_ctx.config = &m_config;
    m_ctx.store = m_store;
    m_ctx.blocking = m_blocking;
    m_ctx.acl = m_acl.get();
    m_router = std::make_unique<ApiRouter>(m_ctx);
}

Simulator::~Simulator()
{
    // Listeners and their connections go before the router they call into.
    for (auto &[name, listener] : m_ctx.listeners)
        delete listener;
    m_ctx.listeners.clear();
    delete m_control;
    m_control = nullptr;
}

QNetworkAccessManager *Simulator::network()
{
    // Created on first use: a datacenter without HTTP checks never pays for it, which keeps start-up fast.
    if (!m_network)
        m_network = new QNetworkAccessManager(this);
    return m_network;
}

bool Simulator::start(QString *error)
{
    HttpLimits limits;
    limits.maxHeaderBytes = m_config.limits.maxHeaderBytes;
    limits.readTimeout = std::chrono::milliseconds(m_config.limits.httpReadTimeout / 1'000'000);

    for (const NodeConfig &node : m_config.nodes) {
        auto *agent = new Agent(
            node, m_config, m_store, m_blocking, [this] { return network(); }, this);
        m_ctx.agents[node.name] = agent;
    }
    for (const NodeConfig &node : m_config.nodes)
        m_ctx.agents[node.name]->start();
    // Seeded KV entries come after the catalog, as if written by an operator once the cluster was up.
    for (const KvSeed &seed : m_config.kv) {
        KvEntry e;
        e.key = seed.key;
        e.value = seed.value.toStdString();
        e.flags = seed.flags;
        m_store->kvSet(m_store->nextIndex(), std::move(e));
    }

    for (const NodeConfig &node : m_config.nodes) {
        auto *listener = new HttpListener(
            m_router->sinkFor(m_ctx.agents[node.name]), limits, m_config.limits.httpMaxConnsPerClient);
        m_ctx.listeners[node.name] = listener;
        QString why;
        if (!listener->listen(QHostAddress(QString::fromStdString(node.httpHost)), node.httpPort, &why)) {
            *error = QStringLiteral("node %1: cannot listen on %2:%3: %4")
                         .arg(QString::fromStdString(node.name), QString::fromStdString(node.httpHost))
                         .arg(node.httpPort)
                         .arg(why);
            return false;
        }
        if (!node.alive) {
            QString ignored;
            listener->setMode(HttpListener::Mode::Refusing, &ignored);
        }
    }
    m_control = new HttpListener(m_router->sinkFor(nullptr), limits, 0);
    QString why;
    if (!m_control->listen(QHostAddress(QString::fromStdString(m_config.controlHost)), m_config.controlPort, &why)) {
        *error = QStringLiteral("control address: cannot listen on %1:%2: %3")
                     .arg(QString::fromStdString(m_config.controlHost))
                     .arg(m_config.controlPort)
                     .arg(why);
        return false;
    }
    return true;
}

QByteArray Simulator::readyDocument() const
{
    OJson nodes = OJson::object();
    for (const NodeConfig &node : m_config.nodes)
        nodes[node.name] = m_ctx.listeners.at(node.name)->url().toStdString();
    OJson doc = OJson::object();
    doc["nodes"] = std::move(nodes);
    doc["control"] = m_control ? m_control->url().toStdString() : std::string();
    doc["datacenter"] = m_config.datacenter;
    doc["pid"] = QCoreApplication::applicationPid();
    return QByteArray::fromStdString(doc.dump(2)) + '\n';
}

} // namespace Baton::ConsulSim
