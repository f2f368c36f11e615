#include "core/consul/consulrequest.h"

#include "core/consul/consullogging.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThreadPool>

namespace Baton {

namespace {

// Reads a decimal uint64 header strictly: no sign, no spaces, no overflow.
bool parseUInt(const QByteArray &text, quint64 *out)
{
    if (text.isEmpty() || text.size() > 20)
        return false;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return false;
    }
    bool ok = false;
    const quint64 v = text.toULongLong(&ok, 10);
    if (!ok)
        return false;
    *out = v;
    return true;
}

Consul::Meta metaFrom(const QNetworkReply *reply, int status, qint64 elapsedMs)
{
    Consul::Meta m;
    m.httpStatus = status;
    m.elapsedMs = elapsedMs;
    quint64 index = 0;
    if (parseUInt(reply->rawHeader("X-Consul-Index").trimmed(), &index)) {
        m.hasIndex = true;
        m.index = index;
    }
    m.knownLeader = reply->rawHeader("X-Consul-KnownLeader").trimmed() == "true";
    quint64 lastContact = 0;
    if (parseUInt(reply->rawHeader("X-Consul-LastContact").trimmed(), &lastContact))
        m.lastContactMs = qint64(std::min<quint64>(lastContact, quint64(INT64_MAX)));
    m.effectiveConsistency = QString::fromLatin1(reply->rawHeader("X-Consul-Effective-Consistency").trimmed().left(32));
    return m;
}

// Whether the server answered in HTTP at all. Qt reports HTTP error statuses as content, protocol (400 is
// ProtocolInvalidOperationError) or server errors; only the network-layer codes (below 200: refused, reset,
// closed mid-body, TLS) mean there is no complete answer, even when a status line had arrived.
bool isTransportFailure(QNetworkReply::NetworkError e)
{
    const int v = int(e);
    return v > 0 && v < 200;
}

} // namespace

ConsulRequest::ConsulRequest(QObject *context, Work work, Finish finish, qint64 offThreadBytes, QObject *parent)
    : ConsulOperation(parent)
    , m_context(context)
    , m_hadContext(context != nullptr)
    , m_work(std::move(work))
    , m_finish(std::move(finish))
    , m_offThreadBytes(offThreadBytes)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ConsulRequest::onTimeout);
    if (context)
        connect(context, &QObject::destroyed, this, &ConsulRequest::abort);
}

ConsulRequest::~ConsulRequest()
{
    dropReply();
}

void ConsulRequest::start(QNetworkAccessManager *nam, const QNetworkRequest &request, const QByteArray &method,
    const QByteArray &body, qint64 timeoutMs, qint64 maxBodyBytes)
{
    m_maxBody = maxBodyBytes;
    m_elapsed.start();
    m_reply = nam->sendCustomRequest(request, method, body);
    // Throttle the download to what we read, so the body limit holds while the body is still arriving.
    m_reply->setReadBufferSize(std::min<qint64>(maxBodyBytes + 1, 1024 * 1024));
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &ConsulRequest::onMetaData);
    connect(m_reply, &QNetworkReply::readyRead, this, &ConsulRequest::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &ConsulRequest::onFinished);
    m_timer.start(int(std::clamp<qint64>(timeoutMs, 1, INT_MAX)));
}

void ConsulRequest::failSoon(Error error)
{
    complete(fail(std::move(error)));
}

void ConsulRequest::abort()
{
    if (m_aborted)
        return;
    m_aborted = true;
    m_timer.stop();
    dropReply();
    // Destroy the callback (and what it captured) now unless it is the one running.
    if (!m_delivering)
        m_finish = nullptr;
    // With off-thread work in flight the worker still posts back to us: we delete ourselves then.
    if (!m_working)
        deleteLater();
}

void ConsulRequest::detachFromClient()
{
    abort();
    if (m_delivering || m_working)
        setParent(nullptr); // deleted later, not by the dying client while its callback or work still runs
}

void ConsulRequest::dropReply()
{
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply.clear();
    disconnect(reply, nullptr, this, nullptr);
    if (!reply->isFinished())
        reply->abort();
    reply->deleteLater();
}

void ConsulRequest::onMetaData()
{
    if (!m_reply || m_completed)
        return;
    const QVariant length = m_reply->header(QNetworkRequest::ContentLengthHeader);
    if (length.isValid() && length.toLongLong() > m_maxBody) {
        const qint64 declared = length.toLongLong();
        dropReply();
        complete(fail(Error::Kind::TooLarge,
            QStringLiteral("Consul answered with %1 bytes, above the limit of %2 bytes").arg(declared).arg(m_maxBody)));
    }
}

void ConsulRequest::onReadyRead()
{
    if (!m_reply || m_completed)
        return;
    m_body += m_reply->read(m_maxBody + 1 - m_body.size());
    if (m_body.size() > m_maxBody) {
        dropReply();
        m_body.clear();
        m_body.squeeze();
        complete(fail(Error::Kind::TooLarge,
            QStringLiteral("Consul's answer passed the limit of %1 bytes while downloading").arg(m_maxBody)));
    }
}

void ConsulRequest::onFinished()
{
    if (!m_reply || m_completed)
        return;
    onReadyRead();
    if (m_completed)
        return;
    const QNetworkReply::NetworkError error = m_reply->error();
    const QVariant statusAttr = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const int status = statusAttr.isValid() ? statusAttr.toInt() : 0;
    if (status <= 0 || isTransportFailure(error)) {
        const QString what = m_reply->errorString();
        const QString where
            = m_reply->url().adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemovePath).toString();
        dropReply();
        const Error::Kind kind = error == QNetworkReply::TimeoutError ? Error::Kind::Timeout : Error::Kind::Network;
        complete(fail(kind, QStringLiteral("cannot talk to Consul at %1: %2").arg(where, what)));
        return;
    }
    ConsulRawReply raw;
    raw.status = status;
    raw.meta = metaFrom(m_reply, status, m_elapsed.elapsed());
    raw.body = std::move(m_body);
    dropReply();
    complete(std::move(raw));
}

void ConsulRequest::onTimeout()
{
    if (m_completed)
        return;
    const qint64 waited = m_elapsed.isValid() ? m_elapsed.elapsed() : 0;
    const QString where
        = m_reply ? m_reply->url().adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery).toString() : QString();
    dropReply();
    complete(
        fail(Error::Kind::Timeout, QStringLiteral("no answer from Consul within %1 ms (%2)").arg(waited).arg(where)));
}

void ConsulRequest::complete(Result<ConsulRawReply> result)
{
    if (m_completed || m_aborted)
        return;
    m_completed = true;
    m_timer.stop();
    const bool heavy = result && m_offThreadBytes > 0 && result->body.size() >= m_offThreadBytes;
    if (!heavy) {
        // Inline, but still from the event loop rather than from inside the reply's signal.
        QMetaObject::invokeMethod(
            this,
            [this, result = std::move(result)]() mutable {
                if (m_aborted || !m_work)
                    return;
                deliver(m_work(std::move(result)));
            },
            Qt::QueuedConnection);
        return;
    }
    // The worker posts its result back to this object; abort() and detachFromClient() keep it alive until then.
    m_working = true;
    QThreadPool::globalInstance()->start([this, work = m_work, result = std::move(result)]() mutable {
        std::shared_ptr<void> value = work(std::move(result));
        QMetaObject::invokeMethod(
            this,
            [this, value = std::move(value)]() mutable {
                m_working = false;
                if (m_aborted) {
                    deleteLater();
                    return;
                }
                deliver(std::move(value));
            },
            Qt::QueuedConnection);
    });
}

void ConsulRequest::deliver(std::shared_ptr<void> value)
{
    if (m_aborted)
        return;
    if (m_hadContext && !m_context) {
        abort();
        return;
    }
    Finish finish = std::move(m_finish);
    m_finish = nullptr;
    m_work = nullptr;
    m_delivering = true;
    if (finish)
        finish(std::move(value));
    m_delivering = false;
    m_aborted = true; // finished: nothing further may happen
    deleteLater();
}

} // namespace Baton
