#include "core/consul/consulwatcher.h"

#include "core/base/boundedjson.h"
#include "core/consul/consulclient.h"
#include "core/consul/consuldecode.h"
#include "core/consul/consullogging.h"

#include <cmath>

#include <QHashFunctions>

namespace Baton {

using nlohmann::json;

// What the decode step found, handed from the worker (or inline) to onOutcome in the watcher's thread.
struct ConsulWatcher::Outcome
{
    bool answered = false; // a 2xx, or a 404 that means "nothing"
    std::optional<Error> error; // transport, HTTP, parse or decode failure
    Consul::Meta meta;
    int status = 0;
    bool sameBytes = false;
    bool changed = false;
    ConsulDigest::Digest digest;
    size_t bodyHash = 0;
    qsizetype bodySize = 0;
};

ConsulWatcher::ConsulWatcher(
    ConsulClient *client, ConsulWatchTarget target, ConsulWatchOptions options, StagedDecode decode, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_target(std::move(target))
    , m_options(std::move(options))
    , m_decode(std::move(decode))
    , m_clock(m_options.clock ? m_options.clock : ConsulClock::system())
    , m_timer(m_clock->createTimer())
    , m_random(m_options.seed ? m_options.seed : QRandomGenerator::global()->generate())
{
    m_options.burst = std::max(1, m_options.burst);
    m_options.refillMs = std::max<qint64>(1, m_options.refillMs);
    m_options.minBackoffMs = std::max<qint64>(1, m_options.minBackoffMs);
    m_options.maxBackoffMs = std::max(m_options.minBackoffMs, m_options.maxBackoffMs);
    m_tokens = m_options.burst;
    // The client's calls die with it, silently: a watcher left waiting for one would never move again.
    if (client)
        connect(client, &QObject::destroyed, this, [this] { stop(); });
    m_lastRefillMs = m_clock->nowMs();
}

ConsulWatcher::~ConsulWatcher()
{
    m_call.abort();
}

void ConsulWatcher::start()
{
    if (m_running)
        return;
    m_running = true;
    ++m_generation;
    issue();
}

void ConsulWatcher::stop()
{
    if (!m_running)
        return;
    m_running = false;
    ++m_generation;
    m_call.abort();
    m_timer->stop();
    m_state = State::Stopped;
}

void ConsulWatcher::refill()
{
    const qint64 now = m_clock->nowMs();
    if (now > m_lastRefillMs) {
        m_tokens
            = std::min<double>(m_options.burst, m_tokens + double(now - m_lastRefillMs) / double(m_options.refillMs));
        m_lastRefillMs = now;
    }
}

qint64 ConsulWatcher::msUntilToken() const
{
    if (m_tokens >= 1.0)
        return 0;
    return qint64(std::ceil((1.0 - m_tokens) * double(m_options.refillMs)));
}

void ConsulWatcher::waitFor(qint64 delayMs)
{
    m_state = State::Waiting;
    const quint64 generation = m_generation;
    m_timer->start(delayMs, [this, generation] {
        if (generation == m_generation && m_running)
            issue();
    });
}

void ConsulWatcher::issue()
{
    if (!m_running)
        return;
    if (!m_client) {
        stop();
        return;
    }
    // Rate limit instead of sleeping: in the happy path a token is always there (a blocking query that ran
    // for its wait refilled the bucket); only a server that keeps answering at once runs it dry.
    refill();
    if (m_tokens < 1.0) {
        waitFor(msUntilToken());
        return;
    }
    m_tokens -= 1.0;

    ConsulHttpRequest request;
    request.path = m_target.path;
    request.query = m_target.params;
    Consul::QueryOptions query = m_options.query;
    query.index = m_index;
    query.waitMs = m_index > 0 ? m_options.waitMs : 0;
    m_client->addQueryOptions(request, query);

    // What the worker needs, by value: the decode step may run on a QThreadPool thread for large bodies.
    struct Snapshot
    {
        bool hasValue;
        ConsulDigest::Digest digest;
        size_t bodyHash;
        qsizetype bodySize;
        int bodyStatus;
    };
    const Snapshot snapshot { m_hasValue, m_digest, m_bodyHash, m_bodySize, m_bodyStatus };
    const ConsulWatchTarget::NotFound notFound = m_target.notFound;
    const JsonLimits limits = m_client->config().jsonLimits;
    const QString token = m_client->config().token;
    const StagedDecode decode = m_decode;
    ConsulClient::Work work = [snapshot, notFound, limits, token, decode](Result<ConsulRawReply> raw) {
        auto out = std::make_shared<std::pair<Outcome, std::shared_ptr<void>>>();
        Outcome &o = out->first;
        if (!raw) {
            o.error = raw.error();
            return std::shared_ptr<void>(out);
        }
        const bool notFoundIsContent = raw->status == 404 && notFound != ConsulWatchTarget::NotFound::IsError;
        if ((raw->status < 200 || raw->status > 299) && !notFoundIsContent) {
            o.error = ConsulClient::httpErrorFrom(*raw, token);
            return std::shared_ptr<void>(out);
        }
        o.answered = true;
        o.meta = raw->meta;
        o.status = raw->status;
        o.bodySize = raw->body.size();
        o.bodyHash = qHashBits(raw->body.constData(), size_t(raw->body.size()), 0x9e3779b9U);
        // The same bytes as last time decode to the same content: nothing to parse (the idle case).
        o.sameBytes = snapshot.hasValue && o.status == snapshot.bodyStatus && o.bodySize == snapshot.bodySize
            && o.bodyHash == snapshot.bodyHash;
        if (o.sameBytes)
            return std::shared_ptr<void>(out);
        json document;
        if (raw->status == 404) {
            document = notFound == ConsulWatchTarget::NotFound::IsNull ? json(nullptr) : json::array();
        } else {
            auto parsed = parseJsonBounded(raw->body, limits);
            if (!parsed) {
                o.error = parsed.error();
                return std::shared_ptr<void>(out);
            }
            document = std::move(*parsed);
        }
        o.digest = ConsulDigest::of(document);
        if (snapshot.hasValue && o.digest == snapshot.digest)
            return std::shared_ptr<void>(out);
        auto staged = decode(document);
        if (!staged) {
            o.error = staged.error();
            return std::shared_ptr<void>(out);
        }
        o.changed = true;
        out->second = std::move(*staged);
        return std::shared_ptr<void>(out);
    };
    const quint64 generation = m_generation;
    ConsulClient::Finish finish = [this, generation](std::shared_ptr<void> value) {
        auto out = std::static_pointer_cast<std::pair<Outcome, std::shared_ptr<void>>>(value);
        onOutcome(generation, out->first, std::move(out->second));
    };
    ++m_requestCount;
    m_state = State::Fetching;
    m_call = m_client->sendProcessed(std::move(request), this, std::move(work), std::move(finish));
}

void ConsulWatcher::onOutcome(quint64 generation, const Outcome &o, std::shared_ptr<void> staged)
{
    if (generation != m_generation || !m_running) {
        ++m_staleDropped;
        return;
    }
    m_call = ConsulCall();
    if (!o.answered) {
        onFailure(*o.error);
        return;
    }
    m_meta = o.meta;
    const QPointer<ConsulWatcher> self(this);

    // Index hygiene (Consul's rules for blocking-query clients). Without an index the endpoint cannot block and
    // the watch degrades to polling at the token bucket's rate.
    const quint64 previousIndex = m_index;
    if (o.meta.hasIndex) {
        const quint64 index = std::max<quint64>(o.meta.index, 1);
        if (m_index > 0 && index < m_index) {
            // Snapshot restore, reaped tombstones, a restarted server: one plain fetch, then block again.
            // Logged once per watcher at info level: a server that always does this would flood the log.
            if (m_resetCount == 0)
                qCInfo(lcConsul).noquote() << "index of" << QString::fromUtf8(m_target.path) << "went backwards from"
                                           << m_index << "to" << index << "; resetting";
            else
                qCDebug(lcConsul).noquote() << "index of" << QString::fromUtf8(m_target.path) << "went backwards from"
                                            << m_index << "to" << index << "; resetting";
            m_index = 0;
            ++m_resetCount;
        } else {
            m_index = index;
        }
    } else {
        m_index = 0;
    }
    if (o.error) {
        // A body we cannot use must be fetched again, not waited on: keep the old index.
        m_index = previousIndex;
        onFailure(*o.error);
        return;
    }
    if (!o.sameBytes) {
        m_bodyHash = o.bodyHash;
        m_bodySize = o.bodySize;
        m_bodyStatus = o.status;
    }
    if (m_consecutiveErrors > 0)
        qCInfo(lcConsul).noquote() << "watch of" << QString::fromUtf8(m_target.path) << "recovered after"
                                   << m_consecutiveErrors << "failed request(s)";
    m_consecutiveErrors = 0;
    m_lastError.reset();
    if (o.changed) {
        commit(std::move(staged));
        m_digest = o.digest;
        m_hasValue = true;
        ++m_changeCount;
        Q_EMIT changed();
        // A slot may have stopped, restarted or deleted us.
        if (!self || generation != m_generation || !m_running)
            return;
    }
    issue();
}

void ConsulWatcher::onFailure(const Error &error)
{
    ++m_consecutiveErrors;
    m_lastError = error;
    // The first failure of a streak is news; the retries that follow are not (the back-off caps them anyway).
    if (m_consecutiveErrors == 1)
        qCInfo(lcConsul).noquote() << "watch of" << QString::fromUtf8(m_target.path) << "failed:" << error.toString();
    else
        qCDebug(lcConsul).noquote() << "watch of" << QString::fromUtf8(m_target.path) << "failed" << m_consecutiveErrors
                                    << "times in a row:" << error.toString();
    const QPointer<ConsulWatcher> self(this);
    const quint64 generation = m_generation;
    Q_EMIT errorOccurred(error);
    if (!self || generation != m_generation || !m_running)
        return;
    const int exponent = std::min(m_consecutiveErrors - 1, 30);
    const qint64 backoff = std::min<qint64>(m_options.maxBackoffMs, m_options.minBackoffMs << exponent);
    const qint64 jittered = backoff / 2 + qint64(m_random.bounded(quint64(backoff / 2 + 1)));
    // The bucket still applies when the back-off is over.
    refill();
    waitFor(std::max(jittered, msUntilToken()));
}

// ---- factories

namespace ConsulWatches {

namespace {
ConsulWatchTarget target(QByteArray path, ConsulWatchTarget::NotFound notFound = ConsulWatchTarget::NotFound::IsError)
{
    ConsulWatchTarget t;
    t.path = std::move(path);
    t.notFound = notFound;
    return t;
}
} // namespace

ConsulWatch<QList<Consul::ServiceHealth>> *healthService(
    ConsulClient *client, const QString &service, ConsulWatchOptions options, QObject *parent)
{
    return new ConsulWatch<QList<Consul::ServiceHealth>>(client,
        target("/v1/health/service/" + ConsulClient::segment(service)), ConsulDecode::healthService, std::move(options),
        parent);
}

ConsulWatch<QList<Consul::HealthCheck>> *healthState(
    ConsulClient *client, std::optional<Consul::CheckStatus> state, ConsulWatchOptions options, QObject *parent)
{
    const QByteArray name = state && *state != Consul::CheckStatus::Unknown
        ? Consul::checkStatusToWire(*state).toLatin1()
        : QByteArrayLiteral("any");
    return new ConsulWatch<QList<Consul::HealthCheck>>(
        client, target("/v1/health/state/" + name), ConsulDecode::healthChecks, std::move(options), parent);
}

ConsulWatch<QList<Consul::HealthCheck>> *healthNode(
    ConsulClient *client, const QString &node, ConsulWatchOptions options, QObject *parent)
{
    return new ConsulWatch<QList<Consul::HealthCheck>>(client, target("/v1/health/node/" + ConsulClient::segment(node)),
        ConsulDecode::healthChecks, std::move(options), parent);
}

ConsulWatch<Consul::CatalogServices> *catalogServices(ConsulClient *client, ConsulWatchOptions options, QObject *parent)
{
    return new ConsulWatch<Consul::CatalogServices>(
        client, target("/v1/catalog/services"), ConsulDecode::catalogServices, std::move(options), parent);
}

ConsulWatch<QList<Consul::CatalogService>> *catalogService(
    ConsulClient *client, const QString &service, ConsulWatchOptions options, QObject *parent)
{
    return new ConsulWatch<QList<Consul::CatalogService>>(client,
        target("/v1/catalog/service/" + ConsulClient::segment(service)), ConsulDecode::catalogService,
        std::move(options), parent);
}

ConsulWatch<QList<Consul::Node>> *catalogNodes(ConsulClient *client, ConsulWatchOptions options, QObject *parent)
{
    return new ConsulWatch<QList<Consul::Node>>(
        client, target("/v1/catalog/nodes"), ConsulDecode::catalogNodes, std::move(options), parent);
}

ConsulWatch<std::optional<Consul::KvEntry>> *kvKey(
    ConsulClient *client, const QString &key, ConsulWatchOptions options, QObject *parent)
{
    return new ConsulWatch<std::optional<Consul::KvEntry>>(client,
        target(ConsulClient::kvPath(key.startsWith(u'/') ? key.mid(1) : key), ConsulWatchTarget::NotFound::IsNull),
        ConsulDecode::kvSingle, std::move(options), parent);
}

ConsulWatch<QList<Consul::KvEntry>> *kvTree(
    ConsulClient *client, const QString &prefix, ConsulWatchOptions options, QObject *parent)
{
    ConsulWatchTarget t = target(ConsulClient::kvPath(prefix.startsWith(u'/') ? prefix.mid(1) : prefix),
        ConsulWatchTarget::NotFound::IsEmptyList);
    t.params.append({ "recurse", {}, true });
    return new ConsulWatch<QList<Consul::KvEntry>>(
        client, std::move(t), ConsulDecode::kvEntries, std::move(options), parent);
}

ConsulWatch<QList<Consul::Session>> *sessionList(ConsulClient *client, ConsulWatchOptions options, QObject *parent)
{
    return new ConsulWatch<QList<Consul::Session>>(
        client, target("/v1/session/list"), ConsulDecode::sessions, std::move(options), parent);
}

} // namespace ConsulWatches

} // namespace Baton
