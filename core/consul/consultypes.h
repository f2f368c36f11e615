#pragma once

#include <optional>

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QtGlobal>

// Value types of the Consul HTTP API subset Baton uses, decoded from Consul's JSON by consuldecode.h.
// Field names follow Consul's (PascalCase on the wire, camelCase here). Every type compares by value, so
// callers can diff two answers without caring about the wire format.
namespace Baton::Consul {

// Flags written by `consul lock` (api/semaphore.go, api/lock.go). Above 2^63: they must stay exact uint64.
inline constexpr quint64 kSemaphoreFlag = 16210313421097356768ULL;
inline constexpr quint64 kLockFlag = 3304740253564472344ULL;

// Consul's maintenance checks: node level, and the prefix of the service-level ones.
inline constexpr char kNodeMaintenanceCheck[] = "_node_maintenance";
inline constexpr char kServiceMaintenancePrefix[] = "_service_maintenance:";

using StringMap = QMap<QString, QString>;

// What Consul says about a query besides its body (response headers).
struct Meta
{
    int httpStatus = 0;
    bool hasIndex = false; // false when X-Consul-Index was absent or not a decimal uint64
    quint64 index = 0; // X-Consul-Index as sent; a watcher clamps it to ≥ 1 before sending it back
    bool knownLeader = false; // X-Consul-KnownLeader
    qint64 lastContactMs = -1; // X-Consul-LastContact; -1 when absent
    QString effectiveConsistency; // X-Consul-Effective-Consistency (catalog and health only)
    qint64 elapsedMs = 0; // round trip measured by the client

    bool operator==(const Meta &) const = default;
};

enum class Consistency
{
    Default, // served by the leader
    Consistent, // the leader checks with a quorum first: use before deciding anything
    Stale, // any server; fine for display
};

// Options of read calls. Fields that only some endpoints take say so.
struct QueryOptions
{
    quint64 index = 0; // block until the result's index is above this; 0 answers at once
    qint64 waitMs = 0; // with index: the longest block; 0 = server default (5 min); capped at 10 min
    Consistency consistency = Consistency::Default;
    QString datacenter; // empty: the client's configured datacenter, else the agent's
    QString filter; // go-bexpr expression (catalog, health, agent services/checks)
    QStringList tags; // catalog/service and health/service: instances with all these tags
    bool passingOnly = false; // health/service: only instances whose every check passes
};

struct WriteOptions
{
    QString datacenter; // KV, session and txn calls; ignored by agent calls
};

struct ServiceAddress
{
    QString address;
    int port = 0;
    bool operator==(const ServiceAddress &) const = default;
};

// A node as the catalog knows it (/v1/catalog/nodes, the Node of /v1/health/service entries).
struct Node
{
    QString id;
    QString name; // "Node"
    QString address;
    QString datacenter;
    StringMap taggedAddresses;
    StringMap meta;
    quint64 createIndex = 0;
    quint64 modifyIndex = 0;

    bool operator==(const Node &) const = default;
};

// One service instance: AgentService on /v1/agent/services and /v1/catalog/node, NodeService in health entries.
struct Service
{
    QString id;
    QString name; // "Service"
    QString kind; // "" for a typical service
    QStringList tags;
    StringMap meta;
    QString address; // "" means the node's address
    int port = 0;
    QMap<QString, ServiceAddress> taggedAddresses;
    int weightPassing = 1;
    int weightWarning = 1;
    bool enableTagOverride = false;
    QString datacenter;
    quint64 createIndex = 0;
    quint64 modifyIndex = 0;

    bool operator==(const Service &) const = default;
};

// One entry of /v1/catalog/service/:name (Consul's flattened ServiceNode).
struct CatalogService
{
    Node node;
    Service service;

    bool operator==(const CatalogService &) const = default;
};

// /v1/catalog/node/:node.
struct CatalogNode
{
    Node node;
    QMap<QString, Service> services; // by service ID

    bool operator==(const CatalogNode &) const = default;
};

// Service name → the union of its instances' tags (sorted; Consul gives no order).
using CatalogServices = QMap<QString, QStringList>;

enum class CheckStatus
{
    Passing,
    Warning,
    Critical,
    Unknown
};

struct HealthCheck
{
    QString node;
    QString checkId;
    QString name;
    CheckStatus status = CheckStatus::Unknown;
    QString statusText; // as sent, so an unknown status can still be shown
    QString notes;
    QString output;
    QString serviceId; // "" for node-level checks
    QString serviceName;
    QStringList serviceTags;
    QString type; // ttl, http, tcp, … or ""
    QString interval;
    QString timeout;
    quint64 createIndex = 0;
    quint64 modifyIndex = 0;

    // Consul's maintenance modes are critical checks with these IDs (node or service level).
    bool isMaintenance() const;
    bool isNodeLevel() const { return serviceId.isEmpty(); }

    bool operator==(const HealthCheck &) const = default;
};

// One entry of /v1/health/service/:service: the instance, its node, and every check that applies to it
// (the node-level ones included, so node maintenance shows on every instance of the node).
struct ServiceHealth
{
    Node node;
    Service service;
    QList<HealthCheck> checks;

    // Worst status over the checks; a status Consul does not define counts as a warning (not healthy, but not
    // proof of being out of service).
    CheckStatus aggregatedStatus() const;
    // Why this instance is out of service, or nothing when no check is critical: "maintenance: <notes>" (or
    // "maintenance" without notes) when a maintenance check is on, else "critical: <check name>". The gate
    // applies the same rule, so the console and the gate agree on who is offline.
    std::optional<QString> offlineReason() const;

    bool operator==(const ServiceHealth &) const = default;
};

struct KvEntry
{
    QString key;
    QByteArray value; // decoded from base64; Consul stores an empty value as null
    quint64 flags = 0; // exact uint64 (the semaphore flag is above 2^63)
    QString session; // the lock holder, "" when free
    quint64 lockIndex = 0;
    quint64 createIndex = 0;
    quint64 modifyIndex = 0;

    bool operator==(const KvEntry &) const = default;
};

// Options of PUT /v1/kv/<key>. At most one of cas, acquire and release (Consul answers 400 otherwise;
// the client refuses before sending).
struct KvPutOptions
{
    quint64 flags = 0; // Consul resets flags to 0 on every PUT that does not send them
    std::optional<quint64> cas; // 0 = create only; N = only if ModifyIndex is N
    QString acquire; // session ID
    QString release; // session ID
};

struct KvDeleteOptions
{
    std::optional<quint64> cas; // only if ModifyIndex is N (a missing key counts as success)
    bool recurse = false; // everything under the key as a raw prefix
};

enum class SessionBehavior
{
    Release,
    Delete
};

struct SessionSpec
{
    QString name;
    QString node; // empty: the agent's node
    qint64 ttlMs = 0; // 0: no TTL; otherwise 10 s … 24 h
    SessionBehavior behavior = SessionBehavior::Release;
    std::optional<qint64> lockDelayMs; // empty: Consul's default of 15 s; at most 60 s
    std::optional<QStringList> nodeChecks; // empty: ["serfHealth"]; an empty list: no node checks at all
    QStringList serviceChecks; // service-level check IDs
};

struct Session
{
    QString id;
    QString name;
    QString node;
    qint64 lockDelayNs = 0; // Consul reports it in nanoseconds
    SessionBehavior behavior = SessionBehavior::Release;
    QString ttl; // as Consul sent it ("30s", "" when none)
    qint64 ttlMs = 0; // ttl parsed; 0 when none
    QStringList nodeChecks;
    QStringList serviceChecks;
    quint64 createIndex = 0;
    quint64 modifyIndex = 0;

    bool operator==(const Session &) const = default;
};

// The parts of /v1/agent/self Baton uses.
struct AgentSelf
{
    QString datacenter;
    QString nodeName;
    QString nodeId;
    QString version;
    QString revision;
    bool server = false;
    QString memberAddress;
    StringMap meta;

    bool operator==(const AgentSelf &) const = default;
};

using AgentServices = QMap<QString, Service>; // by service ID
using AgentChecks = QMap<QString, HealthCheck>; // by check ID

enum class TtlStatus
{
    Pass,
    Warn,
    Fail
};

// One KV operation of PUT /v1/txn (all succeed or none do).
struct TxnOp
{
    enum class Verb
    {
        Set,
        Cas,
        Lock,
        Unlock,
        Get,
        GetOrEmpty,
        GetTree,
        CheckIndex,
        CheckSession,
        CheckNotExists,
        Delete,
        DeleteTree,
        DeleteCas,
    };

    Verb verb = Verb::Get;
    QString key;
    QByteArray value;
    quint64 flags = 0;
    quint64 index = 0; // Cas, CheckIndex, DeleteCas
    QString session; // Lock, Unlock, CheckSession

    static TxnOp set(const QString &key, const QByteArray &value, quint64 flags = 0);
    static TxnOp cas(const QString &key, const QByteArray &value, quint64 index, quint64 flags = 0);
    static TxnOp get(const QString &key);
    static TxnOp remove(const QString &key);
    static TxnOp deleteCas(const QString &key, quint64 index);
    static TxnOp checkIndex(const QString &key, quint64 index);

    bool operator==(const TxnOp &) const = default;
};

struct TxnError
{
    int opIndex = 0;
    QString what;
    bool operator==(const TxnError &) const = default;
};

// 200 gives committed with the results (KV entries of get verbs and of writes, without values);
// 409 gives !committed with one error per failed op. Both are answers, not transport errors.
struct TxnResult
{
    bool committed = false;
    QList<KvEntry> results;
    QList<TxnError> errors;

    bool operator==(const TxnResult &) const = default;
};

// The value of a `consul lock -n` semaphore's .lock key.
struct SemaphoreLock
{
    int limit = 0;
    QStringList holders; // session IDs, sorted

    bool operator==(const SemaphoreLock &) const = default;
};

QString checkStatusToWire(CheckStatus status); // "passing", …; "unknown" for Unknown
CheckStatus checkStatusFromWire(QStringView text);
QString behaviorToWire(SessionBehavior behavior);
QString txnVerbToWire(TxnOp::Verb verb); // "get-tree", …

// Go duration text ("15s", "1m30s", "250ms") to milliseconds, rounding sub-millisecond parts up.
// An empty text, a bare number or an unknown unit gives nothing.
std::optional<qint64> parseGoDurationMs(QStringView text);
// Milliseconds as a Go duration: "15s" when whole seconds, else "1500ms".
QString formatGoDuration(qint64 ms);

} // namespace Baton::Consul

Q_DECLARE_METATYPE(Baton::Consul::Meta)
