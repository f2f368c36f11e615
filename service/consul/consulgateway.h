#pragma once

#include "core/base/result.h"

#include <functional>

#include <QList>
#include <QMap>
#include <QObject>
#include <QString>
#include <QStringList>

namespace Baton {

// A node as the catalog knows it.
struct ResolvedNode
{
    QString node;
    QString address;
    QString service; // the service it was resolved for ("" for a bare node list)
    QStringList services; // every service registered on the node
    QMap<QString, QString> meta;
};

// A maintenance check on a node (Consul's _node_maintenance, or _service_maintenance:<id> for one service),
// with the reason given when it was turned on. The gate writes "baton: job <id> by <operator>".
struct MaintenanceCheck
{
    QString checkId;
    QString serviceId; // "" for node maintenance
    QString notes;
};

struct NodeLockState
{
    bool acquired = false;
    QString holder; // who holds it when not acquired ("job 12 on replica-a")
    quint64 index = 0; // ModifyIndex, for waiting on a change
};

// What the job service needs from Consul, in its own terms: target resolution from the catalog, the per-node
// job lock baton/nodes/<node>/job held with this instance's session, and maintenance checks. The production
// implementation is ConsulClientGateway on core/consul's ConsulClient; tests may substitute their own.
// Callbacks run later on the owning thread, never after `context` is destroyed.
class ConsulGateway : public QObject
{
    Q_OBJECT
public:
    using NodesDone = std::function<void(Result<QList<ResolvedNode>>)>;
    using LockDone = std::function<void(Result<NodeLockState>)>;
    using VoidDone = std::function<void(Result<void>)>;
    using TextDone = std::function<void(Result<std::optional<QString>>)>;
    using MaintenanceDone = std::function<void(Result<QList<MaintenanceCheck>>)>;

    using QObject::QObject;

    // Instances of `service` (with `tag` when not empty), sorted by node name. No instance is an error.
    virtual void resolveService(const QString &service, const QString &tag, QObject *context, NodesDone done) = 0;
    // Each named node from the catalog; an unknown node is an error naming it. A non-empty `service` must be
    // registered on every node.
    virtual void resolveNodes(const QStringList &nodes, const QString &service, QObject *context, NodesDone done) = 0;
    // The raw value of <prefix>services/<service>/max_offline, if set.
    virtual void maxOffline(const QString &service, QObject *context, TextDone done) = 0;

    // Tries once to take baton/nodes/<node>/job with this instance's session (created on first use and
    // renewed while any lock is held). `value` is stored in the key to say who holds it.
    virtual void acquireNodeLock(const QString &node, const QByteArray &value, QObject *context, LockDone done) = 0;
    // Blocks (a Consul blocking query) until the key changes after `index`, or a wait elapses; then answers
    // with its current holder (acquired is always false here).
    virtual void waitNodeLock(const QString &node, quint64 index, QObject *context, LockDone done) = 0;
    virtual void releaseNodeLock(const QString &node, QObject *context, VoidDone done) = 0;
    // The node's maintenance checks (node level and every service's), as the catalog shows them now.
    virtual void maintenanceChecks(const QString &node, QObject *context, MaintenanceDone done) = 0;

    // Destroys a session an earlier run of this instance left (its locks go with it).
    virtual void destroySession(const QString &sessionId, QObject *context, VoidDone done) = 0;
    virtual QString sessionId() const = 0;
    // Ends this instance's session (releasing every lock it holds).
    virtual void shutdown(QObject *context, VoidDone done) = 0;

Q_SIGNALS:
    // The session was invalidated (TTL missed, Consul restarted): locks held with it may be gone.
    void sessionLost(const QString &why);
    void sessionCreated(const QString &sessionId);
};

} // namespace Baton
