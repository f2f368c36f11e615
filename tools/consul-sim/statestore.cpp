#include "tools/consul-sim/statestore.h"

#include "tools/consul-sim/goquote.h"
#include "tools/consul-sim/simlogging.h"

#include <algorithm>

#include <QTimer>

namespace Baton::ConsulSim {

namespace {

using Clock = std::chrono::steady_clock;

bool startsWith(const std::string &s, const std::string &prefix)
{
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool sameKvContent(const KvEntry &a, const KvEntry &b)
{
    return a.value == b.value && a.flags == b.flags && a.session == b.session && a.lockIndex == b.lockIndex;
}

// memdb's UUID index refuses anything that is not 36 characters of hex in 8-4-4-4-12 form; Consul reports that
// as a failed session lookup.
std::optional<std::string> uuidError(const std::string &id)
{
    if (id.size() != 36)
        return std::string("UUID must be 36 characters");
    for (std::size_t i = 0; i < id.size(); ++i) {
        const char c = id[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return std::string("UUID must be in 8-4-4-4-12 form");
        } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
            return "encoding/hex: invalid byte: " + goQuote(std::string(1, c));
        }
    }
    return std::nullopt;
}

} // namespace

bool CheckRec::sameAs(const CheckRec &o) const
{
    return node == o.node && checkId == o.checkId && name == o.name && status == o.status && notes == o.notes
        && output == o.output && serviceId == o.serviceId && serviceName == o.serviceName
        && serviceTags == o.serviceTags && type == o.type && interval == o.interval && timeout == o.timeout;
}

std::vector<std::string> SessionRec::allChecks() const
{
    std::vector<std::string> out = nodeChecks;
    for (const std::string &c : checksAlias) {
        if (std::find(out.begin(), out.end(), c) == out.end())
            out.push_back(c);
    }
    for (const std::string &c : serviceChecks) {
        if (std::find(out.begin(), out.end(), c) == out.end())
            out.push_back(c);
    }
    return out;
}

StateStore::StateStore(const TimingConfig &timing, QObject *parent)
    : QObject(parent)
    , m_timing(timing)
    , m_reapTimer(new QTimer(this))
{
    // Index 1 is Consul's first internal raft write; start a little above it like a fresh cluster.
    m_raftIndex = 4;
    m_reapTimer->setSingleShot(true);
    m_reapTimer->setTimerType(Qt::PreciseTimer);
    connect(m_reapTimer, &QTimer::timeout, this, &StateStore::reapTombstones);
}

StateStore::~StateStore() = default;

std::uint64_t StateStore::tableIndex(Table table) const
{
    const auto it = m_tableIndex.find(table);
    return it == m_tableIndex.end() ? 0 : it->second;
}

std::uint64_t StateStore::kvsMaxIndex() const
{
    return std::max(tableIndex(Table::Kvs), tableIndex(Table::Tombstones));
}

std::uint64_t StateStore::catalogMaxIndex(bool withChecks) const
{
    std::uint64_t idx = std::max(tableIndex(Table::Nodes), tableIndex(Table::Services));
    if (withChecks)
        idx = std::max(idx, tableIndex(Table::Checks));
    return idx;
}

std::uint64_t StateStore::serviceIndex(const std::string &serviceName, bool withChecks) const
{
    if (!serviceExists(serviceName)) {
        const auto ext = m_serviceExtinction.find(serviceName);
        if (ext != m_serviceExtinction.end())
            return ext->second;
    }
    const auto it = m_serviceIndexes.find(serviceName);
    if (it != m_serviceIndexes.end())
        return it->second;
    return catalogMaxIndex(withChecks);
}

void StateStore::bumpServiceIndex(const std::string &serviceName, std::uint64_t idx)
{
    m_serviceIndexes[serviceName] = idx;
}

void StateStore::bumpServicesOfNode(const std::string &node, std::uint64_t idx)
{
    for (const ServiceRec *s : servicesOfNode(node))
        bumpServiceIndex(s->name, idx);
}

// ---------------------------------------------------------------- catalog

const NodeRec *StateStore::node(const std::string &name) const
{
    const auto it = m_nodes.find(name);
    return it == m_nodes.end() ? nullptr : &it->second;
}

void StateStore::ensureNode(NodeRec n)
{
    const auto it = m_nodes.find(n.name);
    if (it != m_nodes.end()) {
        const NodeRec &e = it->second;
        if (e.id == n.id && e.address == n.address && e.datacenter == n.datacenter
            && e.taggedAddresses == n.taggedAddresses && e.meta == n.meta)
            return;
    }
    const std::uint64_t idx = nextIndex();
    n.index.create = it != m_nodes.end() ? it->second.index.create : idx;
    n.index.modify = idx;
    const std::string name = n.name;
    m_nodes[name] = std::move(n);
    m_tableIndex[Table::Nodes] = idx;
    bumpServicesOfNode(name, idx);
    if (m_listener)
        m_listener->catalogChanged();
}

const ServiceRec *StateStore::service(const std::string &node, const std::string &id) const
{
    const auto it = m_services.find({ node, id });
    return it == m_services.end() ? nullptr : &it->second;
}

std::vector<const ServiceRec *> StateStore::servicesOfNode(const std::string &node) const
{
    std::vector<const ServiceRec *> out;
    for (auto it = m_services.lower_bound({ node, std::string() }); it != m_services.end() && it->first.first == node;
         ++it)
        out.push_back(&it->second);
    return out;
}

std::vector<const ServiceRec *> StateStore::serviceInstances(const std::string &name) const
{
    std::vector<const ServiceRec *> out;
    for (const auto &[key, s] : m_services) {
        if (s.name == name)
            out.push_back(&s);
    }
    return out;
}

bool StateStore::serviceExists(const std::string &name) const
{
    return std::any_of(m_services.begin(), m_services.end(), [&](const auto &kv) { return kv.second.name == name; });
}

void StateStore::ensureService(ServiceRec s)
{
    const auto key = std::make_pair(s.node, s.id);
    const auto it = m_services.find(key);
    std::string oldName;
    if (it != m_services.end()) {
        const ServiceRec &e = it->second;
        if (e.name == s.name && e.tags == s.tags && e.address == s.address && e.port == s.port && e.meta == s.meta
            && e.taggedAddresses == s.taggedAddresses && e.weightPassing == s.weightPassing
            && e.weightWarning == s.weightWarning && e.enableTagOverride == s.enableTagOverride)
            return;
        oldName = e.name;
    }
    const std::uint64_t idx = nextIndex();
    s.index.create = it != m_services.end() ? it->second.index.create : idx;
    s.index.modify = idx;
    const std::string name = s.name;
    m_services[key] = std::move(s);
    m_tableIndex[Table::Services] = idx;
    bumpServiceIndex(name, idx);
    if (!oldName.empty() && oldName != name) {
        bumpServiceIndex(oldName, idx);
        if (!serviceExists(oldName))
            m_serviceExtinction[oldName] = idx;
    }
    // Service checks carry the service's name and tags; keep them in step.
    for (auto &[ck, c] : m_checks) {
        if (c.node == key.first && c.serviceId == key.second) {
            const ServiceRec &svc = m_services[key];
            if (c.serviceName != svc.name || c.serviceTags != svc.tags) {
                c.serviceName = svc.name;
                c.serviceTags = svc.tags;
                c.index.modify = idx;
                m_tableIndex[Table::Checks] = idx;
            }
        }
    }
    if (m_listener)
        m_listener->catalogChanged();
}

void StateStore::deleteService(const std::string &node, const std::string &id)
{
    const auto it = m_services.find({ node, id });
    if (it == m_services.end())
        return;
    const std::uint64_t idx = nextIndex();
    const std::string name = it->second.name;
    m_services.erase(it);
    m_tableIndex[Table::Services] = idx;
    bumpServiceIndex(name, idx);
    if (!serviceExists(name)) {
        m_serviceExtinction[name] = idx;
        m_serviceIndexes.erase(name);
    }
    // Its checks go with it, and with them any session that listed them.
    std::vector<std::string> gone;
    for (auto &[key, c] : m_checks) {
        if (c.node == node && c.serviceId == id)
            gone.push_back(c.checkId);
    }
    for (const std::string &checkId : gone) {
        m_checks.erase({ node, checkId });
        m_tableIndex[Table::Checks] = idx;
        invalidateSessionsForCheck(idx, node, checkId);
    }
    if (m_listener)
        m_listener->catalogChanged();
}

const CheckRec *StateStore::check(const std::string &node, const std::string &id) const
{
    const auto it = m_checks.find({ node, id });
    return it == m_checks.end() ? nullptr : &it->second;
}

std::vector<const CheckRec *> StateStore::checksOfNode(const std::string &node) const
{
    std::vector<const CheckRec *> out;
    for (auto it = m_checks.lower_bound({ node, std::string() }); it != m_checks.end() && it->first.first == node; ++it)
        out.push_back(&it->second);
    return out;
}

bool StateStore::ensureCheck(CheckRec c)
{
    if (!c.serviceId.empty()) {
        if (const ServiceRec *svc = service(c.node, c.serviceId)) {
            c.serviceName = svc->name;
            c.serviceTags = svc->tags;
        }
    }
    const auto key = std::make_pair(c.node, c.checkId);
    const auto it = m_checks.find(key);
    if (it != m_checks.end() && it->second.sameAs(c))
        return false;
    const std::uint64_t idx = nextIndex();
    c.index.create = it != m_checks.end() ? it->second.index.create : idx;
    c.index.modify = idx;
    const bool critical = c.status == "critical";
    const std::string node = c.node;
    const std::string checkId = c.checkId;
    const std::string serviceName = c.serviceName;
    const bool nodeLevel = c.serviceId.empty();
    m_checks[key] = std::move(c);
    m_tableIndex[Table::Checks] = idx;
    if (nodeLevel)
        bumpServicesOfNode(node, idx);
    else
        bumpServiceIndex(serviceName, idx);
    if (critical)
        invalidateSessionsForCheck(idx, node, checkId);
    if (m_listener)
        m_listener->catalogChanged();
    return true;
}

void StateStore::deleteCheck(const std::string &node, const std::string &id)
{
    const auto it = m_checks.find({ node, id });
    if (it == m_checks.end())
        return;
    const std::uint64_t idx = nextIndex();
    const bool nodeLevel = it->second.serviceId.empty();
    const std::string serviceName = it->second.serviceName;
    m_checks.erase(it);
    m_tableIndex[Table::Checks] = idx;
    if (nodeLevel)
        bumpServicesOfNode(node, idx);
    else
        bumpServiceIndex(serviceName, idx);
    invalidateSessionsForCheck(idx, node, id);
    if (m_listener)
        m_listener->catalogChanged();
}

void StateStore::invalidateSessionsForCheck(std::uint64_t idx, const std::string &node, const std::string &checkId)
{
    std::vector<std::string> doomed;
    for (const auto &[id, s] : m_sessions) {
        if (s.node != node)
            continue;
        const auto checks = s.allChecks();
        if (std::find(checks.begin(), checks.end(), checkId) != checks.end())
            doomed.push_back(id);
    }
    for (const std::string &id : doomed) {
        qCInfo(lcSim) << "session" << id.c_str() << "invalidated: check" << checkId.c_str() << "on" << node.c_str()
                      << "is critical or gone";
        deleteSessionAt(idx, id);
    }
}

// ---------------------------------------------------------------- KV

const KvEntry *StateStore::kvGet(const std::string &key) const
{
    const auto it = m_kv.find(key);
    return it == m_kv.end() ? nullptr : &it->second;
}

std::uint64_t StateStore::kvGetIndex(const std::string &key) const
{
    if (const KvEntry *e = kvGet(key))
        return e->index.modify;
    return kvsMaxIndex();
}

std::uint64_t StateStore::kvListIndex(const std::string &prefix) const
{
    const std::uint64_t tableIdx = kvsMaxIndex();
    if (prefix.empty())
        return tableIdx;
    std::uint64_t lindex = 0;
    for (auto it = m_kv.lower_bound(prefix); it != m_kv.end() && startsWith(it->first, prefix); ++it)
        lindex = std::max(lindex, it->second.index.modify);
    for (auto it = m_tombstones.lower_bound(prefix); it != m_tombstones.end() && startsWith(it->first, prefix); ++it)
        lindex = std::max(lindex, it->second.index);
    return lindex != 0 ? lindex : tableIdx;
}

std::vector<const KvEntry *> StateStore::kvList(const std::string &prefix) const
{
    std::vector<const KvEntry *> out;
    for (auto it = m_kv.lower_bound(prefix); it != m_kv.end() && startsWith(it->first, prefix); ++it)
        out.push_back(&it->second);
    return out;
}

std::vector<std::string> StateStore::kvKeys(const std::string &prefix, const std::string &separator) const
{
    std::vector<std::string> keys;
    std::string seen;
    for (auto it = m_kv.lower_bound(prefix); it != m_kv.end() && startsWith(it->first, prefix); ++it) {
        const std::string &key = it->first;
        if (separator.empty()) {
            keys.push_back(key);
            continue;
        }
        const auto pos = key.find(separator, prefix.size());
        if (pos != std::string::npos) {
            std::string folded = key.substr(0, pos + separator.size());
            if (folded != seen)
                keys.push_back(folded);
            seen = std::move(folded);
        } else {
            keys.push_back(key);
        }
    }
    return keys;
}

void StateStore::notifyKey(const std::string &key)
{
    if (m_listener)
        m_listener->kvKeyChanged(key);
}

void StateStore::writeKv(std::uint64_t idx, KvEntry entry, KvUndo *undo)
{
    const auto it = m_kv.find(entry.key);
    if (undo) {
        if (undo->entries.empty() && undo->tombstones.empty()) {
            undo->kvsIndex = tableIndex(Table::Kvs);
            undo->tombstonesIndex = tableIndex(Table::Tombstones);
        }
        undo->entries.emplace_back(entry.key, it == m_kv.end() ? std::nullopt : std::optional<KvEntry>(it->second));
    }
    entry.index.modify = idx;
    const std::string key = entry.key;
    m_kv[key] = std::move(entry);
    m_tableIndex[Table::Kvs] = std::max(tableIndex(Table::Kvs), idx);
    notifyKey(key);
}

void StateStore::removeKv(std::uint64_t idx, const std::string &key, KvUndo *undo)
{
    const auto it = m_kv.find(key);
    if (it == m_kv.end())
        return;
    if (undo) {
        if (undo->entries.empty() && undo->tombstones.empty()) {
            undo->kvsIndex = tableIndex(Table::Kvs);
            undo->tombstonesIndex = tableIndex(Table::Tombstones);
        }
        undo->entries.emplace_back(key, it->second);
    }
    m_kv.erase(it);
    m_tableIndex[Table::Kvs] = std::max(tableIndex(Table::Kvs), idx);
}

void StateStore::addTombstone(std::uint64_t idx, const std::string &key, KvUndo *undo)
{
    const auto it = m_tombstones.find(key);
    if (undo) {
        if (undo->entries.empty() && undo->tombstones.empty()) {
            undo->kvsIndex = tableIndex(Table::Kvs);
            undo->tombstonesIndex = tableIndex(Table::Tombstones);
        }
        undo->tombstones.emplace_back(
            key, it == m_tombstones.end() ? std::nullopt : std::optional<std::uint64_t>(it->second.index));
    }
    m_tombstones[key] = Tombstone { idx };
    m_tableIndex[Table::Tombstones] = std::max(tableIndex(Table::Tombstones), idx);

    const auto when = Clock::now() + std::chrono::nanoseconds(m_timing.tombstoneTtl);
    const auto gran = std::chrono::nanoseconds(m_timing.tombstoneGranularity);
    const auto sinceEpoch = when.time_since_epoch();
    const auto bucket = Clock::time_point(((sinceEpoch + gran - std::chrono::nanoseconds(1)) / gran) * gran);
    auto &highest = m_reapSchedule[std::chrono::time_point_cast<Clock::duration>(bucket)];
    highest = std::max(highest, idx);
    scheduleReap();
}

void StateStore::scheduleReap()
{
    if (m_reapSchedule.empty()) {
        m_reapTimer->stop();
        return;
    }
    const auto next = m_reapSchedule.begin()->first;
    const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
    m_reapTimer->start(std::max<std::chrono::milliseconds>(delay, std::chrono::milliseconds(0)));
}

void StateStore::reapTombstones()
{
    const auto now = Clock::now();
    std::uint64_t upTo = 0;
    while (!m_reapSchedule.empty() && m_reapSchedule.begin()->first <= now) {
        upTo = std::max(upTo, m_reapSchedule.begin()->second);
        m_reapSchedule.erase(m_reapSchedule.begin());
    }
    if (upTo > 0) {
        for (auto it = m_tombstones.begin(); it != m_tombstones.end();) {
            if (it->second.index <= upTo)
                it = m_tombstones.erase(it);
            else
                ++it;
        }
        nextIndex(); // the reap is a raft write of its own
    }
    scheduleReap();
}

void StateStore::kvRollback(const KvUndo &undo)
{
    for (auto it = undo.entries.rbegin(); it != undo.entries.rend(); ++it) {
        if (it->second)
            m_kv[it->first] = *it->second;
        else
            m_kv.erase(it->first);
    }
    for (auto it = undo.tombstones.rbegin(); it != undo.tombstones.rend(); ++it) {
        if (it->second)
            m_tombstones[it->first] = Tombstone { *it->second };
        else
            m_tombstones.erase(it->first);
    }
    if (!undo.entries.empty() || !undo.tombstones.empty()) {
        m_tableIndex[Table::Kvs] = undo.kvsIndex;
        m_tableIndex[Table::Tombstones] = undo.tombstonesIndex;
    }
}

bool StateStore::kvSet(std::uint64_t idx, KvEntry entry, KvUndo *undo)
{
    const KvEntry *existing = kvGet(entry.key);
    entry.index.create = existing ? existing->index.create : idx;
    entry.session = existing ? existing->session : std::string();
    if (existing && sameKvContent(*existing, entry))
        return true;
    writeKv(idx, std::move(entry), undo);
    return true;
}

bool StateStore::kvCas(std::uint64_t idx, KvEntry entry, std::uint64_t casIndex, KvUndo *undo)
{
    const KvEntry *existing = kvGet(entry.key);
    if (casIndex == 0 && existing)
        return false;
    if (casIndex != 0 && (!existing || existing->index.modify != casIndex))
        return false;
    return kvSet(idx, std::move(entry), undo);
}

bool StateStore::kvLockDelayed(const std::string &key) const
{
    const auto it = m_lockDelay.find(key);
    return it != m_lockDelay.end() && it->second > Clock::now();
}

bool StateStore::kvLock(std::uint64_t idx, KvEntry entry, std::string *error, KvUndo *undo)
{
    // The lock-delay is enforced before anything else (Consul checks it before the raft apply).
    if (kvLockDelayed(entry.key))
        return false;
    if (entry.session.empty()) {
        *error = "missing session";
        return false;
    }
    if (const auto bad = uuidError(entry.session)) {
        *error = "failed session lookup: index error: " + *bad;
        return false;
    }
    if (!session(entry.session)) {
        *error = "invalid session " + goQuote(entry.session);
        return false;
    }
    const KvEntry *existing = kvGet(entry.key);
    if (existing) {
        if (existing->session == entry.session)
            entry.lockIndex = existing->lockIndex;
        else if (!existing->session.empty())
            return false;
        else
            entry.lockIndex = existing->lockIndex + 1;
        entry.index.create = existing->index.create;
    } else {
        entry.lockIndex = 1;
        entry.index.create = idx;
    }
    if (existing && sameKvContent(*existing, entry))
        return true;
    writeKv(idx, std::move(entry), undo);
    return true;
}

bool StateStore::kvUnlock(std::uint64_t idx, KvEntry entry, std::string *error, KvUndo *undo)
{
    if (entry.session.empty()) {
        *error = "missing session";
        return false;
    }
    const KvEntry *existing = kvGet(entry.key);
    if (!existing || existing->session != entry.session)
        return false;
    entry.lockIndex = existing->lockIndex;
    entry.index.create = existing->index.create;
    entry.session.clear();
    if (sameKvContent(*existing, entry))
        return true;
    writeKv(idx, std::move(entry), undo);
    return true;
}

bool StateStore::kvDelete(std::uint64_t idx, const std::string &key, KvUndo *undo)
{
    if (!kvGet(key))
        return true;
    removeKv(idx, key, undo);
    addTombstone(idx, key, undo);
    notifyKey(key);
    return true;
}

bool StateStore::kvDeleteCas(std::uint64_t idx, const std::string &key, std::uint64_t casIndex, KvUndo *undo)
{
    const KvEntry *existing = kvGet(key);
    if (!existing)
        return true;
    if (existing->index.modify != casIndex)
        return false;
    return kvDelete(idx, key, undo);
}

bool StateStore::kvDeleteTree(std::uint64_t idx, const std::string &prefix, KvUndo *undo)
{
    std::vector<std::string> doomed;
    for (auto it = m_kv.lower_bound(prefix); it != m_kv.end() && startsWith(it->first, prefix); ++it)
        doomed.push_back(it->first);
    if (doomed.empty())
        return true;
    for (const std::string &key : doomed)
        removeKv(idx, key, undo);
    // One tombstone for the whole prefix, none for the root: Consul's kvsDeleteTreeTxn.
    if (!prefix.empty())
        addTombstone(idx, prefix, undo);
    else
        m_tableIndex[Table::Tombstones] = std::max(tableIndex(Table::Tombstones), idx);
    if (m_listener)
        m_listener->kvTreeChanged(prefix);
    return true;
}

// ---------------------------------------------------------------- sessions

const SessionRec *StateStore::session(const std::string &id) const
{
    const auto it = m_sessions.find(id);
    return it == m_sessions.end() ? nullptr : &it->second;
}

std::vector<const SessionRec *> StateStore::sessionsOfNode(const std::string &node) const
{
    std::vector<const SessionRec *> out;
    for (const auto &[id, s] : m_sessions) {
        if (s.node == node)
            out.push_back(&s);
    }
    return out;
}

std::optional<std::string> StateStore::createSession(SessionRec s, Nanos ttl, std::string *error)
{
    if (!node(s.node)) {
        *error = "Missing node registration";
        return std::nullopt;
    }
    for (const std::string &checkId : s.allChecks()) {
        const CheckRec *c = check(s.node, checkId);
        if (!c) {
            *error = "Missing check '" + checkId + "' registration";
            return std::nullopt;
        }
        if (c->status == "critical") {
            *error = "Check '" + checkId + "' is in critical state";
            return std::nullopt;
        }
    }
    const std::uint64_t idx = nextIndex();
    s.index = RaftIndex { idx, idx };
    const std::string id = s.id;
    m_sessions[id] = std::move(s);
    m_tableIndex[Table::Sessions] = idx;
    if (ttl > 0)
        armSessionTimer(id, ttl);
    if (m_listener)
        m_listener->sessionChanged(id);
    return id;
}

void StateStore::armSessionTimer(const std::string &id, Nanos ttl)
{
    QTimer *&timer = m_sessionTimers[id];
    if (!timer) {
        timer = new QTimer(this);
        timer->setSingleShot(true);
        timer->setTimerType(Qt::PreciseTimer);
        connect(timer, &QTimer::timeout, this, [this, id] {
            qCInfo(lcSim) << "session" << id.c_str() << "expired (TTL not renewed)";
            destroySession(id);
        });
    }
    const double ms = double(ttl) * m_timing.sessionTtlMultiplier / 1e6;
    timer->start(std::chrono::milliseconds(qint64(std::max(1.0, ms))));
}

bool StateStore::renewSession(const std::string &id)
{
    const SessionRec *s = session(id);
    if (!s)
        return false;
    if (!s->ttl.empty()) {
        const auto ttl = GoDuration::parse(s->ttl);
        if (ttl && *ttl > 0)
            armSessionTimer(id, *ttl);
    }
    return true;
}

void StateStore::destroySession(const std::string &id)
{
    if (!session(id))
        return;
    deleteSessionAt(nextIndex(), id);
}

void StateStore::deleteSessionAt(std::uint64_t idx, const std::string &id)
{
    const auto sit = m_sessions.find(id);
    if (sit == m_sessions.end())
        return;
    const SessionRec s = sit->second;
    const Nanos delay = std::min<Nanos>(s.lockDelay, m_timing.lockDelayMax);
    const auto now = Clock::now();
    std::vector<std::string> held;
    for (const auto &[key, e] : m_kv) {
        if (e.session == id)
            held.push_back(key);
    }
    for (const std::string &key : held) {
        if (delay > 0)
            m_lockDelay[key] = now + std::chrono::nanoseconds(delay);
        if (s.behavior == "delete") {
            kvDelete(idx, key, nullptr);
        } else {
            KvEntry e = m_kv[key];
            e.session.clear();
            writeKv(idx, std::move(e), nullptr);
        }
    }
    // Forget expired lock-delays now and then so the table does not grow with every key ever locked.
    if (m_lockDelay.size() > 1024) {
        for (auto it = m_lockDelay.begin(); it != m_lockDelay.end();) {
            if (it->second <= now)
                it = m_lockDelay.erase(it);
            else
                ++it;
        }
    }
    m_sessions.erase(sit);
    m_tableIndex[Table::Sessions] = idx;
    if (const auto t = m_sessionTimers.find(id); t != m_sessionTimers.end()) {
        t->second->stop();
        t->second->deleteLater();
        m_sessionTimers.erase(t);
    }
    if (m_listener)
        m_listener->sessionChanged(id);
}

} // namespace Baton::ConsulSim
