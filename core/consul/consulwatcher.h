#pragma once

#include "core/consul/consulcall.h"
#include "core/consul/consulclock.h"
#include "core/consul/consuldigest.h"
#include "core/consul/consulreply.h"
#include "core/consul/consultypes.h"

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include <QObject>
#include <QPointer>
#include <QRandomGenerator>

namespace Baton {

class ConsulClient;

// What to watch: a GET endpoint and how its 404 reads (a missing KV key is "nothing", not an error).
struct ConsulWatchTarget
{
    enum class NotFound
    {
        IsError,
        IsNull,
        IsEmptyList
    };

    QByteArray path; // percent-encoded, e.g. ConsulClient::kvPath(prefix)
    QList<ConsulHttpRequest::Param> params; // e.g. recurse
    NotFound notFound = NotFound::IsError;
};

struct ConsulWatchOptions
{
    qint64 waitMs = 5 * 60 * 1000; // how long each blocking query may be held (Consul's default; cap 10 min)
    Consul::QueryOptions query; // consistency, datacenter, filter, tags, passingOnly (index and wait are ours)
    // Token bucket: at most `burst` requests back to back, then one per refillMs. A server that answers at once
    // (a changing, backwards or zero index, a storm of changes) gets about 60000/refillMs requests a minute.
    int burst = 2;
    qint64 refillMs = 15'000;
    // Back-off after a failed request: doubling from minBackoffMs to maxBackoffMs, each delay jittered
    // uniformly over its upper half so a fleet of consoles does not retry in step.
    qint64 minBackoffMs = 1'000;
    qint64 maxBackoffMs = 60'000;
    quint32 seed = 0; // jitter seed; 0 picks a random one
    ConsulClock *clock = nullptr; // nullptr: ConsulClock::system()
};

// Watches one Consul endpoint with blocking queries and keeps its decoded content, following Consul's rules
// for clients (docs: features/blocking): it sends back X-Consul-Index with index/wait; never sends index 0
// (an index below 1 is taken as 1); when the index goes backwards it makes one non-blocking fetch and starts
// over; it rate-limits itself with a token bucket instead of sleeping, so an idle watch costs one request per
// wait and a misbehaving server a handful a minute; it backs off with jitter on errors; replies to requests
// from before a stop() are dropped by generation number; and `changed` fires only when the decoded content
// differs (a digest of the document, not the index: Consul wakes blocking queries without real changes).
//
// Use the typed ConsulWatch<T> (below) or the factories in ConsulWatches. Lives in the client's thread and
// stops when the client is destroyed.
class ConsulWatcher : public QObject
{
    Q_OBJECT
public:
    enum class State
    {
        Stopped,
        Fetching, // a request is in flight (possibly held by the server)
        Waiting, // waiting on the clock: for a token or after an error
    };

    ~ConsulWatcher() override;

    void start();
    void stop(); // aborts the request in flight; its reply, if any, is dropped
    bool isRunning() const { return m_running; }
    State state() const { return m_state; }

    bool hasValue() const { return m_hasValue; }
    // The index the next request blocks on; 0 means the next request is a plain (non-blocking) fetch.
    quint64 index() const { return m_index; }
    const Consul::Meta &meta() const { return m_meta; }
    std::optional<Error> lastError() const { return m_lastError; }
    int consecutiveErrors() const { return m_consecutiveErrors; }
    QByteArray path() const { return m_target.path; }

    // Counters for diagnostics, tests and benchmarks.
    qint64 requestCount() const { return m_requestCount; }
    qint64 changeCount() const { return m_changeCount; }
    qint64 resetCount() const { return m_resetCount; } // how often the index went backwards
    qint64 staleRepliesDropped() const { return m_staleDropped; }

Q_SIGNALS:
    // The content changed (the first successful fetch counts as a change).
    void changed();
    // A request failed; the watcher keeps the last good value and retries after a back-off.
    void errorOccurred(const Baton::Error &error);

protected:
    // Decodes a document into a new value. Runs on a worker thread for large bodies: it must be pure.
    using StagedDecode = std::function<Result<std::shared_ptr<void>>(const nlohmann::json &)>;

    ConsulWatcher(ConsulClient *client, ConsulWatchTarget target, ConsulWatchOptions options, StagedDecode decode,
        QObject *parent);
    // Takes a value made by the StagedDecode (in the watcher's thread, just before `changed`).
    virtual void commit(std::shared_ptr<void> value) = 0;

private:
    struct Outcome;
    void issue();
    void waitFor(qint64 delayMs);
    void onOutcome(quint64 generation, const Outcome &outcome, std::shared_ptr<void> staged);
    void onFailure(const Error &error);
    void refill();
    qint64 msUntilToken() const;

    QPointer<ConsulClient> m_client;
    ConsulWatchTarget m_target;
    ConsulWatchOptions m_options;
    StagedDecode m_decode;
    ConsulClock *m_clock;
    std::unique_ptr<ConsulTimer> m_timer;
    QRandomGenerator m_random;
    ConsulCall m_call;

    bool m_running = false;
    State m_state = State::Stopped;
    quint64 m_generation = 0;
    quint64 m_index = 0;
    Consul::Meta m_meta;
    bool m_hasValue = false;
    ConsulDigest::Digest m_digest;
    size_t m_bodyHash = 0;
    qsizetype m_bodySize = -1;
    int m_bodyStatus = 0;
    std::optional<Error> m_lastError;
    int m_consecutiveErrors = 0;

    double m_tokens = 0;
    qint64 m_lastRefillMs = 0;

    qint64 m_requestCount = 0;
    qint64 m_changeCount = 0;
    qint64 m_resetCount = 0;
    qint64 m_staleDropped = 0;
};

// A watcher that decodes into T. value() is the last good content; it is default-constructed until the first
// `changed`.
template<typename T> class ConsulWatch final : public ConsulWatcher
{
public:
    using Decode = std::function<Result<T>(const nlohmann::json &)>;

    ConsulWatch(ConsulClient *client, ConsulWatchTarget target, Decode decode, ConsulWatchOptions options = {},
        QObject *parent = nullptr)
        : ConsulWatcher(client, std::move(target), std::move(options), staged(std::move(decode)), parent)
    { }

    const T &value() const { return m_value; }

protected:
    void commit(std::shared_ptr<void> value) override { m_value = std::move(*std::static_pointer_cast<T>(value)); }

private:
    static StagedDecode staged(Decode decode)
    {
        return [decode = std::move(decode)](const nlohmann::json &document) -> Result<std::shared_ptr<void>> {
            Result<T> decoded = decode(document);
            if (!decoded)
                return fail(decoded.error());
            return std::shared_ptr<void>(std::make_shared<T>(std::move(*decoded)));
        };
    }

    T m_value {};
};

// Ready-made watches of the endpoints Baton watches. Each returns a stopped watcher owned by `parent`.
namespace ConsulWatches {
ConsulWatch<QList<Consul::ServiceHealth>> *healthService(
    ConsulClient *client, const QString &service, ConsulWatchOptions options = {}, QObject *parent = nullptr);
ConsulWatch<QList<Consul::HealthCheck>> *healthState(ConsulClient *client, std::optional<Consul::CheckStatus> state,
    ConsulWatchOptions options = {}, QObject *parent = nullptr);
ConsulWatch<QList<Consul::HealthCheck>> *healthNode(
    ConsulClient *client, const QString &node, ConsulWatchOptions options = {}, QObject *parent = nullptr);
ConsulWatch<Consul::CatalogServices> *catalogServices(
    ConsulClient *client, ConsulWatchOptions options = {}, QObject *parent = nullptr);
ConsulWatch<QList<Consul::CatalogService>> *catalogService(
    ConsulClient *client, const QString &service, ConsulWatchOptions options = {}, QObject *parent = nullptr);
ConsulWatch<QList<Consul::Node>> *catalogNodes(
    ConsulClient *client, ConsulWatchOptions options = {}, QObject *parent = nullptr);
ConsulWatch<std::optional<Consul::KvEntry>> *kvKey(
    ConsulClient *client, const QString &key, ConsulWatchOptions options = {}, QObject *parent = nullptr);
ConsulWatch<QList<Consul::KvEntry>> *kvTree(
    ConsulClient *client, const QString &prefix, ConsulWatchOptions options = {}, QObject *parent = nullptr);
ConsulWatch<QList<Consul::Session>> *sessionList(
    ConsulClient *client, ConsulWatchOptions options = {}, QObject *parent = nullptr);
} // namespace ConsulWatches

} // namespace Baton
