#include "core/consul/consulclient.h"

#include "core/base/boundedjson.h"
#include "core/base/redaction.h"
#include "core/consul/consuldecode.h"
#include "core/consul/consulencode.h"
#include "core/consul/consullogging.h"
#include "core/consul/consulrequest.h"
#include "core/net/tlsconfig.h"

#include <QCoreApplication>
#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QUrl>

namespace Baton {

using nlohmann::json;

namespace {

constexpr qint64 kDefaultWaitMs = 5 * 60 * 1000; // Consul's default_query_time
constexpr qint64 kMaxWaitMs = 10 * 60 * 1000; // Consul's max_query_time
constexpr int kMaxErrorMessage = 512;

Error invalid(const QString &message)
{
    return Error::make(Error::Kind::InvalidInput, message);
}

Error withContext(const ConsulHttpRequest &request, const Error &e)
{
    return Error::make(e.kind,
        QStringLiteral("%1 %2: %3")
            .arg(QString::fromLatin1(request.method), QString::fromUtf8(request.path), e.message),
        e.httpStatus);
}

bool isSuccess(int status)
{
    return status >= 200 && status <= 299;
}

} // namespace

ConsulClient::ConsulClient(ConsulConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_nam(new QNetworkAccessManager(this))
{
    m_nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    if (auto valid = m_config.validate(); !valid) {
        m_configError = valid.error();
    } else if (!m_config.caFile.isEmpty() || m_config.address.scheme() == u"https") {
        // Load the CA file even for plain http so a mistyped path is reported instead of silently ignored.
        auto ssl = TlsConfig::withCaFile(m_config.caFile);
        if (!ssl)
            m_configError = ssl.error();
        else
            m_ssl = *ssl;
    }
    if (m_configError)
        qCWarning(lcConsul).noquote() << "Consul client configuration unusable:" << m_configError->toString();
}

ConsulClient::~ConsulClient()
{
    // Detach every call while the network manager still exists; a call whose callback is running right now
    // (the callback is what destroys us) is deleted later instead of under its own feet.
    const QSet<ConsulRequest *> requests = m_requests;
    m_requests.clear();
    for (ConsulRequest *r : requests)
        r->detachFromClient();
}

QByteArray ConsulClient::kvPath(const QString &key)
{
    return QByteArrayLiteral("/v1/kv/") + QUrl::toPercentEncoding(key, QByteArrayLiteral("/"));
}

QByteArray ConsulClient::segment(const QString &text)
{
    return QUrl::toPercentEncoding(text);
}

void ConsulClient::addQueryOptions(ConsulHttpRequest &request, const Consul::QueryOptions &options) const
{
    if (options.index > 0) {
        request.addParam("index", QByteArray::number(options.index));
        if (options.waitMs > 0)
            request.addParam("wait", QByteArray::number(std::min(options.waitMs, kMaxWaitMs)) + "ms");
    }
    switch (options.consistency) {
    case Consul::Consistency::Consistent:
        request.addFlag("consistent");
        break;
    case Consul::Consistency::Stale:
        request.addFlag("stale");
        break;
    case Consul::Consistency::Default:
        break;
    }
    const QString dc = options.datacenter.isEmpty() ? m_config.datacenter : options.datacenter;
    if (!dc.isEmpty())
        request.addParam("dc", dc.toUtf8());
    if (!options.filter.isEmpty())
        request.addParam("filter", options.filter.toUtf8());
    for (const QString &tag : options.tags)
        request.addParam("tag", tag.toUtf8());
    if (options.passingOnly)
        request.addFlag("passing");
}

void ConsulClient::addWriteOptions(ConsulHttpRequest &request, const Consul::WriteOptions &options) const
{
    const QString dc = options.datacenter.isEmpty() ? m_config.datacenter : options.datacenter;
    if (!dc.isEmpty())
        request.addParam("dc", dc.toUtf8());
}

qint64 ConsulClient::timeoutFor(const ConsulHttpRequest &request) const
{
    if (request.timeoutMs > 0)
        return request.timeoutMs;
    const QByteArray index = request.param("index");
    if (index.isEmpty() || index == "0")
        return m_config.requestTimeoutMs;
    qint64 wait = kDefaultWaitMs;
    if (request.hasParam("wait")) {
        const auto ms = Consul::parseGoDurationMs(QString::fromLatin1(request.param("wait")));
        if (ms && *ms > 0)
            wait = std::min(*ms, kMaxWaitMs);
    }
    // The server may hold a blocking query for wait plus up to wait/16 of jitter before answering.
    return wait + wait / 16 + m_config.blockingGraceMs;
}

Error ConsulClient::httpError(const ConsulRawReply &reply) const
{
    return httpErrorFrom(reply, m_config.token);
}

Error ConsulClient::httpErrorFrom(const ConsulRawReply &reply, const QString &token)
{
    QString message = QString::fromUtf8(reply.body.left(kMaxErrorMessage * 4)).left(kMaxErrorMessage);
    for (QChar &c : message) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            c = u' ';
    }
    message = message.trimmed();
    // A misbehaving server or proxy could echo our token back; it must not reach a log through an Error.
    if (token.size() >= 4)
        message.replace(token, QStringLiteral("<redacted>"));
    if (message.isEmpty())
        message = QStringLiteral("HTTP status %1 with an empty body").arg(reply.status);
    return Error::fromHttpStatus(reply.status, message);
}

ConsulRequest *ConsulClient::newRequest(QObject *context, Work work, Finish finish, qint64 offThreadBytes)
{
    auto *request
        = new ConsulRequest(context ? context : this, std::move(work), std::move(finish), offThreadBytes, this);
    m_requests.insert(request);
    connect(request, &QObject::destroyed, this, [this, request] { m_requests.remove(request); });
    return request;
}

ConsulCall ConsulClient::send(ConsulHttpRequest request, QObject *context, RawCallback done)
{
    // Raw replies need no decoding: never off-thread.
    ConsulRequest *r = newRequest(
        context, [](Result<ConsulRawReply> raw) { return std::make_shared<Result<ConsulRawReply>>(std::move(raw)); },
        [done = std::move(done)](
            std::shared_ptr<void> value) { done(std::move(*std::static_pointer_cast<Result<ConsulRawReply>>(value))); },
        0);
    return start(r, std::move(request));
}

ConsulCall ConsulClient::sendProcessed(ConsulHttpRequest request, QObject *context, Work work, Finish finish)
{
    ConsulRequest *r = newRequest(context, std::move(work), std::move(finish), m_config.offThreadDecodeBytes);
    return start(r, std::move(request));
}

ConsulCall ConsulClient::start(ConsulRequest *r, ConsulHttpRequest request)
{
    if (m_configError) {
        r->failSoon(*m_configError);
        return ConsulCall(r);
    }
    QByteArray encoded = m_config.address.toEncoded(
        QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::StripTrailingSlash);
    encoded += request.path;
    if (!request.query.isEmpty())
        encoded += '?' + request.encodedQuery();
    const QUrl url = QUrl::fromEncoded(encoded, QUrl::StrictMode);
    if (!url.isValid()) {
        r->failSoon(invalid(QStringLiteral("cannot build a valid URL for %1").arg(QString::fromUtf8(request.path))));
        return ConsulCall(r);
    }
    QNetworkRequest nr(url);
    nr.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    nr.setHeader(QNetworkRequest::UserAgentHeader,
        QByteArrayLiteral("baton/") + QCoreApplication::applicationVersion().toLatin1());
    if (!m_config.token.isEmpty())
        nr.setRawHeader("X-Consul-Token", m_config.token.toLatin1());
    if (!request.body.isEmpty() || request.method == "PUT")
        nr.setHeader(QNetworkRequest::ContentTypeHeader,
            request.contentType.isEmpty() ? QByteArrayLiteral("application/json") : request.contentType);
    if (url.scheme() == u"https")
        nr.setSslConfiguration(m_ssl);
    const qint64 timeout = timeoutFor(request);
    qCDebug(lcConsul).noquote() << request.method << Redaction::redactUrl(url.toString()) << "timeout" << timeout
                                << "ms";
    r->start(m_nam, nr, request.method, request.body, timeout, m_config.maxBodyBytes);
    return ConsulCall(r);
}

template<typename T> ConsulCall ConsulClient::failed(Error error, QObject *context, Callback<T> done)
{
    ConsulRequest *r = newRequest(
        context,
        [](Result<ConsulRawReply> raw) {
            auto reply = std::make_shared<ConsulReply<T>>();
            reply->result
                = fail(raw ? Error::make(Error::Kind::Internal, QStringLiteral("unexpected reply")) : raw.error());
            return std::shared_ptr<void>(reply);
        },
        [done = std::move(done)](
            std::shared_ptr<void> value) { done(std::move(*std::static_pointer_cast<ConsulReply<T>>(value))); },
        0);
    r->failSoon(std::move(error));
    return ConsulCall(r);
}

namespace {

// Everything a decode step needs, captured by value so it can run on a worker thread.
struct DecodeContext
{
    QByteArray method;
    QByteArray path;
    JsonLimits limits;
    QString token;
};

} // namespace

template<typename T, typename Decode>
ConsulCall ConsulClient::typed(
    ConsulHttpRequest request, NotFound notFound, Decode decode, QObject *context, Callback<T> done)
{
    const DecodeContext ctx { request.method, request.path, m_config.jsonLimits, m_config.token };
    const ConsulHttpRequest described { request.method, request.path, {}, {}, {}, 0 };
    Work work = [ctx, described, notFound, decode](Result<ConsulRawReply> raw) -> std::shared_ptr<void> {
        auto reply = std::make_shared<ConsulReply<T>>();
        if (!raw) {
            reply->result = fail(withContext(described, raw.error()));
            return reply;
        }
        reply->meta = raw->meta;
        if (raw->status == 404 && notFound != NotFound::IsError) {
            const json empty = notFound == NotFound::IsNull ? json(nullptr) : json::array();
            reply->result = decode(empty);
        } else if (!isSuccess(raw->status)) {
            reply->result = fail(httpErrorFrom(*raw, ctx.token));
        } else {
            auto doc = parseJsonBounded(raw->body, ctx.limits);
            if (doc)
                reply->result = decode(*doc);
            else
                reply->result = fail(doc.error());
            if (!reply->result)
                reply->result = fail(withContext(described, reply->result.error()));
        }
        return reply;
    };
    Finish finish = [done = std::move(done)](std::shared_ptr<void> value) {
        done(std::move(*std::static_pointer_cast<ConsulReply<T>>(value)));
    };
    return sendProcessed(std::move(request), context, std::move(work), std::move(finish));
}

ConsulCall ConsulClient::noContent(ConsulHttpRequest request, QObject *context, Callback<void> done)
{
    const ConsulHttpRequest described { request.method, request.path, {}, {}, {}, 0 };
    const QString token = m_config.token;
    return send(std::move(request), context, [described, token, done = std::move(done)](Result<ConsulRawReply> raw) {
        ConsulReply<void> reply;
        if (!raw) {
            reply.result = fail(withContext(described, raw.error()));
        } else {
            reply.meta = raw->meta;
            if (!isSuccess(raw->status))
                reply.result = fail(httpErrorFrom(*raw, token));
        }
        done(std::move(reply));
    });
}

// ---- Catalog

ConsulCall ConsulClient::catalogServices(
    const Consul::QueryOptions &options, QObject *context, Callback<Consul::CatalogServices> done)
{
    ConsulHttpRequest r;
    r.path = "/v1/catalog/services";
    addQueryOptions(r, options);
    return typed<Consul::CatalogServices>(
        std::move(r), NotFound::IsError, ConsulDecode::catalogServices, context, std::move(done));
}

ConsulCall ConsulClient::catalogService(const QString &service, const Consul::QueryOptions &options, QObject *context,
    Callback<QList<Consul::CatalogService>> done)
{
    if (service.isEmpty())
        return failed<QList<Consul::CatalogService>>(
            invalid(QStringLiteral("missing service name")), context, std::move(done));
    ConsulHttpRequest r;
    r.path = "/v1/catalog/service/" + segment(service);
    addQueryOptions(r, options);
    return typed<QList<Consul::CatalogService>>(
        std::move(r), NotFound::IsError, ConsulDecode::catalogService, context, std::move(done));
}

ConsulCall ConsulClient::catalogNodes(
    const Consul::QueryOptions &options, QObject *context, Callback<QList<Consul::Node>> done)
{
    ConsulHttpRequest r;
    r.path = "/v1/catalog/nodes";
    addQueryOptions(r, options);
    return typed<QList<Consul::Node>>(
        std::move(r), NotFound::IsError, ConsulDecode::catalogNodes, context, std::move(done));
}

ConsulCall ConsulClient::catalogNode(const QString &node, const Consul::QueryOptions &options, QObject *context,
    Callback<std::optional<Consul::CatalogNode>> done)
{
    if (node.isEmpty())
        return failed<std::optional<Consul::CatalogNode>>(
            invalid(QStringLiteral("missing node name")), context, std::move(done));
    ConsulHttpRequest r;
    r.path = "/v1/catalog/node/" + segment(node);
    addQueryOptions(r, options);
    return typed<std::optional<Consul::CatalogNode>>(
        std::move(r), NotFound::IsNull, ConsulDecode::catalogNode, context, std::move(done));
}

// ---- Health

ConsulCall ConsulClient::healthService(const QString &service, const Consul::QueryOptions &options, QObject *context,
    Callback<QList<Consul::ServiceHealth>> done)
{
    if (service.isEmpty())
        return failed<QList<Consul::ServiceHealth>>(
            invalid(QStringLiteral("missing service name")), context, std::move(done));
    ConsulHttpRequest r;
    r.path = "/v1/health/service/" + segment(service);
    addQueryOptions(r, options);
    return typed<QList<Consul::ServiceHealth>>(
        std::move(r), NotFound::IsError, ConsulDecode::healthService, context, std::move(done));
}

ConsulCall ConsulClient::healthNode(const QString &node, const Consul::QueryOptions &options, QObject *context,
    Callback<QList<Consul::HealthCheck>> done)
{
    if (node.isEmpty())
        return failed<QList<Consul::HealthCheck>>(
            invalid(QStringLiteral("missing node name")), context, std::move(done));
    ConsulHttpRequest r;
    r.path = "/v1/health/node/" + segment(node);
    addQueryOptions(r, options);
    return typed<QList<Consul::HealthCheck>>(
        std::move(r), NotFound::IsError, ConsulDecode::healthChecks, context, std::move(done));
}

ConsulCall ConsulClient::healthChecks(const QString &service, const Consul::QueryOptions &options, QObject *context,
    Callback<QList<Consul::HealthCheck>> done)
{
    if (service.isEmpty())
        return failed<QList<Consul::HealthCheck>>(
            invalid(QStringLiteral("missing service name")), context, std::move(done));
    ConsulHttpRequest r;
    r.path = "/v1/health/checks/" + segment(service);
    addQueryOptions(r, options);
    return typed<QList<Consul::HealthCheck>>(
        std::move(r), NotFound::IsError, ConsulDecode::healthChecks, context, std::move(done));
}

ConsulCall ConsulClient::healthState(std::optional<Consul::CheckStatus> state, const Consul::QueryOptions &options,
    QObject *context, Callback<QList<Consul::HealthCheck>> done)
{
    if (state && *state == Consul::CheckStatus::Unknown)
        return failed<QList<Consul::HealthCheck>>(invalid(QStringLiteral("health state must be any, passing, "
                                                                         "warning or critical")),
            context, std::move(done));
    ConsulHttpRequest r;
    r.path = "/v1/health/state/" + (state ? Consul::checkStatusToWire(*state).toLatin1() : QByteArrayLiteral("any"));
    addQueryOptions(r, options);
    return typed<QList<Consul::HealthCheck>>(
        std::move(r), NotFound::IsError, ConsulDecode::healthChecks, context, std::move(done));
}

// ---- KV

namespace {

// Consul's Go client strips a leading '/' from keys it reads and refuses one on writes.
QString readKey(const QString &key)
{
    return key.startsWith(u'/') ? key.mid(1) : key;
}

std::optional<Error> writeKeyProblem(const QString &key, bool emptyAllowed)
{
    if (key.isEmpty() && !emptyAllowed)
        return invalid(QStringLiteral("missing key name"));
    if (key.startsWith(u'/'))
        return invalid(QStringLiteral("invalid key \"%1\": keys must not begin with '/'").arg(key.left(200)));
    return std::nullopt;
}

} // namespace

ConsulCall ConsulClient::kvGet(const QString &key, const Consul::QueryOptions &options, QObject *context,
    Callback<std::optional<Consul::KvEntry>> done)
{
    const QString k = readKey(key);
    if (k.isEmpty())
        return failed<std::optional<Consul::KvEntry>>(
            invalid(QStringLiteral("missing key name")), context, std::move(done));
    ConsulHttpRequest r;
    r.path = kvPath(k);
    addQueryOptions(r, options);
    return typed<std::optional<Consul::KvEntry>>(
        std::move(r), NotFound::IsNull, ConsulDecode::kvSingle, context, std::move(done));
}

ConsulCall ConsulClient::kvList(
    const QString &prefix, const Consul::QueryOptions &options, QObject *context, Callback<QList<Consul::KvEntry>> done)
{
    ConsulHttpRequest r;
    r.path = kvPath(readKey(prefix));
    r.addFlag("recurse");
    addQueryOptions(r, options);
    return typed<QList<Consul::KvEntry>>(
        std::move(r), NotFound::IsEmptyList, ConsulDecode::kvEntries, context, std::move(done));
}

ConsulCall ConsulClient::kvKeys(const QString &prefix, const QString &separator, const Consul::QueryOptions &options,
    QObject *context, Callback<QStringList> done)
{
    ConsulHttpRequest r;
    r.path = kvPath(readKey(prefix));
    r.addFlag("keys");
    if (!separator.isEmpty())
        r.addParam("separator", separator.toUtf8());
    addQueryOptions(r, options);
    return typed<QStringList>(std::move(r), NotFound::IsEmptyList, ConsulDecode::kvKeys, context, std::move(done));
}

ConsulCall ConsulClient::kvPut(const QString &key, const QByteArray &value, const Consul::KvPutOptions &put,
    const Consul::WriteOptions &options, QObject *context, Callback<bool> done)
{
    if (auto problem = writeKeyProblem(key, false))
        return failed<bool>(*problem, context, std::move(done));
    const int conditions = int(put.cas.has_value()) + int(!put.acquire.isEmpty()) + int(!put.release.isEmpty());
    if (conditions > 1)
        return failed<bool>(invalid(QStringLiteral("conflicting flags: use at most one of cas, acquire and release")),
            context, std::move(done));
    ConsulHttpRequest r;
    r.method = "PUT";
    r.path = kvPath(key);
    r.body = value;
    r.contentType = "application/octet-stream";
    if (put.flags != 0)
        r.addParam("flags", QByteArray::number(put.flags));
    if (put.cas)
        r.addParam("cas", QByteArray::number(*put.cas));
    if (!put.acquire.isEmpty())
        r.addParam("acquire", put.acquire.toUtf8());
    if (!put.release.isEmpty())
        r.addParam("release", put.release.toUtf8());
    addWriteOptions(r, options);
    return typed<bool>(std::move(r), NotFound::IsError, ConsulDecode::boolean, context, std::move(done));
}

ConsulCall ConsulClient::kvDelete(const QString &key, const Consul::KvDeleteOptions &del,
    const Consul::WriteOptions &options, QObject *context, Callback<bool> done)
{
    if (auto problem = writeKeyProblem(key, del.recurse))
        return failed<bool>(*problem, context, std::move(done));
    if (del.recurse && del.cas)
        return failed<bool>(invalid(QStringLiteral("conflicting flags: cas cannot be combined with recurse")), context,
            std::move(done));
    ConsulHttpRequest r;
    r.method = "DELETE";
    r.path = kvPath(key);
    if (del.recurse)
        r.addFlag("recurse");
    if (del.cas)
        r.addParam("cas", QByteArray::number(*del.cas));
    addWriteOptions(r, options);
    return typed<bool>(std::move(r), NotFound::IsError, ConsulDecode::boolean, context, std::move(done));
}

// ---- Sessions

ConsulCall ConsulClient::sessionCreate(
    const Consul::SessionSpec &spec, const Consul::WriteOptions &options, QObject *context, Callback<QString> done)
{
    if (spec.ttlMs < 0 || (spec.lockDelayMs && *spec.lockDelayMs < 0))
        return failed<QString>(
            invalid(QStringLiteral("session TTL and lock-delay must not be negative")), context, std::move(done));
    ConsulHttpRequest r;
    r.method = "PUT";
    r.path = "/v1/session/create";
    r.body = ConsulEncode::sessionCreate(spec);
    addWriteOptions(r, options);
    return typed<QString>(std::move(r), NotFound::IsError, ConsulDecode::sessionCreated, context, std::move(done));
}

ConsulCall ConsulClient::sessionRenew(
    const QString &id, const Consul::WriteOptions &options, QObject *context, Callback<Consul::Session> done)
{
    if (id.isEmpty())
        return failed<Consul::Session>(invalid(QStringLiteral("missing session ID")), context, std::move(done));
    ConsulHttpRequest r;
    r.method = "PUT";
    r.path = "/v1/session/renew/" + segment(id);
    addWriteOptions(r, options);
    const auto decode = [id](const json &j) -> Result<Consul::Session> {
        BATON_TRY(session, ConsulDecode::sessionSingle(j));
        if (!session)
            return fail(Error::make(Error::Kind::NotFound, QStringLiteral("Session id '%1' not found").arg(id), 404));
        return *session;
    };
    return typed<Consul::Session>(std::move(r), NotFound::IsError, decode, context, std::move(done));
}

ConsulCall ConsulClient::sessionDestroy(
    const QString &id, const Consul::WriteOptions &options, QObject *context, Callback<bool> done)
{
    if (id.isEmpty())
        return failed<bool>(invalid(QStringLiteral("missing session ID")), context, std::move(done));
    ConsulHttpRequest r;
    r.method = "PUT";
    r.path = "/v1/session/destroy/" + segment(id);
    addWriteOptions(r, options);
    return typed<bool>(std::move(r), NotFound::IsError, ConsulDecode::boolean, context, std::move(done));
}

ConsulCall ConsulClient::sessionInfo(const QString &id, const Consul::QueryOptions &options, QObject *context,
    Callback<std::optional<Consul::Session>> done)
{
    if (id.isEmpty())
        return failed<std::optional<Consul::Session>>(
            invalid(QStringLiteral("missing session ID")), context, std::move(done));
    ConsulHttpRequest r;
    r.path = "/v1/session/info/" + segment(id);
    addQueryOptions(r, options);
    return typed<std::optional<Consul::Session>>(
        std::move(r), NotFound::IsNull, ConsulDecode::sessionSingle, context, std::move(done));
}

ConsulCall ConsulClient::sessionList(
    const Consul::QueryOptions &options, QObject *context, Callback<QList<Consul::Session>> done)
{
    ConsulHttpRequest r;
    r.path = "/v1/session/list";
    addQueryOptions(r, options);
    return typed<QList<Consul::Session>>(
        std::move(r), NotFound::IsError, ConsulDecode::sessions, context, std::move(done));
}

ConsulCall ConsulClient::sessionsOfNode(
    const QString &node, const Consul::QueryOptions &options, QObject *context, Callback<QList<Consul::Session>> done)
{
    if (node.isEmpty())
        return failed<QList<Consul::Session>>(invalid(QStringLiteral("missing node name")), context, std::move(done));
    ConsulHttpRequest r;
    r.path = "/v1/session/node/" + segment(node);
    addQueryOptions(r, options);
    return typed<QList<Consul::Session>>(
        std::move(r), NotFound::IsError, ConsulDecode::sessions, context, std::move(done));
}

// ---- Agent

ConsulCall ConsulClient::agentSelf(QObject *context, Callback<Consul::AgentSelf> done)
{
    ConsulHttpRequest r;
    r.path = "/v1/agent/self";
    return typed<Consul::AgentSelf>(std::move(r), NotFound::IsError, ConsulDecode::agentSelf, context, std::move(done));
}

ConsulCall ConsulClient::agentServices(
    const Consul::QueryOptions &options, QObject *context, Callback<Consul::AgentServices> done)
{
    ConsulHttpRequest r;
    r.path = "/v1/agent/services";
    if (!options.filter.isEmpty())
        r.addParam("filter", options.filter.toUtf8());
    return typed<Consul::AgentServices>(
        std::move(r), NotFound::IsError, ConsulDecode::agentServices, context, std::move(done));
}

ConsulCall ConsulClient::agentChecks(
    const Consul::QueryOptions &options, QObject *context, Callback<Consul::AgentChecks> done)
{
    ConsulHttpRequest r;
    r.path = "/v1/agent/checks";
    if (!options.filter.isEmpty())
        r.addParam("filter", options.filter.toUtf8());
    return typed<Consul::AgentChecks>(
        std::move(r), NotFound::IsError, ConsulDecode::agentChecks, context, std::move(done));
}

ConsulCall ConsulClient::agentNodeMaintenance(bool enable, const QString &reason, QObject *context, Callback<void> done)
{
    ConsulHttpRequest r;
    r.method = "PUT";
    r.path = "/v1/agent/maintenance";
    r.addParam("enable", enable ? "true" : "false");
    if (enable && !reason.isEmpty())
        r.addParam("reason", reason.toUtf8());
    return noContent(std::move(r), context, std::move(done));
}

ConsulCall ConsulClient::agentServiceMaintenance(
    const QString &serviceId, bool enable, const QString &reason, QObject *context, Callback<void> done)
{
    if (serviceId.isEmpty())
        return failed<void>(invalid(QStringLiteral("missing service ID")), context, std::move(done));
    ConsulHttpRequest r;
    r.method = "PUT";
    r.path = "/v1/agent/service/maintenance/" + segment(serviceId);
    r.addParam("enable", enable ? "true" : "false");
    if (enable && !reason.isEmpty())
        r.addParam("reason", reason.toUtf8());
    return noContent(std::move(r), context, std::move(done));
}

ConsulCall ConsulClient::agentCheckTtl(
    const QString &checkId, Consul::TtlStatus status, const QString &note, QObject *context, Callback<void> done)
{
    if (checkId.isEmpty())
        return failed<void>(invalid(QStringLiteral("missing check ID")), context, std::move(done));
    QByteArray verb = "pass";
    if (status == Consul::TtlStatus::Warn)
        verb = "warn";
    else if (status == Consul::TtlStatus::Fail)
        verb = "fail";
    ConsulHttpRequest r;
    r.method = "PUT";
    r.path = "/v1/agent/check/" + verb + '/' + segment(checkId);
    if (!note.isEmpty())
        r.addParam("note", note.toUtf8());
    return noContent(std::move(r), context, std::move(done));
}

ConsulCall ConsulClient::agentCheckUpdate(
    const QString &checkId, Consul::CheckStatus status, const QString &output, QObject *context, Callback<void> done)
{
    if (checkId.isEmpty())
        return failed<void>(invalid(QStringLiteral("missing check ID")), context, std::move(done));
    if (status == Consul::CheckStatus::Unknown)
        return failed<void>(
            invalid(QStringLiteral("check status must be passing, warning or critical")), context, std::move(done));
    ConsulHttpRequest r;
    r.method = "PUT";
    r.path = "/v1/agent/check/update/" + segment(checkId);
    r.body = ConsulEncode::checkUpdate(status, output);
    return noContent(std::move(r), context, std::move(done));
}

// ---- Transactions

ConsulCall ConsulClient::txn(const QList<Consul::TxnOp> &ops, const Consul::WriteOptions &options, QObject *context,
    Callback<Consul::TxnResult> done)
{
    if (ops.isEmpty())
        return failed<Consul::TxnResult>(
            invalid(QStringLiteral("a transaction needs at least one operation")), context, std::move(done));
    ConsulHttpRequest r;
    r.method = "PUT";
    r.path = "/v1/txn";
    r.body = ConsulEncode::txn(ops);
    addWriteOptions(r, options);
    const ConsulHttpRequest described { r.method, r.path, {}, {}, {}, 0 };
    const JsonLimits limits = m_config.jsonLimits;
    const QString token = m_config.token;
    Work work = [described, limits, token](Result<ConsulRawReply> raw) -> std::shared_ptr<void> {
        auto reply = std::make_shared<ConsulReply<Consul::TxnResult>>();
        if (!raw) {
            reply->result = fail(withContext(described, raw.error()));
            return reply;
        }
        reply->meta = raw->meta;
        // 409 carries the per-op errors in JSON: a rolled-back transaction is an answer, not a failure.
        if (isSuccess(raw->status) || raw->status == 409) {
            auto doc = parseJsonBounded(raw->body, limits);
            if (!doc)
                reply->result = fail(withContext(described, doc.error()));
            else
                reply->result = ConsulDecode::txnResult(*doc);
            if (reply->result && raw->status == 409 && reply->result->errors.isEmpty())
                reply->result = fail(Error::fromHttpStatus(409, QStringLiteral("transaction rolled back")));
            if (reply->result && isSuccess(raw->status) && !reply->result->committed)
                reply->result = fail(
                    withContext(described, Error::make(Error::Kind::Decode, QStringLiteral("errors in a 200 answer"))));
        } else {
            reply->result = fail(httpErrorFrom(*raw, token));
        }
        return reply;
    };
    Finish finish = [done = std::move(done)](std::shared_ptr<void> value) {
        done(std::move(*std::static_pointer_cast<ConsulReply<Consul::TxnResult>>(value)));
    };
    return sendProcessed(std::move(r), context, std::move(work), std::move(finish));
}

} // namespace Baton
