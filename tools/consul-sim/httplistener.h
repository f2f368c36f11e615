#pragma once

#include "tools/consul-sim/httpconnection.h"

#include <map>
#include <set>

#include <QHostAddress>
#include <QObject>

class QTcpServer;

namespace Baton::ConsulSim {

// One HTTP listening address (an agent's, or the control address). Besides accepting connections it can play
// an unreachable host: "refuse" closes the listening socket and resets every connection (a dead agent
// process: connection refused), "hang" keeps accepting but never reads or answers (a partitioned host:
// clients time out). Reachable again re-listens on the same port and drops the hung connections.
class HttpListener : public QObject
{
    Q_OBJECT

public:
    enum class Mode
    {
        Serving,
        Refusing,
        Hanging
    };

    HttpListener(RequestSink *sink, const HttpLimits &limits, int maxConnsPerClient, QObject *parent = nullptr);
    ~HttpListener() override;

    // Listens on host:port (port 0 picks one); false with *error on failure.
    bool listen(const QHostAddress &host, quint16 port, QString *error);
    quint16 port() const { return m_port; }
    QHostAddress host() const { return m_host; }
    QString url() const;
    Mode mode() const { return m_mode; }
    // Switches mode; false with *error when re-listening fails (the port was taken meanwhile). A spared
    // connection (the one carrying the control request) is left alone so it can be answered; answer it with
    // closeAfter set.
    bool setMode(Mode mode, QString *error, HttpConnection *spare = nullptr);
    std::size_t connectionCount() const { return m_connections.size(); }

private:
    void onNewConnection();

    RequestSink *m_sink;
    HttpLimits m_limits;
    int m_maxConnsPerClient;
    QTcpServer *m_server = nullptr;
    QHostAddress m_host;
    quint16 m_port = 0;
    Mode m_mode = Mode::Serving;
    std::set<HttpConnection *> m_connections;
    std::map<QByteArray, int> m_perClient;
};

} // namespace Baton::ConsulSim
