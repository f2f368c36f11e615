#pragma once

#include "core/consul/consulcall.h"
#include "core/consul/consulconfig.h"
#include "core/consul/consulreply.h"
#include "core/consul/consultypes.h"

#include <functional>
#include <memory>
#include <optional>

#include <QObject>
#include <QSet>
#include <QSslConfiguration>

class QNetworkAccessManager;

namespace Baton {

class ConsulRequest;

// An asynchronous client of Consul's HTTP API on QNetworkAccessManager.
//
// Every call is typed and completes exactly once, later, from the event loop of the client's thread, with a
// ConsulReply<T>: the decoded value or a typed Error, plus the query metadata. The `context` object bounds the
// call's life: once it is destroyed the call is aborted and its callback never runs (pass the object whose
// members the callback touches). The returned ConsulCall aborts it on demand. Errors are values: an HTTP
// status carries Consul's plain-text message; network failures, timeouts and over-limit bodies have their
// own kinds. Bodies are capped while they download and decoded through parseJsonBounded.
//
// Destroying the client aborts its calls: their callbacks never run (watchers stop, kept sessions are lost).
// One client per thread: it is not thread-safe. The ACL token goes only into the X-Consul-Token header and
// is never logged. Blocking reads (QueryOptions::index > 0) get a timeout of wait + wait/16 + grace, so
// Consul's jitter never looks like a dead server.
class ConsulClient : public QObject
{
    Q_OBJECT
public:
    template<typename T> using Callback = std::function<void(ConsulReply<T>)>;
    using RawCallback = std::function<void(Result<ConsulRawReply>)>;
    // See sendProcessed().
    using Work = std::function<std::shared_ptr<void>(Result<ConsulRawReply>)>;
    using Finish = std::function<void(std::shared_ptr<void>)>;

    explicit ConsulClient(ConsulConfig config, QObject *parent = nullptr);
    ~ConsulClient() override;

    const ConsulConfig &config() const { return m_config; }
    // Set when the configuration cannot work (bad address, unreadable CA file); every call then fails with it.
    std::optional<Error> configError() const { return m_configError; }
    int pendingCalls() const { return int(m_requests.size()); }

    // Catalog
    ConsulCall catalogServices(
        const Consul::QueryOptions &options, QObject *context, Callback<Consul::CatalogServices> done);
    ConsulCall catalogService(const QString &service, const Consul::QueryOptions &options, QObject *context,
        Callback<QList<Consul::CatalogService>> done);
    ConsulCall catalogNodes(const Consul::QueryOptions &options, QObject *context, Callback<QList<Consul::Node>> done);
    // An unknown node is an empty optional (Consul answers 200 null).
    ConsulCall catalogNode(const QString &node, const Consul::QueryOptions &options, QObject *context,
        Callback<std::optional<Consul::CatalogNode>> done);

    // Health
    // Every instance with all checks that apply to it (node-level ones included).
    ConsulCall healthService(const QString &service, const Consul::QueryOptions &options, QObject *context,
        Callback<QList<Consul::ServiceHealth>> done);
    ConsulCall healthNode(const QString &node, const Consul::QueryOptions &options, QObject *context,
        Callback<QList<Consul::HealthCheck>> done);
    ConsulCall healthChecks(const QString &service, const Consul::QueryOptions &options, QObject *context,
        Callback<QList<Consul::HealthCheck>> done);
    // Checks in one state; no state means any. CheckStatus::Unknown is refused.
    ConsulCall healthState(std::optional<Consul::CheckStatus> state, const Consul::QueryOptions &options,
        QObject *context, Callback<QList<Consul::HealthCheck>> done);

    // KV. Keys are sent percent-encoded with '/' kept; a leading '/' is refused, as Consul's own client does.
    // A missing key is an empty optional (Consul's 404 with index headers); an empty listing is an empty list.
    ConsulCall kvGet(const QString &key, const Consul::QueryOptions &options, QObject *context,
        Callback<std::optional<Consul::KvEntry>> done);
    ConsulCall kvList(const QString &prefix, const Consul::QueryOptions &options, QObject *context,
        Callback<QList<Consul::KvEntry>> done);
    // Keys under prefix; a non-empty separator folds them at the first separator after the prefix.
    ConsulCall kvKeys(const QString &prefix, const QString &separator, const Consul::QueryOptions &options,
        QObject *context, Callback<QStringList> done);
    // true when written; false when a cas, acquire or release condition did not hold.
    ConsulCall kvPut(const QString &key, const QByteArray &value, const Consul::KvPutOptions &put,
        const Consul::WriteOptions &options, QObject *context, Callback<bool> done);
    ConsulCall kvDelete(const QString &key, const Consul::KvDeleteOptions &del, const Consul::WriteOptions &options,
        QObject *context, Callback<bool> done);

    // Sessions
    ConsulCall sessionCreate(
        const Consul::SessionSpec &spec, const Consul::WriteOptions &options, QObject *context, Callback<QString> done);
    // The renewed session; its ttlMs may be larger than asked (Consul under load): renew by that from now on.
    // An expired or unknown session is a NotFound error.
    ConsulCall sessionRenew(
        const QString &id, const Consul::WriteOptions &options, QObject *context, Callback<Consul::Session> done);
    ConsulCall sessionDestroy(
        const QString &id, const Consul::WriteOptions &options, QObject *context, Callback<bool> done);
    ConsulCall sessionInfo(const QString &id, const Consul::QueryOptions &options, QObject *context,
        Callback<std::optional<Consul::Session>> done);
    ConsulCall sessionList(
        const Consul::QueryOptions &options, QObject *context, Callback<QList<Consul::Session>> done);
    ConsulCall sessionsOfNode(const QString &node, const Consul::QueryOptions &options, QObject *context,
        Callback<QList<Consul::Session>> done);

    // Agent (the agent at config().address; only options.filter applies to services/checks)
    ConsulCall agentSelf(QObject *context, Callback<Consul::AgentSelf> done);
    ConsulCall agentServices(
        const Consul::QueryOptions &options, QObject *context, Callback<Consul::AgentServices> done);
    ConsulCall agentChecks(const Consul::QueryOptions &options, QObject *context, Callback<Consul::AgentChecks> done);
    ConsulCall agentNodeMaintenance(bool enable, const QString &reason, QObject *context, Callback<void> done);
    ConsulCall agentServiceMaintenance(
        const QString &serviceId, bool enable, const QString &reason, QObject *context, Callback<void> done);
    ConsulCall agentCheckTtl(
        const QString &checkId, Consul::TtlStatus status, const QString &note, QObject *context, Callback<void> done);
    ConsulCall agentCheckUpdate(const QString &checkId, Consul::CheckStatus status, const QString &output,
        QObject *context, Callback<void> done);

    // Transactions: a 409 (some op failed, nothing applied) is an answer with committed == false.
    ConsulCall txn(const QList<Consul::TxnOp> &ops, const Consul::WriteOptions &options, QObject *context,
        Callback<Consul::TxnResult> done);

    // Low level: one exchange with the client's address, token, TLS, timeouts and body cap. Any HTTP status is
    // a reply. ConsulWatcher and the budget reader are built on this.
    ConsulCall send(ConsulHttpRequest request, QObject *context, RawCallback done);
    // Like send(), in two steps: `work` turns the raw result into a value and `finish` delivers it. For bodies of
    // at least config().offThreadDecodeBytes `work` runs on a QThreadPool thread (so it may only use what it
    // captured by value); `finish` always runs in the client's thread. The typed calls and the watcher use this
    // so that decoding a large answer never stalls the caller's thread.
    ConsulCall sendProcessed(ConsulHttpRequest request, QObject *context, Work work, Finish finish);

    // Adds the query options as parameters (index, wait, consistency, dc, filter, tag, passing).
    void addQueryOptions(ConsulHttpRequest &request, const Consul::QueryOptions &options) const;
    // How long send() waits for this request: the config's timeout, or wait + wait/16 + grace when blocking.
    qint64 timeoutFor(const ConsulHttpRequest &request) const;

    // Turns a non-2xx reply into an Error with Consul's message (single line, bounded, token scrubbed).
    Error httpError(const ConsulRawReply &reply) const;
    // The same, usable off the client's thread: `token` is scrubbed from the message.
    static Error httpErrorFrom(const ConsulRawReply &reply, const QString &token);

    // "/v1/kv/" + the key percent-encoded with '/' kept.
    static QByteArray kvPath(const QString &key);
    // One path segment (service, node, session, check ID), fully percent-encoded.
    static QByteArray segment(const QString &text);

private:
    enum class NotFound
    {
        IsError,
        IsNull,
        IsEmptyList
    };

    template<typename T, typename Decode>
    ConsulCall typed(ConsulHttpRequest request, NotFound notFound, Decode decode, QObject *context, Callback<T> done);
    ConsulCall noContent(ConsulHttpRequest request, QObject *context, Callback<void> done);
    template<typename T> ConsulCall failed(Error error, QObject *context, Callback<T> done);
    void addWriteOptions(ConsulHttpRequest &request, const Consul::WriteOptions &options) const;
    ConsulRequest *newRequest(QObject *context, Work work, Finish finish, qint64 offThreadBytes);
    ConsulCall start(ConsulRequest *r, ConsulHttpRequest request);

    ConsulConfig m_config;
    std::optional<Error> m_configError;
    QSslConfiguration m_ssl;
    QNetworkAccessManager *m_nam = nullptr;
    QSet<ConsulRequest *> m_requests;
};

} // namespace Baton
