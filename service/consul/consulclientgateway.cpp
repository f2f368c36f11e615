#include "service/consul/consulclientgateway.h"

#include "core/base/jsonfields.h"
#include "core/consul/consulclient.h"
#include "core/consul/consulsession.h"
#include "service/servicelogging.h"

#include <nlohmann/json.hpp>

#include <QPointer>
#include <QSet>

namespace Baton {

ConsulClientGateway::ConsulClientGateway(ConsulClient *client, Options options, QObject *parent)
    : ConsulGateway(parent)
    , m_client(client)
    , m_options(std::move(options))
{ }

ConsulClientGateway::~ConsulClientGateway() = default;

QString ConsulClientGateway::lockKey(const QString &node) const
{
    return m_options.prefix + QStringLiteral("nodes/") + node + QStringLiteral("/job");
}

QString ConsulClientGateway::describeHolder(const QByteArray &value)
{
    auto j = nlohmann::json::parse(value.constData(), value.constData() + value.size(), nullptr, false);
    if (j.is_object()) {
        QString text;
        const auto jobIt = j.find("job");
        if (jobIt != j.end() && jobIt->is_number_integer())
            text = QStringLiteral("job %1").arg(jobIt->get<std::int64_t>());
        const auto instIt = j.find("instance");
        if (instIt != j.end() && instIt->is_string() && !instIt->get<std::string>().empty())
            text += QStringLiteral(" on %1").arg(JsonFields::toQString(instIt->get<std::string>()));
        if (!text.trimmed().isEmpty())
            return text.trimmed();
    }
    return QStringLiteral("another holder");
}

void ConsulClientGateway::resolveService(const QString &service, const QString &tag, QObject *context, NodesDone done)
{
    Consul::QueryOptions o;
    if (!tag.isEmpty())
        o.tags = { tag };
    m_client->catalogService(service, o, context, [service, tag, done](ConsulReply<QList<Consul::CatalogService>> r) {
        if (!r.ok())
            return done(fail(Error::make(r.result.error().kind,
                QStringLiteral("resolving service %1 in Consul: %2").arg(service, r.result.error().message))));
        QMap<QString, ResolvedNode> byNode;
        for (const Consul::CatalogService &cs : *r.result) {
            ResolvedNode &n = byNode[cs.node.name];
            n.node = cs.node.name;
            n.address = cs.node.address;
            n.service = service;
            n.meta = cs.node.meta;
            if (!n.services.contains(service))
                n.services.append(service);
        }
        if (byNode.isEmpty())
            return done(fail(Error::Kind::InvalidInput,
                tag.isEmpty()
                    ? QStringLiteral("service %1 has no instance in the Consul catalog").arg(service)
                    : QStringLiteral("service %1 has no instance tagged %2 in the Consul catalog").arg(service, tag)));
        done(byNode.values());
    });
}

void ConsulClientGateway::resolveNodes(
    const QStringList &nodes, const QString &service, QObject *context, NodesDone done)
{
    struct Gather
    {
        QList<ResolvedNode> found;
        int pending = 0;
        std::optional<Error> error;
        NodesDone done;
    };
    auto g = std::make_shared<Gather>();
    g->pending = int(nodes.size());
    g->done = std::move(done);
    g->found.resize(nodes.size());
    if (nodes.isEmpty())
        return g->done(QList<ResolvedNode>());
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        const QString name = nodes[i];
        m_client->catalogNode(
            name, {}, context, [g, i, name, service](ConsulReply<std::optional<Consul::CatalogNode>> r) {
                if (!g->error) {
                    if (!r.ok()) {
                        g->error = Error::make(r.result.error().kind,
                            QStringLiteral("looking up node %1 in Consul: %2").arg(name, r.result.error().message));
                    } else if (!*r.result) {
                        g->error = Error::make(Error::Kind::InvalidInput,
                            QStringLiteral("node %1 is not in the Consul catalog").arg(name));
                    } else {
                        const Consul::CatalogNode &cn = **r.result;
                        ResolvedNode n;
                        n.node = cn.node.name;
                        n.address = cn.node.address;
                        n.meta = cn.node.meta;
                        n.service = service;
                        for (const Consul::Service &s : cn.services) {
                            // Consul servers register themselves as "consul"; Baton never gates that one.
                            if (s.name == u"consul")
                                continue;
                            if (!n.services.contains(s.name))
                                n.services.append(s.name);
                        }
                        if (!service.isEmpty() && !n.services.contains(service))
                            g->error = Error::make(Error::Kind::InvalidInput,
                                QStringLiteral("node %1 does not run service %2").arg(name, service));
                        g->found[i] = n;
                    }
                }
                if (--g->pending == 0) {
                    if (g->error)
                        g->done(fail(*g->error));
                    else
                        g->done(g->found);
                }
            });
    }
}

void ConsulClientGateway::maxOffline(const QString &service, QObject *context, TextDone done)
{
    m_client->kvGet(m_options.prefix + QStringLiteral("services/") + service + QStringLiteral("/max_offline"), {},
        context, [done](ConsulReply<std::optional<Consul::KvEntry>> r) {
            if (!r.ok())
                return done(fail(r.result.error()));
            if (!*r.result)
                return done(std::optional<QString>());
            done(std::optional<QString>(QString::fromUtf8((*r.result)->value)));
        });
}

void ConsulClientGateway::ensureSession(QObject *context, std::function<void(Result<QString>)> done)
{
    if (!m_session.isEmpty())
        return done(m_session);
    m_waiting.append({ QPointer<QObject>(context), std::move(done) });
    if (m_keeper)
        return; // being created
    Consul::SessionSpec spec;
    spec.name = QStringLiteral("baton-service %1").arg(m_options.instance);
    spec.ttlMs = m_options.sessionTtlMs;
    spec.behavior = Consul::SessionBehavior::Release;
    spec.lockDelayMs = 0;
    spec.nodeChecks = QStringList(); // liveness is the TTL alone: the agent's node health is not ours
    m_keeper = new ConsulSession(m_client, spec, nullptr, this);
    connect(m_keeper, &ConsulSession::established, this, [this](const QString &id) {
        m_session = id;
        qCInfo(lcServiceConsul).noquote() << "holding node locks with Consul session" << id;
        Q_EMIT sessionCreated(id);
        for (auto &[ctx, cb] : std::exchange(m_waiting, {})) {
            if (ctx)
                cb(id);
        }
    });
    connect(m_keeper, &ConsulSession::lost, this, [this](const Error &why) {
        const bool wasActive = !m_session.isEmpty();
        m_session.clear();
        m_keeper->deleteLater();
        m_keeper = nullptr;
        for (auto &[ctx, cb] : std::exchange(m_waiting, {})) {
            if (ctx)
                cb(fail(Error::make(why.kind, QStringLiteral("creating a Consul session: %1").arg(why.message))));
        }
        if (wasActive) {
            qCCritical(lcServiceConsul).noquote()
                << "the Consul session is lost; node locks held with it may be gone:" << why.message;
            Q_EMIT sessionLost(why.message);
        }
    });
    m_keeper->start();
}

void ConsulClientGateway::acquireNodeLock(const QString &node, const QByteArray &value, QObject *context, LockDone done)
{
    const QPointer<QObject> ctx(context);
    ensureSession(context, [this, node, value, ctx, done](Result<QString> session) {
        if (!ctx)
            return;
        if (!session)
            return done(fail(session.error()));
        Consul::KvPutOptions put;
        put.acquire = *session;
        m_client->kvPut(lockKey(node), value, put, {}, ctx, [this, node, ctx, done](ConsulReply<bool> r) {
            if (!r.ok()) {
                if (r.result.error().httpStatus == 500 && r.result.error().message.contains(u"invalid session")
                    && m_keeper) {
                    // Consul no longer knows the session: start over with a new one on the next attempt.
                    m_session.clear();
                    m_keeper->disconnect(this);
                    m_keeper->deleteLater();
                    m_keeper = nullptr;
                }
                return done(fail(r.result.error()));
            }
            if (*r.result)
                return done(NodeLockState { true, QString(), r.meta.index });
            m_client->kvGet(lockKey(node), {}, ctx, [done](ConsulReply<std::optional<Consul::KvEntry>> g) {
                if (!g.ok())
                    return done(fail(g.result.error()));
                NodeLockState s;
                s.acquired = false;
                s.holder = *g.result ? describeHolder((*g.result)->value) : QStringLiteral("another holder");
                s.index = *g.result ? (*g.result)->modifyIndex : g.meta.index;
                done(s);
            });
        });
    });
}

void ConsulClientGateway::waitNodeLock(const QString &node, quint64 index, QObject *context, LockDone done)
{
    Consul::QueryOptions o;
    o.index = std::max<quint64>(1, index);
    o.waitMs = m_options.lockWaitMs;
    m_client->kvGet(lockKey(node), o, context, [done](ConsulReply<std::optional<Consul::KvEntry>> g) {
        if (!g.ok())
            return done(fail(g.result.error()));
        NodeLockState s;
        s.holder = *g.result && !(*g.result)->session.isEmpty() ? describeHolder((*g.result)->value) : QString();
        s.index = g.meta.index;
        done(s);
    });
}

void ConsulClientGateway::releaseNodeLock(const QString &node, QObject *context, VoidDone done)
{
    if (m_session.isEmpty())
        return done({});
    Consul::KvPutOptions put;
    put.release = m_session;
    m_client->kvPut(lockKey(node), QByteArray(), put, {}, context, [done](ConsulReply<bool> r) {
        if (!r.ok())
            return done(fail(r.result.error()));
        done({});
    });
}

void ConsulClientGateway::maintenanceChecks(const QString &node, QObject *context, MaintenanceDone done)
{
    // A consistent read: this decides whether a killed run left its node in maintenance, so it must not be
    // answered from a lagging follower.
    Consul::QueryOptions options;
    options.consistency = Consul::Consistency::Consistent;
    m_client->healthNode(node, options, context, [done](ConsulReply<QList<Consul::HealthCheck>> r) {
        if (!r.ok())
            return done(fail(r.result.error()));
        QList<MaintenanceCheck> found;
        for (const Consul::HealthCheck &c : *r.result) {
            if (c.isMaintenance())
                found.append(MaintenanceCheck { c.checkId, c.serviceId, c.notes });
        }
        done(found);
    });
}

void ConsulClientGateway::destroySession(const QString &sessionId, QObject *context, VoidDone done)
{
    m_client->sessionDestroy(sessionId, {}, context, [done](ConsulReply<bool> r) {
        if (!r.ok())
            return done(fail(r.result.error()));
        done({});
    });
}

void ConsulClientGateway::shutdown(QObject *context, VoidDone done)
{
    if (m_keeper) {
        m_keeper->disconnect(this);
        m_keeper->stop(); // destroys the session, releasing every lock held with it
        m_keeper->deleteLater();
        m_keeper = nullptr;
    }
    const QString id = std::exchange(m_session, QString());
    if (id.isEmpty())
        return done({});
    // stop() destroys best effort; destroy once more and wait for the answer so shutdown knows.
    destroySession(id, context, std::move(done));
}

} // namespace Baton
