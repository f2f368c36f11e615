#include "support/fakeconsulserver.h"

#include <QFile>
#include <QSslKey>
#include <QSslServer>
#include <QTcpServer>
#include <QTcpSocket>

namespace Baton {

namespace {

constexpr qsizetype kMaxHeaderBytes = 64 * 1024;
constexpr qsizetype kMaxBodyBytes = 8 * 1024 * 1024;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Request Entity Too Large";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

// Go's url.QueryUnescape: '+' is a space, then percent-decoding.
QByteArray queryUnescape(QByteArray text)
{
    text.replace('+', ' ');
    return QByteArray::fromPercentEncoding(text);
}

} // namespace

struct FakeConsulServer::Connection
{
    QTcpSocket *socket = nullptr;
    QByteArray buffer;
    bool busy = false;
    bool closed = false;
    // Streaming state for EndlessBody / HugeContentLength.
    bool streaming = false;
    bool chunked = false;
    qint64 streamed = 0;
    qint64 streamLimit = 0;
};

struct FakeConsulServer::Held
{
    Connection *connection = nullptr;
    Request request;
    std::unique_ptr<ConsulTimer> timer;
};

bool FakeConsulServer::Request::hasParam(const QByteArray &name) const
{
    if (bareParams.contains(name))
        return true;
    for (const auto &p : params) {
        if (p.first == name)
            return true;
    }
    return false;
}

QByteArray FakeConsulServer::Request::param(const QByteArray &name) const
{
    for (const auto &p : params) {
        if (p.first == name)
            return p.second;
    }
    return {};
}

qint64 FakeConsulServer::Request::waitMs() const
{
    constexpr qint64 kDefault = 5 * 60 * 1000;
    const QByteArray w = param("wait");
    if (w.isEmpty())
        return kDefault;
    qint64 ms = 0;
    bool ok = false;
    if (w.endsWith("ms"))
        ms = w.chopped(2).toLongLong(&ok);
    else if (w.endsWith('s'))
        ms = w.chopped(1).toLongLong(&ok) * 1000;
    else if (w.endsWith('m'))
        ms = w.chopped(1).toLongLong(&ok) * 60 * 1000;
    if (!ok || ms <= 0)
        return kDefault;
    return std::min<qint64>(ms, 10 * 60 * 1000);
}

FakeConsulServer::Response FakeConsulServer::Response::json(const QByteArray &body, std::optional<quint64> index)
{
    Response r;
    r.body = body;
    if (index)
        r.index = QByteArray::number(*index);
    return r;
}

FakeConsulServer::Response FakeConsulServer::Response::text(int status, const QByteArray &body)
{
    Response r;
    r.status = status;
    r.body = body;
    r.contentType = "text/plain; charset=utf-8";
    return r;
}

FakeConsulServer::FakeConsulServer(ConsulClock *clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock ? clock : ConsulClock::system())
    , m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &FakeConsulServer::onNewConnection);
}

FakeConsulServer::~FakeConsulServer()
{
    m_held.clear();
    for (auto &c : m_connections) {
        if (!c->closed && c->socket) {
            c->socket->disconnect(this);
            c->socket->abort();
        }
    }
}

bool FakeConsulServer::listen()
{
    return m_server->listen(QHostAddress::LocalHost, 0);
}

quint16 FakeConsulServer::port() const
{
    return m_server->serverPort();
}

bool FakeConsulServer::listenTls(const QString &certFile, const QString &keyFile)
{
    QFile cert(certFile);
    QFile key(keyFile);
    if (!cert.open(QIODevice::ReadOnly) || !key.open(QIODevice::ReadOnly)) {
        qWarning("FakeConsulServer: cannot read %s or %s", qPrintable(certFile), qPrintable(keyFile));
        return false;
    }
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setLocalCertificate(QSslCertificate(cert.readAll(), QSsl::Pem));
    config.setPrivateKey(QSslKey(key.readAll(), QSsl::Ec, QSsl::Pem));
    config.setPeerVerifyMode(QSslSocket::VerifyNone);
    if (config.localCertificate().isNull() || config.privateKey().isNull()) {
        qWarning(
            "FakeConsulServer: %s or %s is not a PEM certificate / EC key", qPrintable(certFile), qPrintable(keyFile));
        return false;
    }
    delete m_server;
    auto *server = new QSslServer(this);
    server->setSslConfiguration(config);
    m_server = server;
    m_tls = true;
    // QSslServer hands out a connection once its handshake is done.
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &FakeConsulServer::onNewConnection);
    return m_server->listen(QHostAddress::LocalHost, 0);
}

QUrl FakeConsulServer::url() const
{
    return QUrl(
        QStringLiteral("%1://127.0.0.1:%2").arg(m_tls ? QStringLiteral("https") : QStringLiteral("http")).arg(port()));
}

void FakeConsulServer::setHandler(Handler handler)
{
    m_handler = std::move(handler);
}

void FakeConsulServer::setMode(Mode mode)
{
    m_mode = mode;
}

void FakeConsulServer::setContent(quint64 index, const QByteArray &body)
{
    m_index = index;
    m_body = body;
    wakeAll();
}

void FakeConsulServer::wakeAll()
{
    std::vector<Held *> held;
    for (auto &h : m_held)
        held.push_back(h.get());
    for (Held *h : held)
        release(h);
}

int FakeConsulServer::heldCount() const
{
    return int(m_held.size());
}

int FakeConsulServer::openConnections() const
{
    int n = 0;
    for (const auto &c : m_connections) {
        if (!c->closed)
            ++n;
    }
    return n;
}

void FakeConsulServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        auto conn = std::make_unique<Connection>();
        Connection *c = conn.get();
        c->socket = socket;
        socket->setParent(this);
        m_connections.push_back(std::move(conn));
        connect(socket, &QTcpSocket::readyRead, this, [this, c] { onReadyRead(c); });
        connect(socket, &QTcpSocket::bytesWritten, this, [this, c] { streamMore(c); });
        connect(socket, &QTcpSocket::disconnected, this, [this, c] { closeConnection(c, false); });
    }
}

void FakeConsulServer::onReadyRead(Connection *c)
{
    if (c->closed)
        return;
    c->buffer += c->socket->readAll();
    while (!c->busy && !c->closed) {
        const qsizetype headerEnd = c->buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0) {
            if (c->buffer.size() > kMaxHeaderBytes)
                closeConnection(c, true);
            return;
        }
        const QList<QByteArray> lines = c->buffer.left(headerEnd).split('\n');
        Request request;
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        if (requestLine.size() != 3) {
            closeConnection(c, true);
            return;
        }
        request.method = requestLine[0];
        request.target = requestLine[1];
        qint64 contentLength = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray name = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            request.headers.insert(name, value);
            if (name == "content-length")
                contentLength = value.toLongLong();
        }
        if (contentLength < 0 || contentLength > kMaxBodyBytes) {
            closeConnection(c, true);
            return;
        }
        const qsizetype total = headerEnd + 4 + qsizetype(contentLength);
        if (c->buffer.size() < total)
            return;
        request.body = c->buffer.mid(headerEnd + 4, qsizetype(contentLength));
        c->buffer.remove(0, total);

        const qsizetype q = request.target.indexOf('?');
        request.path = QByteArray::fromPercentEncoding(q < 0 ? request.target : request.target.left(q));
        if (q >= 0) {
            for (const QByteArray &pair : request.target.mid(q + 1).split('&')) {
                if (pair.isEmpty())
                    continue;
                const qsizetype eq = pair.indexOf('=');
                if (eq < 0)
                    request.bareParams.append(queryUnescape(pair));
                else
                    request.params.append({ queryUnescape(pair.left(eq)), queryUnescape(pair.mid(eq + 1)) });
            }
        }
        request.atMs = m_clock->nowMs();
        c->busy = true;
        process(c, std::move(request));
    }
}

FakeConsulServer::Response FakeConsulServer::builtIn(const Request &request)
{
    switch (m_mode) {
    case Mode::Honest: {
        bool ok = false;
        const quint64 index = request.param("index").toULongLong(&ok);
        if (!request.wokenUp && ok && index > 0 && index >= m_index) {
            Response r;
            r.holdMs = request.waitMs();
            return r;
        }
        return Response::json(m_body, m_index);
    }
    case Mode::ImmediateChangingIndex:
        return Response::json(m_body, ++m_answerIndex);
    case Mode::ImmediateBackwardsIndex:
        return Response::json(m_body, m_answerIndex > 1 ? --m_answerIndex : m_answerIndex);
    case Mode::ImmediateZeroIndex: {
        Response r = Response::json(m_body);
        r.index = QByteArray("0");
        return r;
    }
    case Mode::ImmediateSameIndex:
        return Response::json(m_body, m_index);
    case Mode::ImmediateNoIndex:
        return Response::json(m_body);
    case Mode::ImmediateChurn: {
        // One object that every list decoder accepts (nodes, KV entries, checks), different every time.
        const QByteArray n = QByteArray::number(++m_churn);
        return Response::json("[{\"Node\":\"churn-" + n + "\",\"Key\":\"churn/" + n
                + "\",\"CheckID\":\"churn\",\"Status\":\"passing\",\"ID\":\"" + n + "\"}]",
            ++m_answerIndex);
    }
    }
    return Response::json(m_body, m_index);
}

void FakeConsulServer::process(Connection *c, Request request)
{
    if (!request.wokenUp)
        m_requests.append(request);
    Response response = m_handler ? m_handler(request) : builtIn(request);
    if (!request.wokenUp && response.holdMs >= 0) {
        auto held = std::make_unique<Held>();
        Held *h = held.get();
        h->connection = c;
        h->request = std::move(request);
        h->request.wokenUp = true;
        h->timer = m_clock->createTimer();
        h->timer->start(response.holdMs, [this, h] { release(h); });
        m_held.push_back(std::move(held));
        return;
    }
    if (response.fault == Response::Fault::NeverAnswer)
        return;
    answer(c, request, response);
}

void FakeConsulServer::release(Held *held)
{
    auto it = std::find_if(m_held.begin(), m_held.end(), [held](const auto &h) { return h.get() == held; });
    if (it == m_held.end())
        return;
    std::unique_ptr<Held> owned = std::move(*it);
    m_held.erase(it);
    if (owned->connection->closed)
        return;
    process(owned->connection, owned->request);
}

void FakeConsulServer::answer(Connection *c, const Request &request, const Response &response)
{
    Q_UNUSED(request);
    if (c->closed)
        return;
    using Fault = Response::Fault;
    if (response.fault == Fault::CloseWithoutAnswer) {
        closeConnection(c, true);
        return;
    }
    if (response.fault == Fault::GarbageStatusLine) {
        c->socket->write("SMTP ready, not HTTP\r\n\r\n");
        c->socket->disconnectFromHost();
        return;
    }
    QByteArray head = "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reasonPhrase(response.status) + "\r\n";
    QByteArray contentType = response.contentType;
    if (contentType.isEmpty())
        contentType
            = response.status >= 200 && response.status < 300 ? "application/json" : "text/plain; charset=utf-8";
    head += "Content-Type: " + contentType + "\r\n";
    if (response.index) {
        head += "X-Consul-Index: " + *response.index + "\r\n";
        head += "X-Consul-KnownLeader: true\r\nX-Consul-LastContact: 0\r\n";
    }
    for (const auto &h : response.headers)
        head += h.first + ": " + h.second + "\r\n";
    if (response.fault == Fault::EndlessBody) {
        head += "Transfer-Encoding: chunked\r\n\r\n";
        c->socket->write(head);
        c->streaming = true;
        c->chunked = true;
        c->streamLimit = response.streamLimit;
        streamMore(c);
        return;
    }
    if (response.fault == Fault::HugeContentLength) {
        head += "Content-Length: 1000000000000\r\n\r\n";
        c->socket->write(head);
        c->streaming = true;
        c->chunked = false;
        c->streamLimit = response.streamLimit;
        streamMore(c);
        return;
    }
    if (response.fault == Fault::TruncateBody) {
        head += "Content-Length: " + QByteArray::number(response.body.size() + 100) + "\r\n\r\n";
        c->socket->write(head + response.body.left(response.body.size() / 2));
        c->socket->flush();
        closeConnection(c, false);
        return;
    }
    head += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\n\r\n";
    c->socket->write(head + response.body);
    c->busy = false;
    if (!c->buffer.isEmpty())
        QMetaObject::invokeMethod(
            this, [this, c] { onReadyRead(c); }, Qt::QueuedConnection);
}

void FakeConsulServer::streamMore(Connection *c)
{
    if (c->closed || !c->streaming)
        return;
    static const QByteArray piece = QByteArray("{\"Node\":\"x\",\"Status\":\"passing\"},").repeated(2048);
    while (c->socket->bytesToWrite() < 512 * 1024) {
        if (c->streamed >= c->streamLimit) {
            c->streaming = false;
            c->socket->flush();
            closeConnection(c, false);
            return;
        }
        QByteArray out = c->streamed == 0 ? "[" + piece : piece;
        if (c->chunked)
            out = QByteArray::number(out.size(), 16) + "\r\n" + out + "\r\n";
        c->socket->write(out);
        c->streamed += out.size();
        m_bytesStreamed += out.size();
    }
}

void FakeConsulServer::closeConnection(Connection *c, bool abort)
{
    if (c->closed)
        return;
    c->closed = true;
    c->streaming = false;
    m_held.erase(
        std::remove_if(m_held.begin(), m_held.end(), [c](const auto &h) { return h->connection == c; }), m_held.end());
    QTcpSocket *socket = c->socket;
    socket->disconnect(this);
    if (abort)
        socket->abort();
    else
        socket->disconnectFromHost();
    socket->deleteLater();
}

} // namespace Baton
