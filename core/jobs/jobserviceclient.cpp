#include "core/jobs/jobserviceclient.h"

#include "core/base/redaction.h"
#include "core/domain/jobcodec.h"
#include "core/jobs/jobslogging.h"
#include "core/net/tlsconfig.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslError>
#include <QTimer>

namespace Baton {

namespace {

const char *kAbortReason = "batonAbortReason";
const char *kSslErrors = "batonSslErrors";

QByteArray dump(const nlohmann::json &j)
{
    const std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return QByteArray(s.data(), qsizetype(s.size()));
}

QString joinPath(QString base, const QString &path)
{
    while (base.endsWith(u'/'))
        base.chop(1);
    return base + path;
}

QString hostOf(const QUrl &url)
{
    return url.port() > 0 ? QStringLiteral("%1:%2").arg(url.host()).arg(url.port()) : url.host();
}

} // namespace

JobServiceClient::JobServiceClient(QObject *parent)
    : QObject(parent)
    , m_nam(new QNetworkAccessManager(this))
{
    // Redirects are refused rather than followed: following one would send the bearer token to wherever the
    // Location header points.
    m_nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

JobServiceClient::~JobServiceClient()
{
    // Callbacks must not run into a half-destroyed owner: drop them without calling.
    ++m_generation;
    const auto replies = m_inFlight.keys();
    for (QNetworkReply *r : replies) {
        r->disconnect(this);
        r->abort();
        r->deleteLater();
    }
}

Result<void> JobServiceClient::configure(const JobServiceConfig &config)
{
    if (!config.baseUrl.isEmpty()) {
        const QString scheme = config.baseUrl.scheme();
        if (!config.baseUrl.isValid() || (scheme != u"http" && scheme != u"https") || config.baseUrl.host().isEmpty())
            return fail(Error::Kind::InvalidInput,
                QStringLiteral("job service URL \"%1\" is not an http(s) URL")
                    .arg(Redaction::redactUrl(config.baseUrl.toString())));
    }
    BATON_TRY(ssl, TlsConfig::withCaFile(config.caFile));
    abortAll();
    ++m_generation;
    m_config = config;
    m_ssl = ssl;
    qCInfo(lcJobs) << "job service:" << Redaction::redactUrl(config.baseUrl.toString())
                   << (config.token.isEmpty() ? "without a token" : "with a token")
                   << (config.caFile.isEmpty() ? "" : "CA file") << config.caFile;
    return {};
}

void JobServiceClient::abortAll()
{
    const auto replies = m_inFlight.keys();
    for (QNetworkReply *r : replies) {
        r->setProperty(kAbortReason, QStringLiteral("cancelled"));
        r->abort();
    }
}

Error JobServiceClient::errorFor(QNetworkReply *reply, int status, const QByteArray &body, const QString &what) const
{
    const QString host = hostOf(m_config.baseUrl);
    const QString abortReason = reply->property(kAbortReason).toString();
    if (abortReason == u"cancelled")
        return Error::make(Error::Kind::Cancelled, QStringLiteral("%1: cancelled").arg(what));
    if (abortReason == u"deadline")
        return Error::make(Error::Kind::Timeout,
            QStringLiteral("cannot %1: the job service at %2 did not finish answering within %3 s")
                .arg(what, host)
                .arg(m_config.deadlineMs / 1000));
    if (abortReason == u"too-large")
        return Error::make(Error::Kind::TooLarge,
            QStringLiteral("cannot %1: the answer from %2 is larger than %3 MiB")
                .arg(what, host)
                .arg(m_config.maxBodyBytes / (1024 * 1024)));
    const QString server = JobsApi::errorMessage(body);
    if (status == 401) {
        return Error::make(Error::Kind::Unauthorized,
            QStringLiteral("The job service at %1 rejected the token%2. Set a valid token for this "
                           "profile.")
                .arg(host, server.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(server)),
            401);
    }
    if (status == 403) {
        return Error::make(Error::Kind::Forbidden,
            QStringLiteral("Not allowed to %1: the token's role may not do this%2.")
                .arg(what, server.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(server)),
            403);
    }
    if (status >= 300 && status < 400) {
        const QString location = QString::fromUtf8(reply->rawHeader("Location")).left(200);
        return Error::make(Error::Kind::Http,
            QStringLiteral("The job service redirects to %1; put that address in the profile.")
                .arg(location.isEmpty() ? QStringLiteral("another address") : location),
            status);
    }
    if (status > 0) {
        Error e = Error::fromHttpStatus(status, QString());
        const QString reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString().left(80);
        e.message = QStringLiteral("cannot %1: %2").arg(what, server.isEmpty() ? reason : server);
        return e;
    }

    switch (reply->error()) {
    case QNetworkReply::ConnectionRefusedError:
        return Error::make(Error::Kind::Network,
            QStringLiteral("cannot %1: connection to %2 refused (is the job service running?)").arg(what, host));
    case QNetworkReply::HostNotFoundError:
        return Error::make(Error::Kind::Network, QStringLiteral("cannot %1: host %2 not found").arg(what, host));
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError: // Qt's transfer timeout aborts the reply
        return Error::make(Error::Kind::Timeout,
            QStringLiteral("cannot %1: no answer from %2 for %3 s")
                .arg(what, host)
                .arg(m_config.transferTimeoutMs / 1000));
    case QNetworkReply::SslHandshakeFailedError: {
        const QString ssl = reply->property(kSslErrors).toString();
        return Error::make(Error::Kind::Network,
            QStringLiteral("cannot %1: TLS with %2 failed%3")
                .arg(what, host, ssl.isEmpty() ? QString() : QStringLiteral(": ") + ssl));
    }
    case QNetworkReply::RemoteHostClosedError:
        return Error::make(Error::Kind::Network,
            QStringLiteral("cannot %1: %2 closed the connection before answering").arg(what, host));
    default:
        return Error::make(Error::Kind::Network, QStringLiteral("cannot %1: %2").arg(what, reply->errorString()));
    }
}

QNetworkReply *JobServiceClient::send(const QByteArray &verb, const QString &path, const QUrlQuery &query,
    const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &extraHeaders, const QString &what,
    QObject *context, RawCallback done)
{
    const QPointer<QObject> guard(context);
    const bool hasContext = context != nullptr;
    if (!isConfigured()) {
        QTimer::singleShot(0, this, [guard, hasContext, done = std::move(done), what] {
            if (hasContext && !guard)
                return;
            done(fail(Error::Kind::InvalidInput,
                QStringLiteral("cannot %1: no job service address is configured").arg(what)));
        });
        return nullptr;
    }

    QUrl url = m_config.baseUrl;
    url.setPath(joinPath(url.path(), path));
    if (!query.isEmpty())
        url.setQuery(query);
    QNetworkRequest request(url);
    request.setRawHeader("Accept", "application/json");
    request.setRawHeader("User-Agent", "baton-console");
    if (!m_config.token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_config.token);
    for (const auto &h : extraHeaders)
        request.setRawHeader(h.first, h.second);
    if (verb == "POST" || verb == "PUT")
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setTransferTimeout(m_config.transferTimeoutMs);
    if (url.scheme() == u"https")
        request.setSslConfiguration(m_ssl);

    qCDebug(lcJobs).noquote() << verb << Redaction::redactUrl(url.toString());
    QNetworkReply *reply = m_nam->sendCustomRequest(request, verb, body);
    const quint64 generation = m_generation;
    m_inFlight.insert(reply, generation);
    auto *elapsed = new QElapsedTimer;
    elapsed->start();

    // A server trickling bytes defeats the transfer timeout; the deadline bounds the whole request.
    auto *deadline = new QTimer(reply);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, reply, [reply] {
        reply->setProperty(kAbortReason, QStringLiteral("deadline"));
        reply->abort();
    });
    deadline->start(m_config.deadlineMs);

    const qint64 maxBytes = m_config.maxBodyBytes;
    connect(reply, &QNetworkReply::downloadProgress, reply, [reply, maxBytes](qint64 received, qint64 total) {
        if (received > maxBytes || total > maxBytes) {
            reply->setProperty(kAbortReason, QStringLiteral("too-large"));
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::sslErrors, reply, [reply](const QList<QSslError> &errors) {
        QStringList texts;
        for (const QSslError &e : errors)
            texts << e.errorString();
        reply->setProperty(kSslErrors, texts.join(QStringLiteral("; ")));
    });
    connect(reply, &QNetworkReply::finished, this,
        [this, reply, generation, guard, hasContext, what, elapsed, done = std::move(done)] {
            const qint64 latency = elapsed->elapsed();
            delete elapsed;
            m_inFlight.remove(reply);
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            Result<Raw> result;
            if (generation != m_generation) {
                result = fail(Error::Kind::Cancelled, QStringLiteral("%1: the profile changed").arg(what));
            } else if (status >= 200 && status < 300 && reply->error() == QNetworkReply::NoError
                && reply->bytesAvailable() > m_config.maxBodyBytes) {
                reply->setProperty(kAbortReason, QStringLiteral("too-large"));
                result = fail(errorFor(reply, status, {}, what));
            } else if (status >= 200 && status < 300 && reply->error() == QNetworkReply::NoError) {
                Raw raw;
                raw.status = status;
                raw.body = reply->readAll();
                raw.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
                raw.eventSeq = reply->rawHeader("X-Baton-Event-Seq").toULongLong();
                result = std::move(raw);
            } else {
                const QByteArray errorBody = status > 0 && reply->isOpen() ? reply->read(64 * 1024) : QByteArray();
                result = fail(errorFor(reply, status, errorBody, what));
            }
            if (generation == m_generation) {
                const bool reachable = status > 0 && status < 500;
                const Error err = result ? Error {} : result.error();
                if (!result && err.kind != Error::Kind::Cancelled)
                    qCInfo(lcJobs).noquote() << err.toString();
                if (result || err.kind != Error::Kind::Cancelled)
                    Q_EMIT requestFinished(what, latency, reachable, err);
            }
            if (hasContext && !guard)
                return;
            done(std::move(result));
        });
    return reply;
}

template<typename T>
void JobServiceClient::sendJson(const QByteArray &verb, const QString &path, const QUrlQuery &query,
    const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &headers, const QString &what, QObject *context,
    Callback<T> done, std::function<Result<T>(const Raw &)> decode)
{
    send(verb, path, query, body, headers, what, context,
        [done = std::move(done), decode = std::move(decode), what](Result<Raw> raw) {
            if (!raw) {
                done(fail(raw.error()));
                return;
            }
            Result<T> value = decode(*raw);
            if (!value) {
                Error e = value.error();
                e.message = QStringLiteral("cannot %1: the answer is malformed: %2").arg(what, e.message);
                done(fail(std::move(e)));
                return;
            }
            done(std::move(value));
        });
}

void JobServiceClient::health(QObject *context, Callback<ServiceHealth> done)
{
    sendJson<ServiceHealth>("GET", QStringLiteral("/v1/health"), {}, {}, {}, QStringLiteral("check the job service"),
        context, std::move(done), [](const Raw &r) { return JobsApi::decodeHealth(r.body); });
}

void JobServiceClient::playbooks(QObject *context, Callback<QList<PlaybookInfo>> done)
{
    sendJson<QList<PlaybookInfo>>("GET", QStringLiteral("/v1/playbooks"), {}, {}, {}, QStringLiteral("list playbooks"),
        context, std::move(done), [](const Raw &r) { return JobsApi::decodePlaybooks(r.body); });
}

void JobServiceClient::listJobs(const JobQuery &query, QObject *context, Callback<JobPage> done)
{
    sendJson<JobPage>("GET", QStringLiteral("/v1/jobs"), query.toUrlQuery(), {}, {}, QStringLiteral("list jobs"),
        context, std::move(done), [](const Raw &r) { return JobsApi::decodeJobPage(r.body); });
}

void JobServiceClient::job(qint64 id, QObject *context, Callback<Job> done)
{
    sendJson<Job>("GET", QStringLiteral("/v1/jobs/%1").arg(id), {}, {}, {}, QStringLiteral("load job %1").arg(id),
        context, std::move(done), [](const Raw &r) { return JobsApi::decodeJob(r.body); });
}

void JobServiceClient::jobSnapshot(qint64 id, QObject *context, Callback<JobSnapshot> done)
{
    sendJson<JobSnapshot>("GET", QStringLiteral("/v1/jobs/%1").arg(id), {}, {}, {},
        QStringLiteral("load job %1").arg(id), context, std::move(done), [](const Raw &r) -> Result<JobSnapshot> {
            BATON_TRY(job, JobsApi::decodeJob(r.body));
            return JobSnapshot { std::move(job), r.eventSeq };
        });
}

void JobServiceClient::launch(const JobSpec &spec, const QString &idempotencyKey, QObject *context, Callback<Job> done)
{
    QList<QPair<QByteArray, QByteArray>> headers;
    if (!idempotencyKey.isEmpty())
        headers.append({ QByteArrayLiteral("Idempotency-Key"), idempotencyKey.toUtf8() });
    sendJson<Job>("POST", QStringLiteral("/v1/jobs"), {}, dump(JobCodec::toJson(spec)), headers,
        QStringLiteral("launch %1").arg(spec.playbook), context, std::move(done),
        [](const Raw &r) { return JobsApi::decodeJob(r.body); });
}

void JobServiceClient::cancelJob(qint64 id, JobCancelMode mode, QObject *context, Callback<Job> done)
{
    sendJson<Job>("POST", QStringLiteral("/v1/jobs/%1/cancel").arg(id), {}, dump(JobsApi::jobCancelBody(mode)), {},
        QStringLiteral("cancel job %1").arg(id), context, std::move(done),
        [](const Raw &r) { return JobsApi::decodeJob(r.body); });
}

void JobServiceClient::cancelNode(
    qint64 id, const QString &node, NodeCancelMode mode, QObject *context, Callback<Job> done)
{
    const QString path
        = QStringLiteral("/v1/jobs/%1/nodes/%2/cancel").arg(id).arg(QString::fromLatin1(QUrl::toPercentEncoding(node)));
    sendJson<Job>("POST", path, {}, dump(JobsApi::nodeCancelBody(mode)), {},
        QStringLiteral("cancel %1 in job %2").arg(node).arg(id), context, std::move(done),
        [](const Raw &r) { return JobsApi::decodeJob(r.body); });
}

void JobServiceClient::relaunch(qint64 id, const QStringList &nodes, QObject *context, Callback<Job> done)
{
    sendJson<Job>("POST", QStringLiteral("/v1/jobs/%1/relaunch").arg(id), {}, dump(JobsApi::relaunchBody(nodes)), {},
        QStringLiteral("relaunch job %1").arg(id), context, std::move(done),
        [](const Raw &r) { return JobsApi::decodeJob(r.body); });
}

void JobServiceClient::nodeLog(qint64 id, const QString &node, qint64 offset, QObject *context, Callback<LogChunk> done)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("offset"), QString::number(std::max<qint64>(0, offset)));
    const QString path
        = QStringLiteral("/v1/jobs/%1/nodes/%2/log").arg(id).arg(QString::fromLatin1(QUrl::toPercentEncoding(node)));
    sendJson<LogChunk>("GET", path, q, {}, {}, QStringLiteral("load the log of %1").arg(node), context, std::move(done),
        [offset](const Raw &r) { return JobsApi::decodeLog(r.body, r.contentType, offset); });
}

void JobServiceClient::releaseNode(const QString &node, QObject *context, Callback<bool> done)
{
    const QString path = QStringLiteral("/v1/nodes/%1/release").arg(QString::fromLatin1(QUrl::toPercentEncoding(node)));
    sendJson<bool>("POST", path, {}, QByteArrayLiteral("{}"), {}, QStringLiteral("release %1").arg(node), context,
        std::move(done), [](const Raw &) -> Result<bool> { return true; });
}

} // namespace Baton
