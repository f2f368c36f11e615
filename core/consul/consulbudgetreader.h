#pragma once

#include "core/base/result.h"
#include "core/consul/consulcall.h"
#include "core/consul/consultypes.h"
#include "core/domain/servicebudget.h"

#include <functional>

#include <QObject>
#include <QPointer>

namespace Baton {

class ConsulClient;

// Reads one service's disruption budget from Consul the way the gate computes it (docs/coordination.md):
//  - instances and who is offline, and why, from /v1/health/service/<service> (consistent read): an instance
//    is offline when any of its checks is critical, maintenance included ("maintenance: <notes>",
//    "critical: <check name>");
//  - max_offline from <prefix>services/<service>/max_offline (MaxOffline::fromKv: missing means 1, malformed
//    means 1 with a warning);
//  - slot holders from <prefix>services/<service>/slots/.lock ({"Limit":N,"Holders":{"<session>":true}} with
//    the semaphore flag), pruned to live holders as `consul lock -n` does (a holder is alive while some key
//    of the slots folder is locked by its session) and named by node: the contender key's {"node": …} value,
//    else the session's Node, else "session <first 8 of its ID>".
// The KV folder is read in one consistent listing; sessions are looked up only when a holder needs them.
// A .lock key with other flags or a value that is not semaphore JSON is an error: nobody should act on a
// budget that cannot be read.
class ConsulBudgetReader : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(Result<ServiceBudget>)>;

    explicit ConsulBudgetReader(
        ConsulClient *client, QString keyPrefix = QStringLiteral("baton/"), QObject *parent = nullptr);
    ~ConsulBudgetReader() override;

    const QString &keyPrefix() const { return m_prefix; }
    QString servicePrefix(const QString &service) const; // "<prefix>services/<service>/"
    QString maxOfflineKey(const QString &service) const;
    QString slotsPrefix(const QString &service) const;
    QString lockKey(const QString &service) const;

    // One read; `done` runs once, later, unless the call is aborted or `context` dies first.
    ConsulCall read(const QString &service, QObject *context, Callback done);

    // The budget from the three answers (sessions may be empty when no holder needs them). Pure; the gate's
    // own tests use the same rules.
    static Result<ServiceBudget> compose(const QString &service, const QString &servicePrefix,
        const QList<Consul::ServiceHealth> &health, const QList<Consul::KvEntry> &folder,
        const QList<Consul::Session> &sessions);
    // Live holder sessions whose node the folder does not name (they need a session lookup).
    static Result<QStringList> holdersWithoutNode(const QString &servicePrefix, const QList<Consul::KvEntry> &folder);

private:
    QPointer<ConsulClient> m_client;
    QString m_prefix;
};

} // namespace Baton
