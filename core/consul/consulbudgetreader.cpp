#include "core/consul/consulbudgetreader.h"

#include "core/base/boundedjson.h"
#include "core/consul/consulclient.h"
#include "core/consul/consuldecode.h"

#include <QSet>

namespace Baton {

namespace {

const QLatin1StringView kLockKeyName(".lock");

// The node a contender key names: the gate writes {"node": "<name>", "service": …, "job": …}; `consul lock -n`
// writes nothing. Anything else is not ours and names no node.
QString contenderNode(const QByteArray &value)
{
    if (value.isEmpty())
        return {};
    auto doc = parseJsonBounded(value, JsonLimits { 64u * 1024u, 4 });
    if (!doc || !doc->is_object())
        return {};
    const auto it = doc->find("node");
    if (it == doc->end() || !it->is_string())
        return {};
    return QString::fromStdString(it->get<std::string>());
}

struct SlotView
{
    Consul::SemaphoreLock lock;
    QStringList liveHolders; // sessions, in the .lock's (sorted) order
    QHash<QString, QString> contenders; // session → node named by its contender key ("" when not ours)
};

Result<SlotView> slotView(const QString &servicePrefix, const QList<Consul::KvEntry> &folder)
{
    const QString slots = servicePrefix + QStringLiteral("slots/");
    const QString lockKey = slots + kLockKeyName;
    SlotView view;
    QSet<QString> lockedBy;
    for (const Consul::KvEntry &e : folder) {
        if (e.key == lockKey) {
            if (e.flags != Consul::kSemaphoreFlag) {
                return fail(Error::Kind::Conflict,
                    QStringLiteral("%1 has flags %2, not the semaphore's %3: something other than a "
                                   "semaphore uses this prefix")
                        .arg(lockKey)
                        .arg(e.flags)
                        .arg(Consul::kSemaphoreFlag));
            }
            auto lock = ConsulDecode::semaphoreLock(e.value);
            if (!lock)
                return fail(Error::Kind::Decode, QStringLiteral("%1: %2").arg(lockKey, lock.error().message));
            view.lock = *lock;
            continue;
        }
        if (!e.key.startsWith(slots) || e.session.isEmpty())
            continue;
        lockedBy.insert(e.session);
        if (e.key.mid(slots.size()) == e.session)
            view.contenders.insert(e.session, contenderNode(e.value));
    }
    for (const QString &h : std::as_const(view.lock.holders)) {
        if (lockedBy.contains(h))
            view.liveHolders.append(h);
    }
    return view;
}

// One budget read in flight: health and the KV folder in parallel, then sessions if a holder needs them.
class BudgetRead final : public ConsulOperation
{
public:
    BudgetRead(ConsulClient *client, QString service, QString servicePrefix, QObject *context,
        ConsulBudgetReader::Callback done, QObject *parent)
        : ConsulOperation(parent)
        , m_client(client)
        , m_service(std::move(service))
        , m_servicePrefix(std::move(servicePrefix))
        , m_context(context)
        , m_hadContext(context != nullptr)
        , m_done(std::move(done))
    {
        if (context)
            connect(context, &QObject::destroyed, this, [this] { abort(); });
    }

    ~BudgetRead() override { abortCalls(); }

    void start()
    {
        if (!m_client) {
            finish(fail(Error::Kind::Cancelled, QStringLiteral("the Consul client is gone")));
            return;
        }
        Consul::QueryOptions consistent;
        consistent.consistency = Consul::Consistency::Consistent;
        m_healthCall
            = m_client->healthService(m_service, consistent, this, [this](ConsulReply<QList<Consul::ServiceHealth>> r) {
                  if (!r.result) {
                      finish(fail(r.result.error()));
                      return;
                  }
                  m_health = std::move(*r.result);
                  m_haveHealth = true;
                  maybeCompose();
              });
        m_kvCall = m_client->kvList(m_servicePrefix, consistent, this, [this](ConsulReply<QList<Consul::KvEntry>> r) {
            if (!r.result) {
                finish(fail(r.result.error()));
                return;
            }
            m_folder = std::move(*r.result);
            m_haveFolder = true;
            maybeCompose();
        });
    }

    void failSoon(Error error)
    {
        QMetaObject::invokeMethod(
            this, [this, error] { finish(fail(error)); }, Qt::QueuedConnection);
    }

    void abort() override
    {
        if (m_doneCalled)
            return;
        m_doneCalled = true;
        abortCalls();
        if (!m_delivering)
            m_done = nullptr;
        deleteLater();
    }

    bool isDone() const override { return m_doneCalled; }

    void detachFromReader()
    {
        abort();
        if (m_delivering)
            setParent(nullptr);
    }

private:
    void abortCalls()
    {
        m_healthCall.abort();
        m_kvCall.abort();
        m_sessionsCall.abort();
    }

    void maybeCompose()
    {
        if (!m_haveHealth || !m_haveFolder || m_doneCalled)
            return;
        auto missing = ConsulBudgetReader::holdersWithoutNode(m_servicePrefix, m_folder);
        if (!missing) {
            finish(fail(missing.error()));
            return;
        }
        if (missing->isEmpty() || m_haveSessions) {
            finish(ConsulBudgetReader::compose(m_service, m_servicePrefix, m_health, m_folder, m_sessions));
            return;
        }
        if (!m_client) {
            finish(fail(Error::Kind::Cancelled, QStringLiteral("the Consul client is gone")));
            return;
        }
        Consul::QueryOptions consistent;
        consistent.consistency = Consul::Consistency::Consistent;
        m_sessionsCall = m_client->sessionList(consistent, this, [this](ConsulReply<QList<Consul::Session>> r) {
            if (!r.result) {
                finish(fail(r.result.error()));
                return;
            }
            m_sessions = std::move(*r.result);
            m_haveSessions = true;
            maybeCompose();
        });
    }

    void finish(Result<ServiceBudget> result)
    {
        if (m_doneCalled)
            return;
        m_doneCalled = true;
        abortCalls();
        ConsulBudgetReader::Callback done = std::move(m_done);
        m_done = nullptr;
        if (done && (!m_hadContext || m_context)) {
            m_delivering = true;
            done(std::move(result));
            m_delivering = false;
        }
        deleteLater();
    }

    QPointer<ConsulClient> m_client;
    QString m_service;
    QString m_servicePrefix;
    QPointer<QObject> m_context;
    bool m_hadContext;
    ConsulBudgetReader::Callback m_done;
    ConsulCall m_healthCall;
    ConsulCall m_kvCall;
    ConsulCall m_sessionsCall;
    QList<Consul::ServiceHealth> m_health;
    QList<Consul::KvEntry> m_folder;
    QList<Consul::Session> m_sessions;
    bool m_haveHealth = false;
    bool m_haveFolder = false;
    bool m_haveSessions = false;
    bool m_doneCalled = false;
    bool m_delivering = false;
};

} // namespace

ConsulBudgetReader::ConsulBudgetReader(ConsulClient *client, QString keyPrefix, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_prefix(std::move(keyPrefix))
{
    if (!m_prefix.isEmpty() && !m_prefix.endsWith(u'/'))
        m_prefix += u'/';
    while (m_prefix.startsWith(u'/'))
        m_prefix.remove(0, 1);
}

QString ConsulBudgetReader::servicePrefix(const QString &service) const
{
    return m_prefix + QStringLiteral("services/") + service + u'/';
}

QString ConsulBudgetReader::maxOfflineKey(const QString &service) const
{
    return servicePrefix(service) + QStringLiteral("max_offline");
}

QString ConsulBudgetReader::slotsPrefix(const QString &service) const
{
    return servicePrefix(service) + QStringLiteral("slots/");
}

QString ConsulBudgetReader::lockKey(const QString &service) const
{
    return slotsPrefix(service) + kLockKeyName;
}

ConsulCall ConsulBudgetReader::read(const QString &service, QObject *context, Callback done)
{
    auto *op
        = new BudgetRead(m_client, service, servicePrefix(service), context ? context : this, std::move(done), this);
    if (service.isEmpty() || service.contains(u'/'))
        op->failSoon(Error::make(
            Error::Kind::InvalidInput, QStringLiteral("not a service name: \"%1\"").arg(service.left(200))));
    else
        op->start();
    return ConsulCall(op);
}

ConsulBudgetReader::~ConsulBudgetReader()
{
    // A read whose callback is running right now (and is what destroys us) is deleted later, not here.
    const QObjectList kids = children();
    for (QObject *child : kids) {
        if (auto *op = dynamic_cast<BudgetRead *>(child))
            op->detachFromReader();
    }
}

Result<QStringList> ConsulBudgetReader::holdersWithoutNode(
    const QString &servicePrefix, const QList<Consul::KvEntry> &folder)
{
    BATON_TRY(view, slotView(servicePrefix, folder));
    QStringList out;
    for (const QString &h : std::as_const(view.liveHolders)) {
        if (view.contenders.value(h).isEmpty())
            out.append(h);
    }
    return out;
}

Result<ServiceBudget> ConsulBudgetReader::compose(const QString &service, const QString &servicePrefix,
    const QList<Consul::ServiceHealth> &health, const QList<Consul::KvEntry> &folder,
    const QList<Consul::Session> &sessions)
{
    BATON_TRY(view, slotView(servicePrefix, folder));
    ServiceBudget budget;
    budget.service = service;

    const QString maxOfflineKey = servicePrefix + QStringLiteral("max_offline");
    std::optional<QByteArray> raw;
    for (const Consul::KvEntry &e : folder) {
        if (e.key == maxOfflineKey)
            raw = e.value;
    }
    const MaxOfflineReading reading = MaxOffline::fromKv(raw);
    budget.maxOffline = reading.value;
    budget.maxOfflineWarning = reading.warning;

    QHash<QString, QString> sessionNodes;
    for (const Consul::Session &s : sessions)
        sessionNodes.insert(s.id, s.node);
    QSet<QString> holders;
    for (const QString &h : std::as_const(view.liveHolders)) {
        QString node = view.contenders.value(h);
        if (node.isEmpty())
            node = sessionNodes.value(h);
        if (node.isEmpty())
            node = QStringLiteral("session %1").arg(h.left(8));
        holders.insert(node);
    }
    budget.holders = QStringList(holders.begin(), holders.end());
    budget.holders.sort();

    budget.instances = int(health.size());
    QSet<QString> seen;
    for (const Consul::ServiceHealth &instance : health) {
        if (seen.contains(instance.node.name))
            continue;
        if (const std::optional<QString> reason = instance.offlineReason()) {
            seen.insert(instance.node.name);
            budget.offline.append(OfflinePeer { instance.node.name, *reason });
        }
    }
    std::sort(budget.offline.begin(), budget.offline.end(),
        [](const OfflinePeer &a, const OfflinePeer &b) { return a.node < b.node; });
    return budget;
}

} // namespace Baton
