#pragma once

#include "core/base/result.h"
#include "service/http/httpconnection.h"
#include "service/http/httplimits.h"

#include <functional>

#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <QSslConfiguration>

class QTcpServer;

namespace Baton {

// The HTTP/1.1 server of the job service, on QTcpServer (or QSslServer for TLS). docs/service.md explains why
// this and not QHttpServer 6.4: limits before buffering, a header-count cap, and streaming responses.
class HttpServer : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<void(HttpRequest &request, const HttpResponder &responder)>;

    explicit HttpServer(const HttpLimits &limits, QObject *parent = nullptr);
    ~HttpServer() override;

    void setHandler(Handler handler) { m_handler = std::move(handler); }
    // TLS is on when a configuration with a certificate is given.
    void setTls(const QSslConfiguration &config);

    Result<quint16> listen(const QHostAddress &address, quint16 port);
    void stopListening();
    // Closes idle keep-alive connections now and the rest as their requests finish.
    void closeAllWhenIdle();
    void abortAll();

    int connectionCount() const { return int(m_connections.size()); }
    quint16 port() const;
    bool isTls() const { return m_tls; }

Q_SIGNALS:
    void responded(const Baton::HttpRequest &request, int status);
    void connectionCountChanged(int count);

private:
    void onPendingConnections();
    void onClosed(HttpConnection *connection);

    HttpLimits m_limits;
    Handler m_handler;
    QTcpServer *m_server = nullptr;
    bool m_tls = false;
    QSslConfiguration m_tlsConfig;
    QSet<HttpConnection *> m_connections;
};

} // namespace Baton
