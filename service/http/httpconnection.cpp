#include "service/http/httpconnection.h"

#include "service/servicelogging.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <QUrl>

namespace Baton {

namespace {

constexpr qint64 kStreamLowWater = 64 * 1024;

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
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

// Decodes one path segment strictly: a malformed escape or an encoded NUL makes the request invalid.
int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool decodeSegment(QByteArrayView raw, QString *out)
{
    QByteArray bytes;
    bytes.reserve(raw.size());
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '%') {
            if (i + 2 >= raw.size())
                return false;
            const int hi = hexValue(raw[i + 1]);
            const int lo = hexValue(raw[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return false;
            bytes.append(char(hi * 16 + lo));
            i += 2;
        } else if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            return false;
        } else {
            bytes.append(c);
        }
    }
    *out = QString::fromUtf8(bytes);
    return true;
}

} // namespace

HttpConnection::HttpConnection(QTcpSocket *socket, const HttpLimits &limits, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_limits(limits)
{
    m_socket->setParent(this);
    m_socket->setReadBufferSize(m_limits.readBufferBytes);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::onDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
        if (e != QAbstractSocket::RemoteHostClosedError)
            qCDebug(lcHttp) << "socket error" << m_socket->errorString();
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            onDisconnected();
    });
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_state == State::Streaming && m_socket->bytesToWrite() < kStreamLowWater)
            Q_EMIT streamDrained();
    });
    if (auto *ssl = qobject_cast<QSslSocket *>(m_socket))
        m_request.tls = ssl->isEncrypted();
    armTimer(m_limits.idleTimeoutMs);
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
}

HttpConnection::~HttpConnection() = default;

QHostAddress HttpConnection::peer() const
{
    return m_socket->peerAddress();
}

qint64 HttpConnection::bytesPending() const
{
    return m_socket->bytesToWrite();
}

void HttpConnection::armTimer(int ms)
{
    if (ms > 0)
        m_timer.start(ms);
    else
        m_timer.stop();
}

void HttpConnection::onReadyRead()
{
    if (m_state == State::Closing)
        return;
    if (m_state == State::Streaming) {
        // A stream's client has nothing more to say; whatever it sends is read and dropped so its buffer
        // cannot grow.
        m_socket->readAll();
        return;
    }
    if (m_state == State::Handling)
        return; // pipelined bytes wait in the (bounded) socket buffer until the answer is out
    const qint64 room = m_limits.maxHeaderBytes + m_limits.maxRequestLineBytes + 64 * 1024;
    if (m_in.size() < room)
        m_in.append(m_socket->read(room - m_in.size()));
    parse();
}

void HttpConnection::parse()
{
    while (m_state != State::Handling && m_state != State::Closing && m_state != State::Streaming) {
        if (m_state == State::Idle) {
            if (m_in.isEmpty())
                return;
            // Tolerate blank lines between pipelined requests (RFC 9112 §2.2).
            qsizetype skip = 0;
            while (skip < m_in.size() && (m_in[skip] == '\r' || m_in[skip] == '\n'))
                ++skip;
            m_in.remove(0, skip);
            if (m_in.isEmpty())
                return;
            m_request = HttpRequest();
            m_request.received.start();
            m_request.peer = m_socket->peerAddress();
            if (auto *ssl = qobject_cast<QSslSocket *>(m_socket))
                m_request.tls = ssl->isEncrypted();
            m_headerBytes = 0;
            m_requestLineDone = false;
            m_contentLength = 0;
            m_state = State::Head;
            armTimer(m_limits.headerTimeoutMs);
        }
        if (m_state == State::Head || m_state == State::ChunkTrailer) {
            const qsizetype nl = m_in.indexOf('\n');
            if (nl < 0) {
                if (!m_requestLineDone && m_state == State::Head && m_in.size() > m_limits.maxRequestLineBytes)
                    return fail(
                        414, QStringLiteral("request line longer than %1 bytes").arg(m_limits.maxRequestLineBytes));
                if (m_headerBytes + m_in.size() > m_limits.maxHeaderBytes)
                    return fail(
                        431, QStringLiteral("request headers larger than %1 bytes").arg(m_limits.maxHeaderBytes));
                return;
            }
            QByteArray line = m_in.left(nl);
            m_in.remove(0, nl + 1);
            if (line.endsWith('\r'))
                line.chop(1);
            if (m_state == State::ChunkTrailer) {
                m_headerBytes += int(line.size());
                if (m_headerBytes > m_limits.maxHeaderBytes)
                    return fail(431, QStringLiteral("request trailers too large"));
                if (line.isEmpty()) {
                    dispatch();
                    return;
                }
                continue;
            }
            if (!parseHeadLine(line))
                return;
            continue;
        }
        if (m_state == State::Body) {
            const qint64 need = m_contentLength - m_request.body.size();
            const qint64 take = qMin<qint64>(need, m_in.size());
            m_request.body.append(m_in.constData(), take);
            m_in.remove(0, take);
            if (m_request.body.size() == m_contentLength) {
                dispatch();
                return;
            }
            if (m_in.isEmpty() && m_socket->bytesAvailable() > 0)
                m_in = m_socket->read(qMin<qint64>(need - take, 1024 * 1024));
            if (m_in.isEmpty())
                return;
            continue;
        }
        if (m_state == State::ChunkSize) {
            const qsizetype nl = m_in.indexOf('\n');
            if (nl < 0) {
                if (m_in.size() > 1024)
                    return fail(400, QStringLiteral("malformed chunk size line"));
                return;
            }
            QByteArray line = m_in.left(nl);
            m_in.remove(0, nl + 1);
            if (line.endsWith('\r'))
                line.chop(1);
            const qsizetype semi = line.indexOf(';');
            const QByteArray hex = trimOws(semi >= 0 ? QByteArrayView(line).first(semi) : QByteArrayView(line));
            bool ok = false;
            const qint64 size = hex.size() <= 15 ? hex.toLongLong(&ok, 16) : 0;
            if (!ok || size < 0)
                return fail(400, QStringLiteral("malformed chunk size"));
            if (m_request.body.size() + size > m_limits.maxBodyBytes)
                return fail(413, QStringLiteral("request body larger than %1 bytes").arg(m_limits.maxBodyBytes));
            if (size == 0) {
                m_state = State::ChunkTrailer;
                continue;
            }
            m_chunkRemaining = size + 2; // the data and its CRLF
            m_state = State::ChunkData;
            continue;
        }
        if (m_state == State::ChunkData) {
            if (m_in.isEmpty()) {
                if (m_socket->bytesAvailable() > 0)
                    m_in = m_socket->read(qMin<qint64>(m_chunkRemaining, 1024 * 1024));
                if (m_in.isEmpty())
                    return;
            }
            const qint64 dataLeft = m_chunkRemaining - 2;
            if (dataLeft > 0) {
                const qint64 take = qMin<qint64>(dataLeft, m_in.size());
                m_request.body.append(m_in.constData(), take);
                m_in.remove(0, take);
                m_chunkRemaining -= take;
                continue;
            }
            // Expect CRLF (or a bare LF) after the chunk data.
            if (m_chunkRemaining == 2) {
                if (m_in.startsWith('\n')) {
                    m_in.remove(0, 1);
                    m_state = State::ChunkSize;
                    continue;
                }
                if (m_in.size() < 2)
                    return;
                if (!m_in.startsWith("\r\n"))
                    return fail(400, QStringLiteral("malformed chunk terminator"));
                m_in.remove(0, 2);
                m_state = State::ChunkSize;
                continue;
            }
        }
    }
}

bool HttpConnection::parseRequestLine(const QByteArray &line)
{
    if (line.size() > m_limits.maxRequestLineBytes) {
        fail(414, QStringLiteral("request line longer than %1 bytes").arg(m_limits.maxRequestLineBytes));
        return false;
    }
    const QList<QByteArray> parts = line.split(' ');
    if (parts.size() != 3 || !isToken(parts[0])) {
        fail(400, QStringLiteral("malformed request line"));
        return false;
    }
    const QByteArray &version = parts[2];
    if (version == "HTTP/1.1") {
        m_request.http10 = false;
    } else if (version == "HTTP/1.0") {
        m_request.http10 = true;
    } else if (version.startsWith("HTTP/") && version.size() == 8 && version[6] == '.') {
        fail(505, QStringLiteral("only HTTP/1.0 and HTTP/1.1 are supported"));
        return false;
    } else {
        fail(400, QStringLiteral("malformed request line"));
        return false;
    }
    m_request.method = parts[0];
    m_request.target = parts[1];
    if (!m_request.target.startsWith('/')) {
        fail(400, QStringLiteral("the request target must be an absolute path"));
        return false;
    }
    const qsizetype q = m_request.target.indexOf('?');
    const QByteArray rawPath = q >= 0 ? m_request.target.left(q) : m_request.target;
    const QByteArray rawQuery = q >= 0 ? m_request.target.mid(q + 1) : QByteArray();
    if (rawQuery.contains('#') || rawPath.contains('#')) {
        fail(400, QStringLiteral("the request target must not carry a fragment"));
        return false;
    }
    const QList<QByteArray> rawSegments = rawPath.mid(1).split('/');
    QStringList segments;
    for (const QByteArray &raw : rawSegments) {
        QString decoded;
        if (!decodeSegment(raw, &decoded)) {
            fail(400, QStringLiteral("malformed percent-encoding in the path"));
            return false;
        }
        segments.append(decoded);
    }
    // "/v1/jobs/" and "/v1/jobs" name the same resource.
    if (segments.size() > 1 && segments.last().isEmpty())
        segments.removeLast();
    m_request.segments = segments;
    m_request.path = u'/' + segments.join(u'/');
    for (const QByteArray &item : rawQuery.split('&')) {
        if (item.isEmpty())
            continue;
        const qsizetype eq = item.indexOf('=');
        const QByteArray k = eq >= 0 ? item.left(eq) : item;
        const QByteArray v = eq >= 0 ? item.mid(eq + 1) : QByteArray();
        auto decodeQuery = [](QByteArray s, bool *ok) {
            s.replace('+', ' ');
            const QByteArray d = QByteArray::fromPercentEncoding(s);
            *ok = !d.contains('\0');
            return QString::fromUtf8(d);
        };
        bool okK = false;
        bool okV = false;
        const QString key = decodeQuery(k, &okK);
        const QString value = decodeQuery(v, &okV);
        if (!okK || !okV) {
            fail(400, QStringLiteral("malformed query string"));
            return false;
        }
        m_request.query.addQueryItem(
            QString::fromLatin1(QUrl::toPercentEncoding(key)), QString::fromLatin1(QUrl::toPercentEncoding(value)));
    }
    m_requestLineDone = true;
    return true;
}

bool HttpConnection::parseHeadLine(const QByteArray &line)
{
    if (!m_requestLineDone) {
        if (line.isEmpty())
            return true;
        return parseRequestLine(line);
    }
    m_headerBytes += int(line.size()) + 2;
    if (m_headerBytes > m_limits.maxHeaderBytes) {
        fail(431, QStringLiteral("request headers larger than %1 bytes").arg(m_limits.maxHeaderBytes));
        return false;
    }
    if (line.isEmpty())
        return finishHead();
    if (line.startsWith(' ') || line.startsWith('\t')) {
        fail(400, QStringLiteral("obsolete header line folding is not accepted"));
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0 || !isToken(QByteArrayView(line).first(colon))) {
        fail(400, QStringLiteral("malformed header line"));
        return false;
    }
    if (m_request.headers.size() >= m_limits.maxHeaderCount) {
        fail(431, QStringLiteral("more than %1 request headers").arg(m_limits.maxHeaderCount));
        return false;
    }
    const QByteArray value = trimOws(QByteArrayView(line).sliced(colon + 1));
    for (char c : value) {
        if (c == '\0' || c == '\r' || c == '\n') {
            fail(400, QStringLiteral("malformed header value"));
            return false;
        }
    }
    m_request.headers.append({ line.left(colon).toLower(), value });
    return true;
}

bool HttpConnection::finishHead()
{
    QByteArray contentLength;
    int lengthHeaders = 0;
    for (const auto &[k, v] : m_request.headers) {
        if (k == "content-length") {
            if (lengthHeaders > 0 && v != contentLength) {
                fail(400, QStringLiteral("conflicting Content-Length headers"));
                return false;
            }
            contentLength = v;
            ++lengthHeaders;
        }
    }
    const QByteArray te = m_request.header("transfer-encoding").toLower();
    if (!m_request.http10 && !m_request.hasHeader("host")) {
        fail(400, QStringLiteral("an HTTP/1.1 request needs a Host header"));
        return false;
    }
    const QByteArray connection = m_request.header("connection").toLower();
    m_keepAlive = m_request.http10 ? connection.contains("keep-alive") : !connection.contains("close");

    if (!te.isEmpty()) {
        if (lengthHeaders > 0) {
            // Both framings at once is how requests get smuggled past proxies (RFC 9112 §6.3).
            fail(400, QStringLiteral("Transfer-Encoding and Content-Length together are not accepted"));
            return false;
        }
        if (te != "chunked") {
            fail(501, QStringLiteral("only chunked transfer coding is supported"));
            return false;
        }
        m_state = State::ChunkSize;
    } else if (lengthHeaders > 0) {
        bool ok = false;
        for (char c : contentLength) {
            if (c < '0' || c > '9') {
                fail(400, QStringLiteral("malformed Content-Length"));
                return false;
            }
        }
        m_contentLength = contentLength.size() <= 18 ? contentLength.toLongLong(&ok) : -1;
        if (!ok || m_contentLength < 0) {
            fail(m_contentLength < 0 && contentLength.size() > 18 ? 413 : 400,
                QStringLiteral("malformed or oversized Content-Length"));
            return false;
        }
        if (m_contentLength > m_limits.maxBodyBytes) {
            fail(413, QStringLiteral("request body larger than %1 bytes").arg(m_limits.maxBodyBytes));
            return false;
        }
        m_state = m_contentLength > 0 ? State::Body : State::Idle;
    } else {
        m_state = State::Idle;
    }

    const QByteArray expect = m_request.header("expect").toLower();
    if (!expect.isEmpty()) {
        if (expect != "100-continue") {
            fail(417, QStringLiteral("unsupported Expect header"));
            return false;
        }
        if (m_state != State::Idle && !m_request.http10)
            m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    }
    if (m_state == State::Idle) {
        dispatch();
        return false; // stop the line loop: the request is complete
    }
    armTimer(m_limits.bodyTimeoutMs);
    return true;
}

void HttpConnection::dispatch()
{
    m_state = State::Handling;
    m_timer.stop();
    ++m_serial;
    Q_EMIT requestReady(this, m_serial, m_request);
}

void HttpConnection::setRoute(quint64 serial, const QString &route)
{
    if (serial == m_serial)
        m_request.route = route;
}

void HttpConnection::respond(quint64 serial, const HttpResponse &response)
{
    if (serial != m_serial || m_state != State::Handling)
        return;
    Q_EMIT responded(m_request, response.status);
    const bool close = response.closeConnection || !m_keepAlive || m_closeWhenIdle;
    writeResponse(response, close);
    if (close) {
        closeSocket();
        return;
    }
    m_state = State::Idle;
    m_request = HttpRequest();
    armTimer(m_limits.idleTimeoutMs);
    // Continue with pipelined bytes on the next loop turn, never recursively.
    QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
}

void HttpConnection::writeResponse(const HttpResponse &r, bool close)
{
    QByteArray out;
    out.reserve(r.body.size() + 256);
    out += m_request.http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += QByteArray::number(r.status) + ' ' + HttpResponse::reasonPhrase(r.status) + "\r\n";
    if (!r.contentType.isEmpty())
        out += "Content-Type: " + r.contentType + "\r\n";
    out += "Content-Length: " + QByteArray::number(r.body.size()) + "\r\n";
    out += close ? "Connection: close\r\n" : (m_request.http10 ? "Connection: keep-alive\r\n" : "");
    out += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
    for (const auto &[k, v] : r.headers)
        out += k + ": " + v + "\r\n";
    out += "\r\n";
    if (m_request.method != "HEAD")
        out += r.body;
    m_socket->write(out);
}

bool HttpConnection::startStream(quint64 serial, int status, const QList<std::pair<QByteArray, QByteArray>> &headers)
{
    if (serial != m_serial || m_state != State::Handling)
        return false;
    Q_EMIT responded(m_request, status);
    m_chunkedOut = !m_request.http10;
    QByteArray out = (m_request.http10 ? "HTTP/1.0 " : "HTTP/1.1 ") + QByteArray::number(status) + ' '
        + HttpResponse::reasonPhrase(status) + "\r\n";
    for (const auto &[k, v] : headers)
        out += k + ": " + v + "\r\n";
    out += m_chunkedOut ? "Transfer-Encoding: chunked\r\n" : "Connection: close\r\n";
    out += "X-Content-Type-Options: nosniff\r\n\r\n";
    m_socket->write(out);
    m_state = State::Streaming;
    m_timer.stop();
    m_in.clear();
    return true;
}

void HttpConnection::streamWrite(const QByteArray &bytes)
{
    if (m_state != State::Streaming || bytes.isEmpty())
        return;
    if (m_chunkedOut) {
        QByteArray out = QByteArray::number(bytes.size(), 16) + "\r\n";
        out += bytes;
        out += "\r\n";
        m_socket->write(out);
    } else {
        m_socket->write(bytes);
    }
}

void HttpConnection::closeStream()
{
    if (m_state != State::Streaming)
        return;
    if (m_chunkedOut)
        m_socket->write("0\r\n\r\n");
    closeSocket();
}

void HttpConnection::closeWhenIdle()
{
    m_closeWhenIdle = true;
    if (m_state == State::Idle)
        closeSocket();
}

void HttpConnection::abort()
{
    m_state = State::Closing;
    m_socket->abort();
    onDisconnected();
}

void HttpConnection::fail(int status, const QString &message)
{
    qCInfo(lcHttp).noquote() << "rejecting request from" << m_socket->peerAddress().toString() << "with" << status
                             << message;
    // After a framing error the rest of the stream cannot be trusted: answer and close.
    if (m_state == State::Idle)
        m_request.http10 = false;
    const bool wasHandling = m_state == State::Handling;
    m_state = State::Handling;
    if (!wasHandling)
        ++m_serial;
    HttpResponse r = HttpResponse::error(status, HttpResponse::errorCodeFor(status), message);
    Q_EMIT responded(m_request, status);
    writeResponse(r, true);
    closeSocket();
}

void HttpConnection::onTimeout()
{
    switch (m_state) {
    case State::Idle:
        closeSocket();
        break;
    case State::Head:
    case State::Body:
    case State::ChunkSize:
    case State::ChunkData:
    case State::ChunkTrailer:
        fail(408, QStringLiteral("the request did not arrive in time"));
        break;
    default:
        break;
    }
}

void HttpConnection::closeSocket()
{
    if (m_state == State::Closing && m_socket->state() == QAbstractSocket::UnconnectedState) {
        onDisconnected();
        return;
    }
    m_state = State::Closing;
    m_timer.stop();
    m_socket->disconnectFromHost();
    if (m_socket->state() == QAbstractSocket::UnconnectedState)
        onDisconnected();
    else
        QTimer::singleShot(10000, this, [this] { abort(); }); // a client that never reads its answer
}

void HttpConnection::onDisconnected()
{
    m_state = State::Closing;
    m_timer.stop();
    if (m_closedEmitted)
        return;
    m_closedEmitted = true;
    Q_EMIT closed(this);
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
