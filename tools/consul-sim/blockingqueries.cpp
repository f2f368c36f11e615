#include "tools/consul-sim/blockingqueries.h"

#include "tools/consul-sim/httpconnection.h"

#include <QTimer>

namespace Baton::ConsulSim {

namespace {

using Clock = std::chrono::steady_clock;

bool startsWith(const std::string &s, const std::string &prefix)
{
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

void eraseValue(std::multimap<std::string, std::uint64_t> &map, const std::string &key, std::uint64_t id)
{
    const auto [first, last] = map.equal_range(key);
    for (auto it = first; it != last; ++it) {
        if (it->second == id) {
            map.erase(it);
            return;
        }
    }
}

} // namespace

BlockingQueries::BlockingQueries(QObject *parent)
    : QObject(parent)
    , m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    m_timer->setTimerType(Qt::PreciseTimer);
    connect(m_timer, &QTimer::timeout, this, &BlockingQueries::onDeadline);
}

BlockingQueries::~BlockingQueries()
{
    for (auto &[id, hook] : m_closeHooks)
        disconnect(hook);
}

void BlockingQueries::add(Waiter waiter)
{
    const std::uint64_t id = m_nextId++;
    switch (waiter.topic) {
    case Topic::KvKey:
        m_byKey.emplace(waiter.key, id);
        break;
    case Topic::KvPrefix:
        m_byPrefix.emplace(waiter.key, id);
        break;
    case Topic::Catalog:
        m_catalog.insert(id);
        break;
    case Topic::Session:
        m_bySession.emplace(waiter.key, id);
        break;
    case Topic::AllSessions:
        m_allSessions.insert(id);
        break;
    }
    m_deadlines.emplace(waiter.deadline, id);
    if (waiter.connection) {
        m_closeHooks[id] = connect(waiter.connection, &HttpConnection::closed, this, [this, id] { cancel(id); });
    }
    m_waiters.emplace(id, std::move(waiter));
    armTimer();
}

void BlockingQueries::cancel(std::uint64_t id)
{
    const auto it = m_waiters.find(id);
    if (it == m_waiters.end())
        return;
    const Waiter &w = it->second;
    switch (w.topic) {
    case Topic::KvKey:
        eraseValue(m_byKey, w.key, id);
        break;
    case Topic::KvPrefix:
        eraseValue(m_byPrefix, w.key, id);
        break;
    case Topic::Catalog:
        m_catalog.erase(id);
        break;
    case Topic::Session:
        eraseValue(m_bySession, w.key, id);
        break;
    case Topic::AllSessions:
        m_allSessions.erase(id);
        break;
    }
    const auto [first, last] = m_deadlines.equal_range(w.deadline);
    for (auto d = first; d != last; ++d) {
        if (d->second == id) {
            m_deadlines.erase(d);
            break;
        }
    }
    if (const auto hook = m_closeHooks.find(id); hook != m_closeHooks.end()) {
        disconnect(hook->second);
        m_closeHooks.erase(hook);
    }
    m_dirty.erase(id);
    m_waiters.erase(it);
}

void BlockingQueries::finish(std::uint64_t id)
{
    const auto it = m_waiters.find(id);
    if (it == m_waiters.end())
        return;
    auto respond = std::move(it->second.respond);
    cancel(id);
    if (respond)
        respond();
}

void BlockingQueries::markDirty(std::uint64_t id)
{
    m_dirty.insert(id);
    if (!m_flushQueued) {
        m_flushQueued = true;
        // Coalesce: every write of the current event-loop turn (a txn, a session invalidation releasing many
        // keys) is seen by one re-evaluation.
        QTimer::singleShot(0, this, &BlockingQueries::flush);
    }
}

void BlockingQueries::flush()
{
    m_flushQueued = false;
    const std::set<std::uint64_t> dirty = std::move(m_dirty);
    m_dirty.clear();
    for (const std::uint64_t id : dirty) {
        const auto it = m_waiters.find(id);
        if (it == m_waiters.end())
            continue;
        if (it->second.ready && it->second.ready())
            finish(id);
    }
    armTimer();
}

void BlockingQueries::onDeadline()
{
    const auto now = Clock::now();
    std::vector<std::uint64_t> due;
    for (auto it = m_deadlines.begin(); it != m_deadlines.end() && it->first <= now; ++it)
        due.push_back(it->second);
    // On timeout Consul returns the current data with 200, whatever the index.
    for (const std::uint64_t id : due)
        finish(id);
    armTimer();
}

void BlockingQueries::armTimer()
{
    if (m_deadlines.empty()) {
        m_timer->stop();
        return;
    }
    const auto next = m_deadlines.begin()->first;
    const auto delay = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now());
    m_timer->start(std::max(delay, std::chrono::milliseconds(0)));
}

void BlockingQueries::kvKeyChanged(const std::string &key)
{
    const auto [first, last] = m_byKey.equal_range(key);
    for (auto it = first; it != last; ++it)
        markDirty(it->second);
    // Prefix waiters whose prefix is a prefix of the key: look each candidate prefix up.
    if (!m_byPrefix.empty()) {
        for (std::size_t len = 0; len <= key.size(); ++len) {
            const auto [pf, pl] = m_byPrefix.equal_range(key.substr(0, len));
            for (auto it = pf; it != pl; ++it)
                markDirty(it->second);
        }
    }
}

void BlockingQueries::kvTreeChanged(const std::string &prefix)
{
    for (auto it = m_byKey.lower_bound(prefix); it != m_byKey.end() && startsWith(it->first, prefix); ++it)
        markDirty(it->second);
    for (auto it = m_byPrefix.lower_bound(prefix); it != m_byPrefix.end() && startsWith(it->first, prefix); ++it)
        markDirty(it->second);
    for (std::size_t len = 0; len < prefix.size(); ++len) {
        const auto [pf, pl] = m_byPrefix.equal_range(prefix.substr(0, len));
        for (auto it = pf; it != pl; ++it)
            markDirty(it->second);
    }
}

void BlockingQueries::catalogChanged()
{
    for (const std::uint64_t id : m_catalog)
        markDirty(id);
}

void BlockingQueries::sessionChanged(const std::string &id)
{
    const auto [first, last] = m_bySession.equal_range(id);
    for (auto it = first; it != last; ++it)
        markDirty(it->second);
    for (const std::uint64_t w : m_allSessions)
        markDirty(w);
}

} // namespace Baton::ConsulSim
