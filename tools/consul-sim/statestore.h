#pragma once

#include "tools/consul-sim/simconfig.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <QObject>

class QTimer;

namespace Baton::ConsulSim {

struct RaftIndex
{
    std::uint64_t create = 0;
    std::uint64_t modify = 0;
};

struct NodeRec
{
    std::string name;
    std::string id;
    std::string address;
    std::string datacenter;
    std::map<std::string, std::string> taggedAddresses;
    std::map<std::string, std::string> meta;
    RaftIndex index;
};

struct ServiceRec
{
    std::string node;
    std::string id;
    std::string name;
    std::vector<std::string> tags;
    std::string address;
    int port = 0;
    std::map<std::string, std::string> meta;
    std::map<std::string, std::pair<std::string, int>> taggedAddresses;
    int weightPassing = 1;
    int weightWarning = 1;
    bool enableTagOverride = false;
    RaftIndex index;
};

struct CheckRec
{
    std::string node;
    std::string checkId;
    std::string name;
    std::string status;
    std::string notes;
    std::string output;
    std::string serviceId;
    std::string serviceName;
    std::vector<std::string> serviceTags;
    std::string type;
    std::string interval;
    std::string timeout;
    RaftIndex index;

    bool sameAs(const CheckRec &other) const;
};

struct KvEntry
{
    std::string key;
    std::string value; // empty means Consul's nil value, rendered as JSON null
    std::uint64_t flags = 0;
    std::string session;
    std::uint64_t lockIndex = 0;
    RaftIndex index;
};

struct SessionRec
{
    std::string id;
    std::string name;
    std::string node;
    std::int64_t lockDelay = 15 * GoDuration::kSecond; // nanoseconds
    std::string behavior = "release";
    std::string ttl; // as given, "" for none
    std::vector<std::string> nodeChecks;
    std::vector<std::string> serviceChecks;
    std::vector<std::string> checksAlias; // the deprecated Checks field, as stored
    RaftIndex index;

    // Every check whose going critical invalidates the session.
    std::vector<std::string> allChecks() const;
};

// Receives change notifications so blocking queries can re-run. Calls arrive synchronously inside the write.
class StateListener
{
public:
    virtual ~StateListener() = default;
    virtual void kvKeyChanged(const std::string &key) = 0;
    virtual void kvTreeChanged(const std::string &prefix) = 0;
    virtual void catalogChanged() = 0;
    virtual void sessionChanged(const std::string &id) = 0;
};

// An undo log that makes a group of KV writes all-or-nothing (PUT /v1/txn).
struct KvUndo
{
    std::vector<std::pair<std::string, std::optional<KvEntry>>> entries;
    std::vector<std::pair<std::string, std::optional<std::uint64_t>>> tombstones;
    std::uint64_t kvsIndex = 0;
    std::uint64_t tombstonesIndex = 0;
};

// The datacenter's replicated state: catalog (nodes, services, checks), KV with tombstones, sessions, the
// lock-delay table and every index Consul's state store keeps, computed the way Consul computes them. One
// raft-like counter numbers every write; a write that changes nothing consumes an index but bumps no table.
class StateStore : public QObject
{
    Q_OBJECT

public:
    enum class Table
    {
        Nodes,
        Services,
        Checks,
        Kvs,
        Tombstones,
        Sessions
    };

    StateStore(const TimingConfig &timing, QObject *parent = nullptr);
    ~StateStore() override;

    void setListener(StateListener *listener) { m_listener = listener; }

    // ---- indexes
    std::uint64_t nextIndex() { return ++m_raftIndex; }
    std::uint64_t currentIndex() const { return m_raftIndex; }
    std::uint64_t tableIndex(Table table) const;
    std::uint64_t kvsMaxIndex() const;
    std::uint64_t catalogMaxIndex(bool withChecks) const;
    // Consul's maxIndexForService: the per-service index, the extinction index for a vanished service, or
    // the catalog max index.
    std::uint64_t serviceIndex(const std::string &serviceName, bool withChecks) const;

    // ---- catalog
    const std::map<std::string, NodeRec> &nodes() const { return m_nodes; }
    const NodeRec *node(const std::string &name) const;
    void ensureNode(NodeRec node);
    const std::map<std::pair<std::string, std::string>, ServiceRec> &services() const { return m_services; }
    const ServiceRec *service(const std::string &node, const std::string &id) const;
    std::vector<const ServiceRec *> servicesOfNode(const std::string &node) const;
    std::vector<const ServiceRec *> serviceInstances(const std::string &name) const;
    bool serviceExists(const std::string &name) const;
    void ensureService(ServiceRec service);
    void deleteService(const std::string &node, const std::string &id);
    const std::map<std::pair<std::string, std::string>, CheckRec> &checks() const { return m_checks; }
    const CheckRec *check(const std::string &node, const std::string &id) const;
    std::vector<const CheckRec *> checksOfNode(const std::string &node) const;
    // Upserts a check; returns false when nothing changed. A check turning critical invalidates the sessions
    // that list it, in the same write, as Consul's ensureCheckTxn does.
    bool ensureCheck(CheckRec check);
    void deleteCheck(const std::string &node, const std::string &id);

    // ---- KV
    const std::map<std::string, KvEntry> &kv() const { return m_kv; }
    const KvEntry *kvGet(const std::string &key) const;
    // Index and entries of a recurse listing, per Consul's kvsListTxn (tombstones included).
    std::uint64_t kvListIndex(const std::string &prefix) const;
    std::vector<const KvEntry *> kvList(const std::string &prefix) const;
    std::vector<std::string> kvKeys(const std::string &prefix, const std::string &separator) const;
    // The single-key read index: the entry's ModifyIndex or the KV table index.
    std::uint64_t kvGetIndex(const std::string &key) const;

    // KV writes at raft index idx. Each returns the operation's boolean answer; a string in *error makes it a
    // 500 (acquire with a missing or unknown session). Pass undo to make a group of writes reversible.
    bool kvSet(std::uint64_t idx, KvEntry entry, KvUndo *undo = nullptr);
    bool kvCas(std::uint64_t idx, KvEntry entry, std::uint64_t casIndex, KvUndo *undo = nullptr);
    bool kvLock(std::uint64_t idx, KvEntry entry, std::string *error, KvUndo *undo = nullptr);
    bool kvUnlock(std::uint64_t idx, KvEntry entry, std::string *error, KvUndo *undo = nullptr);
    bool kvDelete(std::uint64_t idx, const std::string &key, KvUndo *undo = nullptr);
    bool kvDeleteCas(std::uint64_t idx, const std::string &key, std::uint64_t casIndex, KvUndo *undo = nullptr);
    bool kvDeleteTree(std::uint64_t idx, const std::string &prefix, KvUndo *undo = nullptr);
    void kvRollback(const KvUndo &undo);
    // When the key's lock-delay ends; a past or absent time means none.
    bool kvLockDelayed(const std::string &key) const;
    std::size_t tombstoneCount() const { return m_tombstones.size(); }

    // ---- sessions
    const std::map<std::string, SessionRec> &sessions() const { return m_sessions; }
    const SessionRec *session(const std::string &id) const;
    // Validates against the catalog and stores; *error gets Consul's text on failure.
    std::optional<std::string> createSession(SessionRec session, Nanos ttl, std::string *error);
    // Invalidates: applies the release/delete behaviour to held keys and starts their lock-delay.
    void destroySession(const std::string &id);
    bool renewSession(const std::string &id);
    std::vector<const SessionRec *> sessionsOfNode(const std::string &node) const;

private:
    struct Tombstone
    {
        std::uint64_t index = 0;
    };

    void notifyKey(const std::string &key);
    void invalidateSessionsForCheck(std::uint64_t idx, const std::string &node, const std::string &checkId);
    void deleteSessionAt(std::uint64_t idx, const std::string &id);
    void bumpServiceIndex(const std::string &serviceName, std::uint64_t idx);
    void bumpServicesOfNode(const std::string &node, std::uint64_t idx);
    void writeKv(std::uint64_t idx, KvEntry entry, KvUndo *undo);
    void removeKv(std::uint64_t idx, const std::string &key, KvUndo *undo);
    void addTombstone(std::uint64_t idx, const std::string &key, KvUndo *undo);
    void scheduleReap();
    void reapTombstones();
    void armSessionTimer(const std::string &id, Nanos ttl);

    TimingConfig m_timing;
    StateListener *m_listener = nullptr;
    std::uint64_t m_raftIndex = 0;
    std::map<Table, std::uint64_t> m_tableIndex;
    std::map<std::string, std::uint64_t> m_serviceIndexes;
    std::map<std::string, std::uint64_t> m_serviceExtinction;

    std::map<std::string, NodeRec> m_nodes;
    std::map<std::pair<std::string, std::string>, ServiceRec> m_services;
    std::map<std::pair<std::string, std::string>, CheckRec> m_checks;
    std::map<std::string, KvEntry> m_kv;
    std::map<std::string, Tombstone> m_tombstones;
    std::map<std::string, SessionRec> m_sessions;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> m_lockDelay;

    // Tombstones are reaped in batches: each delete hints a reap at TTL after it, rounded up to the
    // granularity, like Consul's TombstoneGC.
    std::map<std::chrono::steady_clock::time_point, std::uint64_t> m_reapSchedule; // when → highest index to reap
    QTimer *m_reapTimer;
    std::map<std::string, QTimer *> m_sessionTimers;
};

} // namespace Baton::ConsulSim
