#include "service/http/httpconnection.h"

#include "service/http/httpserver.h"
#include "service/servicelogging.h"

#include <cstring>
#include <microhttpd.h>
#include <poll.h>
#include <sys/socket.h>

#include <QSocketNotifier>

namespace Baton {

namespace {

constexpr qint64 kStreamLowWater = 64 * 1024;
// The size libmicrohttpd asks a stream for when it cannot use chunks (HTTP/1.0); with chunks it offers the
// free part of the connection's pool instead.
constexpr size_t kStreamBlock = 32 * 1024;

void freeBody(void *cls)
{
    delete static_cast<QByteArray *>(cls);
}

QByteArray trimOws(QByteArrayView v)
{
    qsizetype b = 0;
    qsizetype e = v.size();
    while (b < e && (v[b] == ' ' || v[b] == '\t'))
        ++b;
    while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t'))
        --e;
    return v.sliced(b, e - b).toByteArray();
}

struct HeaderScan
{
    QList<std::pair<QByteArray, QByteArray>> *headers;
    qint64 bytes = 0;
    int count = 0;
    bool badName = false;
    bool badValue = false;
};

MHD_Result collectHeader(void *cls, MHD_ValueKind, const char *key, size_t keySize, const char *value, size_t valueSize)
{
    auto *scan = static_cast<HeaderScan *>(cls);
    ++scan->count;
    // As on the wire: "name: value\r\n".
    scan->bytes += qint64(keySize + valueSize + 4);
    const QByteArrayView name(key, qsizetype(keySize));
    if (!isHttpToken(name))
        scan->badName = true;
    const QByteArray v = value ? trimOws(QByteArrayView(value, qsizetype(valueSize))) : QByteArray();
    for (char c : v) {
        if (c == '\0' || c == '\r' || c == '\n')
            scan->badValue = true;
    }
    scan->headers->append({ name.toByteArray().toLower(), v });
    return MHD_YES;
}

} // namespace

HttpConnection::HttpConnection(
    HttpServer *server, MHD_Connection *connection, const HttpLimits &limits, bool overCapacity)
    : QObject(server)
    , m_server(server)
    , m_mhd(connection)
    , m_limits(limits)
    , m_overCapacity(overCapacity)
{
    if (const MHD_ConnectionInfo *info = MHD_get_connection_info(m_mhd, MHD_CONNECTION_INFO_CONNECTION_FD))
        m_fd = info->connect_fd;
    if (const MHD_ConnectionInfo *info = MHD_get_connection_info(m_mhd, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) {
        if (info->client_addr)
            m_peer = QHostAddress(info->client_addr);
    }
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, &HttpConnection::onDeadline);
    armDeadline(m_limits.idleTimeoutMs);
}

HttpConnection::~HttpConnection()
{
    if (m_pending)
        MHD_destroy_response(m_pending);
}

void HttpConnection::resetRequest()
{
    m_request = HttpRequest();
    m_rawTarget.clear();
    m_bodyBytes = 0;
    m_discardedBytes = 0;
    m_tooLarge = false;
    m_answeredByUs = false;
    m_stream = false;
    m_streamEnding = false;
    m_out.clear();
    m_outOffset = 0;
    m_outBytes = 0;
    m_drainArmed = false;
    if (m_pending) {
        MHD_destroy_response(m_pending);
        m_pending = nullptr;
    }
    m_pendingIsStream = false;
}

void HttpConnection::armDeadline(int ms)
{
    if (ms > 0)
        m_deadline.start(ms);
    else
        m_deadline.stop();
}

void HttpConnection::onRequestLine(const char *rawTarget)
{
    resetRequest();
    m_phase = Phase::Head;
    m_rawTarget = rawTarget ? QByteArray(rawTarget) : QByteArray();
    m_request.received.start();
    m_request.peer = m_peer;
    m_request.tls = m_server->isTls();
    armDeadline(m_limits.headerTimeoutMs);
}

int HttpConnection::onAccess(const char *method, const char *version, const char *upload, size_t *uploadSize)
{
    if (!m_mhd)
        return MHD_NO;
    switch (m_phase) {
    case Phase::Idle:
    case Phase::Head:
        return onHead(method, version);
    case Phase::Body:
        if (uploadSize && *uploadSize > 0)
            return onBody(upload, uploadSize);
        return onFullRequest();
    case Phase::Handling:
        // Called again after a resume: the answer is ready, the client left, or (spuriously) neither.
        if (m_abort)
            return MHD_NO;
        if (m_pending)
            return queuePending();
        suspend();
        return MHD_YES;
    case Phase::Answered:
    case Phase::Streaming:
    case Phase::Closed:
        break;
    }
    if (uploadSize)
        *uploadSize = 0;
    return MHD_YES;
}

int HttpConnection::onHead(const char *method, const char *version)
{
    // The library calls this once the head is complete, before it reads any body: everything refused here is
    // refused before a body byte is buffered (and before "100 Continue" is sent).
    m_phase = Phase::Body;
    armDeadline(m_limits.bodyTimeoutMs);
    const QByteArray methodBytes(method ? method : "");
    const QByteArray versionBytes(version ? version : "");
    m_request.method = methodBytes;
    m_request.http10 = versionBytes == "HTTP/1.0";
    if (m_overCapacity)
        return refuse(503, QStringLiteral("too many open connections"));
    if (versionBytes != "HTTP/1.1" && versionBytes != "HTTP/1.0")
        return refuse(505, QStringLiteral("only HTTP/1.0 and HTTP/1.1 are supported"));
    if (!isHttpToken(methodBytes))
        return refuse(400, QStringLiteral("malformed request line"));
    if (m_rawTarget.size() + methodBytes.size() + versionBytes.size() + 2 > m_limits.maxRequestLineBytes)
        return refuse(414, QStringLiteral("request line longer than %1 bytes").arg(m_limits.maxRequestLineBytes));
    if (const QString why = m_request.setTarget(m_rawTarget); !why.isEmpty())
        return refuse(400, why);

    HeaderScan scan { &m_request.headers };
    MHD_get_connection_values_n(m_mhd, MHD_HEADER_KIND, &collectHeader, &scan);
    if (scan.count > m_limits.maxHeaderCount)
        return refuse(431, QStringLiteral("more than %1 request headers").arg(m_limits.maxHeaderCount));
    if (scan.bytes > m_limits.maxHeaderBytes)
        return refuse(431, QStringLiteral("request headers larger than %1 bytes").arg(m_limits.maxHeaderBytes));
    if (scan.badName)
        return refuse(400, QStringLiteral("malformed header line"));
    if (scan.badValue)
        return refuse(400, QStringLiteral("malformed header value"));
    if (!m_request.http10 && !m_request.hasHeader("host"))
        return refuse(400, QStringLiteral("an HTTP/1.1 request needs a Host header"));

    // Framing. libmicrohttpd reads the first Content-Length or Transfer-Encoding it finds; anything
    // ambiguous is refused here, before it reads a body byte.
    QByteArray contentLength;
    int lengthHeaders = 0;
    QList<QByteArray> codings;
    for (const auto &[k, v] : m_request.headers) {
        if (k == "content-length") {
            if (lengthHeaders > 0 && v != contentLength)
                return refuse(400, QStringLiteral("conflicting Content-Length headers"));
            contentLength = v;
            ++lengthHeaders;
        } else if (k == "transfer-encoding") {
            codings.append(v.toLower());
        }
    }
    if (!codings.isEmpty()) {
        if (lengthHeaders > 0) {
            // Both framings at once is how requests get smuggled past proxies (RFC 9112 §6.3).
            return refuse(400, QStringLiteral("Transfer-Encoding and Content-Length together are not accepted"));
        }
        if (codings.size() != 1 || codings.first() != "chunked")
            return refuse(501, QStringLiteral("only chunked transfer coding is supported"));
    } else if (lengthHeaders > 0) {
        for (char c : contentLength) {
            if (c < '0' || c > '9')
                return refuse(400, QStringLiteral("malformed Content-Length"));
        }
        bool ok = false;
        const qint64 length = contentLength.size() <= 18 ? contentLength.toLongLong(&ok) : -1;
        if (!ok || length < 0 || length > m_limits.maxBodyBytes)
            return refuse(413, QStringLiteral("request body larger than %1 bytes").arg(m_limits.maxBodyBytes));
        m_request.body.reserve(length);
    }
    const QByteArray expect = m_request.header("expect").toLower();
    if (!expect.isEmpty() && expect != "100-continue")
        return refuse(417, QStringLiteral("unsupported Expect header"));
    return MHD_YES;
}

int HttpConnection::onBody(const char *upload, size_t *uploadSize)
{
    const qint64 n = qint64(*uploadSize);
    *uploadSize = 0;
    if (m_tooLarge) {
        // A chunked body over the limit is read and dropped so the client can get its 413, but only up to
        // the limit once more; a client that keeps sending is cut off.
        m_discardedBytes += n;
        if (m_discardedBytes > m_limits.maxBodyBytes) {
            qCInfo(lcHttp).noquote() << "closing the connection of" << m_peer.toString()
                                     << ": its chunked body keeps coming past" << m_limits.maxBodyBytes << "bytes";
            return MHD_NO;
        }
        return MHD_YES;
    }
    if (m_bodyBytes + n > m_limits.maxBodyBytes) {
        m_tooLarge = true;
        m_discardedBytes = n;
        m_request.body = QByteArray();
        return MHD_YES;
    }
    m_request.body.append(upload, n);
    m_bodyBytes += n;
    return MHD_YES;
}

int HttpConnection::onFullRequest()
{
    m_deadline.stop();
    if (m_tooLarge)
        return refuse(413, QStringLiteral("request body larger than %1 bytes").arg(m_limits.maxBodyBytes));
    m_phase = Phase::Handling;
    ++m_serial;
    HttpRequest request = m_request;
    m_server->dispatch(request, HttpResponder(this, m_serial));
    if (m_abort || !m_mhd)
        return MHD_NO;
    if (m_pending)
        return queuePending();
    // The answer comes later: take the connection out of the library's loop until respond() resumes it.
    suspend();
    return MHD_YES;
}

int HttpConnection::queuePending()
{
    MHD_Response *response = std::exchange(m_pending, nullptr);
    const MHD_Result ok = MHD_queue_response(m_mhd, unsigned(m_pendingStatus), response);
    MHD_destroy_response(response);
    if (ok != MHD_YES) {
        qCWarning(lcHttp) << "libmicrohttpd did not take an answer with status" << m_pendingStatus;
        return MHD_NO;
    }
    m_phase = m_pendingIsStream ? Phase::Streaming : Phase::Answered;
    return MHD_YES;
}

int HttpConnection::refuse(int status, const QString &message)
{
    qCInfo(lcHttp).noquote() << "refusing a request from" << m_peer.toString() << "with" << status << message;
    m_deadline.stop();
    m_answeredByUs = true;
    m_phase = Phase::Answered;
    Q_EMIT responded(m_request, status);
    // After a refused head the rest of the stream cannot be trusted (or is not worth reading): answer, close.
    MHD_Response *response
        = buildResponse(HttpResponse::error(status, HttpResponse::errorCodeFor(status), message), true);
    if (!response)
        return MHD_NO;
    const MHD_Result ok = MHD_queue_response(m_mhd, unsigned(status), response);
    MHD_destroy_response(response);
    return ok == MHD_YES ? MHD_YES : MHD_NO;
}

MHD_Response *HttpConnection::buildResponse(const HttpResponse &r, bool close) const
{
    auto *body = new QByteArray(r.body);
    // The library only reads the buffer; constData() keeps the bytes shared with the caller's copy.
    MHD_Response *response = MHD_create_response_from_buffer_with_free_callback_cls(
        size_t(body->size()), const_cast<char *>(body->constData()), &freeBody, body);
    if (!response) {
        delete body;
        qCWarning(lcHttp) << "libmicrohttpd could not create a response";
        return nullptr;
    }
    bool ownCacheControl = false;
    for (const auto &[k, v] : r.headers) {
        if (k.compare("cache-control", Qt::CaseInsensitive) == 0)
            ownCacheControl = true;
        if (MHD_add_response_header(response, k.constData(), v.constData()) != MHD_YES)
            qCWarning(lcHttp) << "libmicrohttpd refused the response header" << k;
    }
    if (!r.contentType.isEmpty())
        MHD_add_response_header(response, "Content-Type", r.contentType.constData());
    if (!ownCacheControl)
        MHD_add_response_header(response, "Cache-Control", "no-store");
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    if (close)
        MHD_add_response_header(response, "Connection", "close");
    return response;
}

void HttpConnection::setRoute(quint64 serial, const QString &route)
{
    if (serial == m_serial)
        m_request.route = route;
}

void HttpConnection::respond(quint64 serial, const HttpResponse &response)
{
    if (!m_mhd || serial != m_serial || m_phase != Phase::Handling || m_pending || m_abort)
        return;
    m_pending = buildResponse(response, response.closeConnection || m_closeWhenIdle);
    if (!m_pending) {
        abort();
        return;
    }
    m_pendingStatus = response.status;
    m_pendingIsStream = false;
    m_answeredByUs = true;
    Q_EMIT responded(m_request, response.status);
    resume();
}

bool HttpConnection::startStream(quint64 serial, int status, const QList<std::pair<QByteArray, QByteArray>> &headers)
{
    if (!m_mhd || serial != m_serial || m_phase != Phase::Handling || m_pending || m_abort)
        return false;
    MHD_Response *response
        = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, kStreamBlock, &HttpConnection::readStream, this, nullptr);
    if (!response)
        return false;
    for (const auto &[k, v] : headers)
        MHD_add_response_header(response, k.constData(), v.constData());
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    // A stream is the last answer on its connection: when it ends, the connection ends.
    MHD_add_response_header(response, "Connection", "close");
    m_pending = response;
    m_pendingStatus = status;
    m_pendingIsStream = true;
    m_answeredByUs = true;
    m_stream = true;
    Q_EMIT responded(m_request, status);
    // While the stream is idle the library does not look at the socket, and even while it writes it does not
    // read: watch for the client leaving ourselves so its slot is freed at once, not at the next heartbeat.
    if (m_fd >= 0 && !m_peerWatch) {
        m_peerWatch = new QSocketNotifier(qintptr(m_fd), QSocketNotifier::Read, this);
        connect(m_peerWatch, &QSocketNotifier::activated, this, &HttpConnection::onPeerActivity);
    }
    resume();
    return true;
}

void HttpConnection::streamWrite(const QByteArray &bytes)
{
    if (!m_stream || m_streamEnding || !m_mhd || m_abort || bytes.isEmpty())
        return;
    m_out.push_back(bytes);
    m_outBytes += bytes.size();
    if (m_outBytes >= kStreamLowWater)
        m_drainArmed = true;
    resume();
}

void HttpConnection::closeStream()
{
    if (!m_stream || !m_mhd)
        return;
    m_streamEnding = true;
    resume();
}

ssize_t HttpConnection::readStream(void *cls, uint64_t, char *buf, size_t max)
{
    return static_cast<HttpConnection *>(cls)->fillStream(buf, max);
}

ssize_t HttpConnection::fillStream(char *buf, size_t max)
{
    if (m_abort || !m_mhd)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (m_out.empty()) {
        if (m_streamEnding)
            return MHD_CONTENT_READER_END_OF_STREAM;
        // Nothing to send: leave the library's loop until streamWrite() or closeStream() resumes us. The
        // library documents suspending from a content reader as safe and calls the reader again on resume.
        suspend();
        return 0;
    }
    size_t n = 0;
    while (!m_out.empty() && n < max) {
        const QByteArray &front = m_out.front();
        const size_t available = size_t(front.size() - m_outOffset);
        const size_t take = std::min(available, max - n);
        // Keep a write (one or more whole event frames) in one chunk when it fits in the next one instead.
        if (n > 0 && take < available)
            break;
        std::memcpy(buf + n, front.constData() + m_outOffset, take);
        n += take;
        if (take == available) {
            m_out.pop_front();
            m_outOffset = 0;
        } else {
            m_outOffset += qsizetype(take);
        }
    }
    m_outBytes -= qint64(n);
    if (m_drainArmed && m_outBytes < kStreamLowWater) {
        m_drainArmed = false;
        Q_EMIT streamDrained();
    }
    return ssize_t(n);
}

void HttpConnection::suspend()
{
    if (m_suspended || !m_mhd)
        return;
    MHD_suspend_connection(m_mhd);
    m_suspended = true;
}

void HttpConnection::resume()
{
    if (!m_suspended || !m_mhd)
        return;
    m_suspended = false;
    // libmicrohttpd 0.9.75 drops MHD_USE_ITC when it has no thread of its own, so a resume does not wake its
    // epoll descriptor: the server runs the library again itself.
    MHD_resume_connection(m_mhd);
    m_server->wake();
}

void HttpConnection::shutdownSocket()
{
    // The library owns the descriptor; shutting it down (not closing it) makes the library see the end of
    // the connection on its next turn and clean it up through its usual path.
    if (m_fd >= 0 && m_mhd)
        ::shutdown(m_fd, SHUT_RDWR);
}

void HttpConnection::onPeerActivity()
{
    if (m_peerWatch)
        m_peerWatch->setEnabled(false);
    if (m_fd < 0 || !m_mhd)
        return;
    pollfd p {};
    p.fd = m_fd;
    p.events = POLLIN | POLLRDHUP;
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
        qCDebug(lcHttp).noquote() << "stream client" << m_peer.toString() << "left";
        m_abort = true;
        if (m_suspended)
            resume(); // the reader then ends the stream with an error and the library closes the connection
        else
            shutdownSocket();
    }
    // Otherwise the client sent bytes on a stream: they are left unread, and the watch stays off; a client
    // that then leaves is noticed at the next write (a heartbeat at the latest).
}

void HttpConnection::onDeadline()
{
    switch (m_phase) {
    case Phase::Idle:
        qCDebug(lcHttp).noquote() << "closing an idle connection from" << m_peer.toString();
        break;
    case Phase::Head:
        qCInfo(lcHttp).noquote() << "closing the connection of" << m_peer.toString()
                                 << ": its request head did not arrive within" << m_limits.headerTimeoutMs << "ms";
        break;
    case Phase::Body:
        qCInfo(lcHttp).noquote() << "closing the connection of" << m_peer.toString()
                                 << ": its request body did not arrive within" << m_limits.bodyTimeoutMs << "ms";
        break;
    default:
        return;
    }
    shutdownSocket();
}

void HttpConnection::onCompleted(int terminationCode)
{
    if (!m_answeredByUs && m_phase != Phase::Idle && m_mhd) {
        // The library answered this request itself (a head it could not parse or hold) or it ended early.
        const MHD_ConnectionInfo *info = MHD_get_connection_info(m_mhd, MHD_CONNECTION_INFO_HTTP_STATUS);
        const int status = info ? int(info->http_status) : 0;
        if (status >= 100) {
            qCInfo(lcHttp).noquote() << "libmicrohttpd refused a request from" << m_peer.toString() << "with" << status;
            Q_EMIT responded(m_request, status);
        }
    } else if (terminationCode != MHD_REQUEST_TERMINATED_COMPLETED_OK && m_phase == Phase::Handling) {
        qCDebug(lcHttp).noquote() << "the client" << m_peer.toString() << "left before its answer";
    }
    if (m_peerWatch) {
        delete m_peerWatch;
        m_peerWatch = nullptr;
    }
    resetRequest();
    m_phase = Phase::Idle;
    if (m_closeWhenIdle)
        shutdownSocket();
    else
        armDeadline(m_limits.idleTimeoutMs);
}

void HttpConnection::onClosed()
{
    m_deadline.stop();
    delete m_peerWatch;
    m_peerWatch = nullptr;
    resetRequest();
    m_mhd = nullptr;
    m_fd = -1;
    m_suspended = false;
    m_phase = Phase::Closed;
    Q_EMIT closed(this);
}

void HttpConnection::closeWhenIdle()
{
    m_closeWhenIdle = true;
    if (m_phase == Phase::Idle)
        shutdownSocket();
}

void HttpConnection::abort()
{
    if (!m_mhd)
        return;
    m_abort = true;
    if (m_pending) {
        MHD_destroy_response(m_pending);
        m_pending = nullptr;
    }
    if (m_suspended)
        resume();
    else
        shutdownSocket();
}

void HttpResponder::send(const HttpResponse &response) const
{
    if (m_connection)
        m_connection->respond(m_serial, response);
}

void HttpResponder::setRoute(const QString &route) const
{
    if (m_connection)
        m_connection->setRoute(m_serial, route);
}

HttpConnection *HttpResponder::startStream(int status, const QList<std::pair<QByteArray, QByteArray>> &headers) const
{
    if (!m_connection || !m_connection->startStream(m_serial, status, headers))
        return nullptr;
    return m_connection.data();
}

} // namespace Baton
