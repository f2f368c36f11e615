#include "tools/consul-sim/httpconnection.h"

#include "core/base/httpsyntax.h"
#include "tools/consul-sim/simlogging.h"

#include <QTcpSocket>
#include <QTimer>

namespace Baton::ConsulSim {

namespace {

// Bytes Qt may buffer from the kernel for a connection whose request is in flight. Past this, the kernel's
// buffers fill and the client's writes block: pipelined or hostile data cannot grow our memory.
constexpr qint64 kSocketReadBuffer = 64 * 1024;
constexpr qsizetype kMaxChunkLine = 4096;

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (const char c : s) {
        if (!HttpSyntax::isTokenChar(c))
            return false;
    }
    return true;
}

bool parseDecimal(QByteArrayView s, std::uint64_t *out)
{
    if (s.isEmpty() || s.size() > 19)
        return false;
    std::uint64_t v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + std::uint64_t(c - '0');
    }
    *out = v;
    return true;
}

bool containsToken(QByteArrayView headerValue, QByteArrayView token)
{
    for (const QByteArray &part : headerValue.toByteArray().split(',')) {
        if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

HttpConnection::HttpConnection(QTcpSocket *socket, RequestSink *sink, const HttpLimits &limits, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_sink(sink)
    , m_limits(limits)
    , m_readTimer(new QTimer(this))
{
    m_socket->setParent(this);
    m_socket->setReadBufferSize(kSocketReadBuffer);
    m_peer = m_socket->peerAddress().toString().toLatin1();
    m_readTimer->setSingleShot(true);
    connect(m_readTimer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::finish);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error == QAbstractSocket::RemoteHostClosedError && m_socket->bytesToWrite() > 0)
            return; // disconnected() follows
        finish();
    });
    if (m_socket->bytesAvailable() > 0)
        QTimer::singleShot(0, this, &HttpConnection::onReadyRead);
}

HttpConnection::~HttpConnection() = default;

void HttpConnection::finish()
{
    if (m_closedEmitted)
        return;
    m_closedEmitted = true;
    m_state = State::Closing;
    m_readTimer->stop();
    Q_EMIT closed();
    deleteLater();
}

void HttpConnection::abort()
{
    if (m_closedEmitted)
        return;
    m_socket->abort();
    finish();
}

void HttpConnection::freeze()
{
    m_frozen = true;
    m_readTimer->stop();
}

void HttpConnection::onTimeout()
{
    // A request that started but did not complete in time: drop the connection without an answer, which is
    // what Go's server does when its read deadline passes.
    qCDebug(lcSim) << "dropping connection from" << m_peer << "after the read timeout";
    abort();
}

void HttpConnection::onReadyRead()
{
    if (m_frozen || m_state == State::Dispatched || m_state == State::Closing)
        return;
    process();
}

void HttpConnection::process()
{
    while (!m_frozen && m_state != State::Dispatched && m_state != State::Closing) {
        // Pull from the socket only as much as the current state may need, so a client cannot push more than
        // one request's worth of bytes into our own buffer.
        const qint64 available = m_socket->bytesAvailable();
        if (available > 0) {
            qint64 want = available;
            if (m_state == State::Head || m_state == State::Trailer || m_state == State::ChunkSize)
                want = std::min<qint64>(available, qint64(m_limits.maxHeaderBytes) + 4 - m_buffer.size() + 1);
            else if (m_state == State::Body || m_state == State::ChunkData)
                want = std::min<qint64>(available, std::max<qint64>(qint64(m_remaining) - m_buffer.size(), 1));
            if (want > 0)
                m_buffer += m_socket->read(want);
        }

        if (m_state == State::Head) {
            // Skip blank lines between pipelined requests, as Go does for a stray CRLF after a body.
            while (m_buffer.startsWith("\r\n"))
                m_buffer.remove(0, 2);
            while (m_buffer.startsWith('\n'))
                m_buffer.remove(0, 1);
            if (m_buffer.isEmpty())
                return;
            if (!m_readTimer->isActive())
                m_readTimer->start(m_limits.readTimeout);
            qsizetype end = m_buffer.indexOf("\r\n\r\n");
            qsizetype sepLen = 4;
            const qsizetype lfEnd = m_buffer.indexOf("\n\n");
            if (lfEnd >= 0 && (end < 0 || lfEnd < end)) {
                end = lfEnd;
                sepLen = 2;
            }
            if (end < 0) {
                if (std::uint64_t(m_buffer.size()) > m_limits.maxHeaderBytes) {
                    protocolError(431);
                    return;
                }
                if (m_socket->bytesAvailable() == 0)
                    return;
                continue;
            }
            if (std::uint64_t(end) > m_limits.maxHeaderBytes) {
                protocolError(431);
                return;
            }
            if (!parseHead(end))
                return;
            m_buffer.remove(0, end + sepLen);
            startBody();
            continue;
        }

        if (m_state == State::Body) {
            if (std::uint64_t(m_buffer.size()) >= m_remaining) {
                m_request.body += m_buffer.left(qsizetype(m_remaining));
                m_buffer.remove(0, qsizetype(m_remaining));
                m_remaining = 0;
                dispatch();
                return;
            }
            if (m_socket->bytesAvailable() == 0)
                return;
            continue;
        }

        if (m_state == State::ChunkSize || m_state == State::Trailer || m_state == State::ChunkDataEnd) {
            const qsizetype nl = m_buffer.indexOf('\n');
            if (nl < 0) {
                if (m_buffer.size() > kMaxChunkLine) {
                    protocolError(400, "malformed chunked encoding");
                    return;
                }
                if (m_socket->bytesAvailable() == 0)
                    return;
                continue;
            }
            QByteArray line = m_buffer.left(nl);
            m_buffer.remove(0, nl + 1);
            if (line.endsWith('\r'))
                line.chop(1);
            if (m_state == State::ChunkDataEnd) {
                if (!line.isEmpty()) {
                    protocolError(400, "malformed chunked encoding");
                    return;
                }
                m_state = State::ChunkSize;
                continue;
            }
            if (m_state == State::Trailer) {
                if (line.isEmpty()) {
                    dispatch();
                    return;
                }
                continue; // trailers are read and ignored
            }
            const qsizetype semi = line.indexOf(';');
            const QByteArray hex = (semi >= 0 ? line.left(semi) : line).trimmed();
            bool ok = !hex.isEmpty() && hex.size() <= 15;
            const std::uint64_t size = ok ? hex.toULongLong(&ok, 16) : 0;
            if (!ok) {
                protocolError(400, "malformed chunked encoding");
                return;
            }
            if (size == 0) {
                m_state = State::Trailer;
                continue;
            }
            if (std::uint64_t(m_request.body.size()) + size > m_maxBody) {
                HttpResponse r = m_sink->bodyTooLarge(m_request, std::uint64_t(m_request.body.size()) + size);
                r.closeAfter = true;
                respond(m_serial, std::move(r));
                return;
            }
            m_remaining = size;
            m_state = State::ChunkData;
            continue;
        }

        if (m_state == State::ChunkData) {
            const auto take = std::min<qsizetype>(m_buffer.size(), qsizetype(m_remaining));
            m_request.body += m_buffer.left(take);
            m_buffer.remove(0, take);
            m_remaining -= std::uint64_t(take);
            if (m_remaining == 0) {
                m_state = State::ChunkDataEnd;
                continue;
            }
            if (m_socket->bytesAvailable() == 0)
                return;
            continue;
        }
    }
}

bool HttpConnection::parseHead(qsizetype headEnd)
{
    m_request = HttpRequest {};
    m_request.peerAddress = m_peer;
    ++m_serial;
    const QByteArray head = m_buffer.left(headEnd);
    QList<QByteArray> lines = head.split('\n');
    for (QByteArray &l : lines) {
        if (l.endsWith('\r'))
            l.chop(1);
    }
    const QByteArray requestLine = lines.value(0);
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || !isToken(parts[0]) || parts[1].isEmpty()) {
        protocolError(400, "malformed HTTP request");
        return false;
    }
    const QByteArray &version = parts[2];
    if (version == "HTTP/1.1") {
        m_request.http10 = false;
    } else if (version == "HTTP/1.0") {
        m_request.http10 = true;
    } else if (version.startsWith("HTTP/") && version.size() == 8 && version[6] == '.') {
        protocolError(505, "unsupported protocol version");
        return false;
    } else {
        protocolError(400, "malformed HTTP version");
        return false;
    }
    m_request.method = parts[0];
    QByteArray target = parts[1];
    for (const char c : target) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            protocolError(400, "malformed HTTP request");
            return false;
        }
    }
    if (target.startsWith("http://") || target.startsWith("https://")) {
        const qsizetype slash = target.indexOf('/', target.indexOf("//") + 2);
        target = slash < 0 ? QByteArray("/") : target.mid(slash);
    } else if (target != "*" && !target.startsWith('/')) {
        protocolError(400, "malformed HTTP request");
        return false;
    }
    m_request.target = target;
    const qsizetype q = target.indexOf('?');
    m_request.rawPath = q < 0 ? target : target.left(q);
    m_request.rawQuery = q < 0 ? QByteArray() : target.mid(q + 1);
    const qsizetype hash = m_request.rawQuery.indexOf('#');
    if (hash >= 0)
        m_request.rawQuery.truncate(hash);
    bool ok = true;
    m_request.path = percentDecode(
        std::string_view(m_request.rawPath.constData(), std::size_t(m_request.rawPath.size())), false, &ok);
    if (!ok) {
        protocolError(400, "invalid URL escape");
        return false;
    }
    m_request.query = QueryParams::parse(m_request.rawQuery);

    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines[i];
        if (line.isEmpty())
            continue;
        if (line.front() == ' ' || line.front() == '\t') {
            protocolError(400, "malformed MIME header line");
            return false;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(QByteArrayView(line).first(colon))) {
            protocolError(400, "malformed MIME header line");
            return false;
        }
        m_request.headers.emplace_back(line.left(colon), line.mid(colon + 1).trimmed());
    }

    if (!m_request.http10 && !m_request.hasHeader("Host")) {
        protocolError(400, "missing required Host header");
        return false;
    }
    const QByteArray connection = m_request.header("Connection");
    if (m_request.http10)
        m_request.keepAlive = containsToken(connection, "keep-alive");
    else
        m_request.keepAlive = !containsToken(connection, "close");

    // Body framing. Transfer-Encoding wins over Content-Length (RFC 9112 §6.3).
    m_chunked = false;
    const QByteArray te = m_request.header("Transfer-Encoding");
    if (!te.isEmpty()) {
        if (te.trimmed().compare("chunked", Qt::CaseInsensitive) != 0) {
            protocolError(501, "unsupported transfer encoding");
            return false;
        }
        if (m_request.http10) {
            protocolError(400, "chunked encoding needs HTTP/1.1");
            return false;
        }
        m_chunked = true;
    } else {
        std::optional<std::uint64_t> length;
        for (const auto &[k, v] : m_request.headers) {
            if (k.compare("Content-Length", Qt::CaseInsensitive) != 0)
                continue;
            std::uint64_t n = 0;
            if (!parseDecimal(v, &n)) {
                protocolError(400, "bad Content-Length");
                return false;
            }
            if (length && *length != n) {
                protocolError(400, "conflicting Content-Length");
                return false;
            }
            length = n;
        }
        m_request.contentLength = length;
    }
    const QByteArray expect = m_request.header("Expect");
    if (!expect.isEmpty() && expect.compare("100-continue", Qt::CaseInsensitive) != 0) {
        protocolError(417);
        return false;
    }
    return true;
}

void HttpConnection::startBody()
{
    m_maxBody = m_sink->maxBodyFor(m_request);
    const std::uint64_t declared = m_request.contentLength.value_or(0);
    if (!m_chunked && declared > m_maxBody) {
        // Refuse before reading, like Consul's Content-Length check; the unread body forces a close.
        HttpResponse r = m_sink->bodyTooLarge(m_request, declared);
        r.closeAfter = true;
        respond(m_serial, std::move(r));
        return;
    }
    const bool hasBody = m_chunked || declared > 0;
    if (hasBody && m_request.header("Expect").compare("100-continue", Qt::CaseInsensitive) == 0)
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    if (m_chunked) {
        m_state = State::ChunkSize;
        return;
    }
    if (declared == 0) {
        dispatch();
        return;
    }
    m_remaining = declared;
    m_request.body.reserve(qsizetype(std::min<std::uint64_t>(declared, 1 << 20)));
    m_state = State::Body;
}

void HttpConnection::dispatch()
{
    m_state = State::Dispatched;
    m_readTimer->stop();
    const std::uint64_t serial = m_serial;
    m_sink->handle(this, serial, m_request);
}

void HttpConnection::protocolError(int status, const QByteArray &detail)
{
    // Go's server answers protocol errors with a fixed plain-text page and closes the connection.
    QByteArray text = QByteArray::number(status) + ' ' + statusText(status);
    if (!detail.isEmpty())
        text += ": " + detail;
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + statusText(status)
        + "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n" + text;
    m_state = State::Closing;
    m_readTimer->stop();
    m_buffer.clear();
    m_socket->write(out);
    m_socket->disconnectFromHost();
    if (m_socket->state() == QAbstractSocket::UnconnectedState)
        finish();
}

void HttpConnection::respond(std::uint64_t serial, HttpResponse response)
{
    if (serial != m_serial || m_closedEmitted || m_state == State::Closing)
        return;
    if (m_state != State::Dispatched && !response.closeAfter)
        return;
    if (m_frozen)
        return; // an unreachable agent answers nothing
    const bool close = response.closeAfter || !m_request.keepAlive;
    response.closeAfter = close;
    if (m_request.http10 && !close)
        response.setHeader("Connection", "keep-alive");
    const bool head = m_request.method == "HEAD";
    m_socket->write(serializeResponse(response, head));
    if (close) {
        m_state = State::Closing;
        m_buffer.clear();
        m_socket->disconnectFromHost();
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            finish();
        return;
    }
    m_state = State::Head;
    m_request = HttpRequest {};
    // Pipelined bytes may already be waiting; handle them on the next turn of the event loop so a burst of
    // requests on one connection cannot starve the others.
    QTimer::singleShot(0, this, [this] {
        if (m_state == State::Head && !m_frozen)
            process();
    });
}

} // namespace Baton::ConsulSim
