#include "tools/consul-sim/httplistener.h"

#include "tools/consul-sim/simlogging.h"

#include <QTcpServer>
#include <QTcpSocket>

namespace Baton::ConsulSim {

HttpListener::HttpListener(RequestSink *sink, const HttpLimits &limits, int maxConnsPerClient, QObject *parent)
    : QObject(parent)
    , m_sink(sink)
    , m_limits(limits)
    , m_maxConnsPerClient(maxConnsPerClient)
{ }

HttpListener::~HttpListener()
{
    for (HttpConnection *c : std::set<HttpConnection *>(m_connections))
        c->disconnect(this);
}

QString HttpListener::url() const
{
    const QString h = m_host.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]").arg(m_host.toString())
                                                                         : m_host.toString();
    return QStringLiteral("http://%1:%2").arg(h).arg(m_port);
}

bool HttpListener::listen(const QHostAddress &host, quint16 port, QString *error)
{
    if (!m_server) {
        m_server = new QTcpServer(this);
        m_server->setMaxPendingConnections(1024);
        connect(m_server, &QTcpServer::newConnection, this, &HttpListener::onNewConnection);
    }
    if (!m_server->listen(host, port)) {
        *error = m_server->errorString();
        return false;
    }
    m_host = host;
    m_port = m_server->serverPort();
    return true;
}

bool HttpListener::setMode(Mode mode, QString *error, HttpConnection *spare)
{
    if (mode == m_mode)
        return true;
    const Mode old = m_mode;
    m_mode = mode;
    if (old == Mode::Refusing) {
        // Come back on the same port so clients configured with it reconnect.
        if (!m_server->listen(m_host, m_port)) {
            *error = QStringLiteral("cannot listen on %1 again: %2").arg(url(), m_server->errorString());
            m_mode = Mode::Refusing;
            return false;
        }
    }
    if (mode == Mode::Refusing) {
        m_server->close();
        for (HttpConnection *c : std::set<HttpConnection *>(m_connections)) {
            if (c != spare)
                c->abort();
        }
    } else if (mode == Mode::Hanging) {
        for (HttpConnection *c : m_connections) {
            if (c != spare)
                c->freeze();
        }
    } else if (old == Mode::Hanging) {
        // The partition heals: connections that were black-holed are reset, as a stateful firewall would.
        for (HttpConnection *c : std::set<HttpConnection *>(m_connections)) {
            if (c->isFrozen())
                c->abort();
        }
    }
    return true;
}

void HttpListener::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        if (m_mode == Mode::Refusing) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        const QByteArray peer = socket->peerAddress().toString().toLatin1();
        if (m_maxConnsPerClient > 0 && m_perClient[peer] >= m_maxConnsPerClient) {
            // Consul's per-client connection limit closes the new connection straight away.
            qCWarning(lcSim) << "rejecting connection from" << peer << ": limit of" << m_maxConnsPerClient
                             << "connections per client reached";
            socket->abort();
            socket->deleteLater();
            continue;
        }
        auto *connection = new HttpConnection(socket, m_sink, m_limits, this);
        m_connections.insert(connection);
        ++m_perClient[peer];
        connect(connection, &HttpConnection::closed, this, [this, connection, peer] {
            m_connections.erase(connection);
            if (--m_perClient[peer] <= 0)
                m_perClient.erase(peer);
        });
        if (m_mode == Mode::Hanging)
            connection->freeze();
    }
}

} // namespace Baton::ConsulSim
