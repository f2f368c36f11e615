#pragma once

#include "tools/consul-sim/statestore.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>

#include <QObject>
#include <QPointer>

class QTimer;

namespace Baton::ConsulSim {

class HttpConnection;

// Parks blocking queries until their data changes or their wait runs out, without a thread or a timer per
// request. Each waiter says what it watches (one KV key, a KV prefix, the catalog, one session or all sessions);
// a write marks the matching waiters dirty, and one zero-delay flush re-runs their readiness test (the index
// comparison of Consul's blocking loop) and answers those that are ready. Deadlines live in one ordered map
// served by a single timer. Hundreds of parked requests therefore cost a map entry each and nothing while idle.
class BlockingQueries : public QObject, public StateListener
{
    Q_OBJECT

public:
    enum class Topic
    {
        KvKey,
        KvPrefix,
        Catalog,
        Session,
        AllSessions
    };

    struct Waiter
    {
        Topic topic = Topic::Catalog;
        std::string key; // the KV key or prefix, or the session ID
        std::function<bool()> ready; // true when the query should answer now
        std::function<void()> respond; // renders and sends the answer; called exactly once
        std::chrono::steady_clock::time_point deadline;
        QPointer<HttpConnection> connection; // a closed connection cancels the waiter
    };

    explicit BlockingQueries(QObject *parent = nullptr);
    ~BlockingQueries() override;

    void add(Waiter waiter);
    std::size_t waiting() const { return m_waiters.size(); }

    // Wakes catalog waiters for a change that is not a store write (an agent-local update).
    void pokeCatalog() { catalogChanged(); }

    // StateListener
    void kvKeyChanged(const std::string &key) override;
    void kvTreeChanged(const std::string &prefix) override;
    void catalogChanged() override;
    void sessionChanged(const std::string &id) override;

private:
    void markDirty(std::uint64_t id);
    void flush();
    void onDeadline();
    void armTimer();
    void finish(std::uint64_t id);
    void cancel(std::uint64_t id);

    std::uint64_t m_nextId = 1;
    std::unordered_map<std::uint64_t, Waiter> m_waiters;
    std::unordered_map<std::uint64_t, QMetaObject::Connection> m_closeHooks;
    std::multimap<std::chrono::steady_clock::time_point, std::uint64_t> m_deadlines;
    // Indexes of waiters by what they watch, so a write touches only the waiters it concerns.
    std::multimap<std::string, std::uint64_t> m_byKey; // KvKey
    std::multimap<std::string, std::uint64_t> m_byPrefix; // KvPrefix
    std::set<std::uint64_t> m_catalog;
    std::multimap<std::string, std::uint64_t> m_bySession;
    std::set<std::uint64_t> m_allSessions;
    std::set<std::uint64_t> m_dirty;
    bool m_flushQueued = false;
    QTimer *m_timer;
};

} // namespace Baton::ConsulSim
