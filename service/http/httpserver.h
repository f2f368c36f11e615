#pragma once

#include "core/base/result.h"
#include "service/http/httpconnection.h"
#include "service/http/httplimits.h"

#include <functional>

#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <QSslConfiguration>
#include <QTimer>

class QSocketNotifier;
struct MHD_Daemon;

namespace Baton {

// The HTTP/1.1 server of the job service, on GNU libmicrohttpd (docs/service.md says why this library and not
// QHttpServer 6.4). The library runs in its external event-loop mode with epoll and without a thread of its
// own: its epoll descriptor is watched by a QSocketNotifier and its next timeout by a single-shot QTimer, and
// MHD_run() is called on the Qt thread when either fires, so handlers, answers and streams never cross
// threads. Suspend/resume carries answers that are produced later and idle event streams.
class HttpServer : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<void(HttpRequest &request, const HttpResponder &responder)>;

    explicit HttpServer(const HttpLimits &limits, QObject *parent = nullptr);
    ~HttpServer() override;

    void setHandler(Handler handler) { m_handler = std::move(handler); }
    // TLS (libmicrohttpd on GnuTLS) is on when a configuration with a certificate and key is given.
    void setTls(const QSslConfiguration &config);

    Result<quint16> listen(const QHostAddress &address, quint16 port);
    void stopListening();
    // Closes idle keep-alive connections now and the rest as their requests finish.
    void closeAllWhenIdle();
    void abortAll();

    int connectionCount() const { return int(m_connections.size()); }
    quint16 port() const { return m_port; }
    bool isTls() const { return m_tls; }
    const HttpLimits &limits() const { return m_limits; }

Q_SIGNALS:
    void responded(const Baton::HttpRequest &request, int status);
    void connectionCountChanged(int count);

private:
    friend class HttpConnection;

    friend struct MhdGlue; // the libmicrohttpd callbacks, in httpserver.cpp

    void dispatch(HttpRequest &request, const HttpResponder &responder);
    void run();
    void wake(); // run the library on the next event-loop turn (after a resume)
    void scheduleRun();
    void stopDaemon();

    HttpLimits m_limits;
    Handler m_handler;
    MHD_Daemon *m_daemon = nullptr;
    QSocketNotifier *m_epollWatch = nullptr;
    QTimer m_timeout;
    bool m_running = false;
    bool m_wakePending = false;
    bool m_listening = false;
    quint16 m_port = 0;
    bool m_tls = false;
    QByteArray m_tlsCertPem; // kept for the daemon's lifetime: libmicrohttpd keeps the pointers
    QByteArray m_tlsKeyPem;
    bool m_closing = false;
    QByteArray m_lastLibraryMessage; // for a failed start's error
    QSet<HttpConnection *> m_connections;
};

} // namespace Baton
