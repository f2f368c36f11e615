#include "service/http/httpserver.h"

#include "service/servicelogging.h"

#include <QSslServer>
#include <QTcpServer>
#include <QTcpSocket>

namespace Baton {

HttpServer::HttpServer(const HttpLimits &limits, QObject *parent)
    : QObject(parent)
    , m_limits(limits)
{ }

HttpServer::~HttpServer()
{
    abortAll();
}

void HttpServer::setTls(const QSslConfiguration &config)
{
    m_tls = !config.localCertificate().isNull();
    m_tlsConfig = config;
}

Result<quint16> HttpServer::listen(const QHostAddress &address, quint16 port)
{
    if (m_tls) {
        auto *ssl = new QSslServer(this);
        ssl->setSslConfiguration(m_tlsConfig);
        ssl->setHandshakeTimeout(m_limits.headerTimeoutMs);
        connect(ssl, &QSslServer::errorOccurred, this, [](QSslSocket *, QAbstractSocket::SocketError) {
            qCDebug(lcHttp) << "TLS connection failed before its first request";
        });
        connect(ssl, &QSslServer::peerVerifyError, this,
            [](QSslSocket *, const QSslError &e) { qCDebug(lcHttp) << "TLS peer verify error" << e.errorString(); });
        m_server = ssl;
    } else {
        m_server = new QTcpServer(this);
    }
    // Keep the kernel's accept queue deep enough for bursts of reconnecting event-stream clients.
    m_server->setListenBacklogSize(1024);
    m_server->setMaxPendingConnections(1024);
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &HttpServer::onPendingConnections);
    if (!m_server->listen(address, port)) {
        const QString why = m_server->errorString();
        delete m_server;
        m_server = nullptr;
        return fail(
            Error::Kind::Io, QStringLiteral("cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(why));
    }
    return m_server->serverPort();
}

quint16 HttpServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

void HttpServer::stopListening()
{
    if (m_server)
        m_server->close();
}

void HttpServer::closeAllWhenIdle()
{
    const auto connections = m_connections;
    for (HttpConnection *c : connections)
        c->closeWhenIdle();
}

void HttpServer::abortAll()
{
    const auto connections = m_connections;
    for (HttpConnection *c : connections)
        c->abort();
}

void HttpServer::onPendingConnections()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        if (m_connections.size() >= m_limits.maxConnections) {
            socket->write(
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
                "Content-Length: 63\r\n\r\n{\"error\":\"unavailable\",\"message\":\"too many open connections\"}\n");
            socket->disconnectFromHost();
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            QTimer::singleShot(5000, socket, &QObject::deleteLater);
            qCWarning(lcHttp) << "connection refused: the limit of" << m_limits.maxConnections << "is reached";
            continue;
        }
        auto *conn = new HttpConnection(socket, m_limits, this);
        m_connections.insert(conn);
        connect(conn, &HttpConnection::closed, this, &HttpServer::onClosed);
        connect(conn, &HttpConnection::responded, this, &HttpServer::responded);
        connect(
            conn, &HttpConnection::requestReady, this, [this](HttpConnection *c, quint64 serial, HttpRequest request) {
                HttpResponder responder(c, serial);
                if (!m_handler) {
                    responder.send(HttpResponse::error(
                        503, QStringLiteral("unavailable"), QStringLiteral("the service is starting")));
                    return;
                }
                m_handler(request, responder);
            });
        Q_EMIT connectionCountChanged(int(m_connections.size()));
    }
}

void HttpServer::onClosed(HttpConnection *connection)
{
    if (m_connections.remove(connection)) {
        connection->deleteLater();
        Q_EMIT connectionCountChanged(int(m_connections.size()));
    }
}

} // namespace Baton
