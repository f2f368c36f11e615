#include "service/http/httpserver.h"

#include "service/servicelogging.h"

#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>
#include <microhttpd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <QSocketNotifier>
#include <QSslCertificate>
#include <QSslKey>

namespace Baton {

// The C callbacks libmicrohttpd calls, all from MHD_run() on the server's thread. Connection-level ones find
// their HttpConnection through the socket context set when the library reported the connection.
struct MhdGlue
{
    static HttpConnection *connectionOf(MHD_Connection *c)
    {
        const MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        return info ? static_cast<HttpConnection *>(info->socket_context) : nullptr;
    }

    static MHD_Result access(void *, MHD_Connection *c, const char *, const char *method, const char *version,
        const char *upload, size_t *uploadSize, void **)
    {
        HttpConnection *conn = connectionOf(c);
        if (!conn)
            return MHD_NO;
        return conn->onAccess(method, version, upload, uploadSize) == MHD_YES ? MHD_YES : MHD_NO;
    }

    // Called with the request-target exactly as sent (before the library splits off and unescapes the query),
    // which is what the router needs to tell an encoded "/" from a separator.
    static void *requestLine(void *, const char *uri, MHD_Connection *c)
    {
        HttpConnection *conn = connectionOf(c);
        if (conn)
            conn->onRequestLine(uri);
        return conn;
    }

    static void completed(void *, MHD_Connection *c, void **requestContext, MHD_RequestTerminationCode code)
    {
        if (HttpConnection *conn = connectionOf(c))
            conn->onCompleted(int(code));
        *requestContext = nullptr;
    }

    static void connection(void *cls, MHD_Connection *c, void **socketContext, MHD_ConnectionNotificationCode code)
    {
        auto *server = static_cast<HttpServer *>(cls);
        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
            const bool over = server->m_connections.size() >= server->m_limits.maxConnections;
            if (over)
                qCWarning(lcHttp) << "connection over the limit of" << server->m_limits.maxConnections
                                  << "open connections: its requests get 503";
            auto *conn = new HttpConnection(server, c, server->m_limits, over);
            *socketContext = conn;
            server->m_connections.insert(conn);
            QObject::connect(conn, &HttpConnection::responded, server, &HttpServer::responded);
            if (server->m_closing)
                conn->m_closeWhenIdle = true;
            Q_EMIT server->connectionCountChanged(int(server->m_connections.size()));
            return;
        }
        auto *conn = static_cast<HttpConnection *>(*socketContext);
        *socketContext = nullptr;
        if (!conn)
            return;
        server->m_connections.remove(conn);
        conn->onClosed();
        conn->deleteLater();
        Q_EMIT server->connectionCountChanged(int(server->m_connections.size()));
    }

    static void log(void *cls, const char *format, va_list args)
    {
        char buffer[512];
        std::vsnprintf(buffer, sizeof buffer, format, args);
        QByteArray line(buffer);
        while (line.endsWith('\n'))
            line.chop(1);
        static_cast<HttpServer *>(cls)->m_lastLibraryMessage = line;
        qCDebug(lcHttp).noquote() << "libmicrohttpd:" << QString::fromUtf8(line);
    }
};

HttpServer::HttpServer(const HttpLimits &limits, QObject *parent)
    : QObject(parent)
    , m_limits(limits)
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, &HttpServer::run);
}

HttpServer::~HttpServer()
{
    stopDaemon();
}

void HttpServer::setTls(const QSslConfiguration &config)
{
    m_tlsCertPem.clear();
    m_tlsKeyPem.clear();
    const QList<QSslCertificate> chain = config.localCertificateChain();
    for (const QSslCertificate &cert : chain)
        m_tlsCertPem += cert.toPem();
    if (!config.privateKey().isNull())
        m_tlsKeyPem = config.privateKey().toPem();
    m_tls = !m_tlsCertPem.isEmpty() && !m_tlsKeyPem.isEmpty();
}

Result<quint16> HttpServer::listen(const QHostAddress &address, quint16 port)
{
    if (m_daemon)
        return fail(Error::Kind::Internal, QStringLiteral("the HTTP server is already listening"));
    const QString where = QStringLiteral("%1:%2").arg(address.toString()).arg(port);

    // libmicrohttpd suppresses SIGPIPE itself where the platform allows (MSG_NOSIGNAL); where it cannot, a
    // client that vanishes mid-answer must not kill the service.
    if (MHD_is_feature_supported(MHD_FEATURE_AUTOSUPPRESS_SIGPIPE) != MHD_YES)
        ::signal(SIGPIPE, SIG_IGN);

    // The listening socket is made here rather than by the library so a failure names its reason.
    sockaddr_storage storage {};
    socklen_t length = 0;
    int family = AF_INET;
    bool dualStack = false;
    if (address == QHostAddress(QHostAddress::Any) || address.protocol() == QAbstractSocket::IPv6Protocol) {
        family = AF_INET6;
        dualStack = address == QHostAddress(QHostAddress::Any);
        auto *a6 = reinterpret_cast<sockaddr_in6 *>(&storage);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        if (!dualStack) {
            const Q_IPV6ADDR bytes = address.toIPv6Address();
            std::memcpy(&a6->sin6_addr, bytes.c, sizeof bytes.c);
            const QString scope = address.scopeId();
            if (!scope.isEmpty()) {
                bool numeric = false;
                const uint id = scope.toUInt(&numeric);
                a6->sin6_scope_id = numeric ? id : ::if_nametoindex(scope.toLocal8Bit().constData());
            }
        }
        length = sizeof(sockaddr_in6);
    } else {
        auto *a4 = reinterpret_cast<sockaddr_in *>(&storage);
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        a4->sin_addr.s_addr
            = htonl(address == QHostAddress(QHostAddress::AnyIPv4) ? INADDR_ANY : address.toIPv4Address());
        length = sizeof(sockaddr_in);
    }
    const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail(Error::Kind::Io,
            QStringLiteral("cannot listen on %1: %2").arg(where, QString::fromLocal8Bit(std::strerror(errno))));
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6) {
        const int v6only = dualStack ? 0 : 1;
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (::bind(fd, reinterpret_cast<sockaddr *>(&storage), length) != 0 || ::listen(fd, m_limits.listenBacklog) != 0) {
        const int err = errno;
        ::close(fd);
        return fail(Error::Kind::Io,
            QStringLiteral("cannot listen on %1: %2").arg(where, QString::fromLocal8Bit(std::strerror(err))));
    }
    sockaddr_storage bound {};
    socklen_t boundLength = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &boundLength) == 0)
        m_port = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port
                                          : reinterpret_cast<sockaddr_in *>(&bound)->sin_port);

    // External event loop with epoll, no thread of the library's own, suspend/resume.
    unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (m_tls)
        flags |= MHD_USE_TLS;
    // Connections past maxConnections are still accepted, up to this margin, so they can be told 503 in JSON;
    // past the margin the library stops accepting and new clients wait in the listen backlog.
    const int hardCap = m_limits.maxConnections + std::max(16, m_limits.maxConnections / 16);
    const unsigned int timeoutS = unsigned((std::max(1000, m_limits.idleTimeoutMs) + 999) / 1000);
    std::vector<MHD_OptionItem> options {
        // The logger first, so that the library's messages about the other options reach it too.
        { MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(&MhdGlue::log), this },
        { MHD_OPTION_LISTEN_SOCKET, intptr_t(fd), nullptr },
        { MHD_OPTION_CONNECTION_LIMIT, intptr_t(hardCap), nullptr },
        { MHD_OPTION_CONNECTION_TIMEOUT, intptr_t(timeoutS), nullptr },
        { MHD_OPTION_CONNECTION_MEMORY_LIMIT, intptr_t(m_limits.connectionMemoryBytes), nullptr },
        { MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&MhdGlue::connection), this },
        { MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&MhdGlue::completed), this },
        { MHD_OPTION_URI_LOG_CALLBACK, reinterpret_cast<intptr_t>(&MhdGlue::requestLine), this },
    };
    if (m_tls) {
        options.push_back({ MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char *>(m_tlsCertPem.constData()) });
        options.push_back({ MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char *>(m_tlsKeyPem.constData()) });
    }
    options.push_back({ MHD_OPTION_END, 0, nullptr });
    m_lastLibraryMessage.clear();
    m_daemon = MHD_start_daemon(
        flags, 0, nullptr, nullptr, &MhdGlue::access, this, MHD_OPTION_ARRAY, options.data(), MHD_OPTION_END);
    if (!m_daemon) {
        ::close(fd);
        const QString why = m_lastLibraryMessage.isEmpty() ? QStringLiteral("libmicrohttpd did not start")
                                                           : QString::fromUtf8(m_lastLibraryMessage);
        return fail(Error::Kind::Io, QStringLiteral("cannot listen on %1: %2").arg(where, why));
    }
    const MHD_DaemonInfo *info = MHD_get_daemon_info(m_daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info) {
        stopDaemon();
        return fail(
            Error::Kind::Io, QStringLiteral("cannot listen on %1: libmicrohttpd has no epoll descriptor").arg(where));
    }
    m_epollWatch = new QSocketNotifier(qintptr(info->epoll_fd), QSocketNotifier::Read, this);
    connect(m_epollWatch, &QSocketNotifier::activated, this, &HttpServer::run);
    m_listening = true;
    // Take whatever is already pending (nothing, normally) and arm the first timeout.
    scheduleRun();
    return m_port;
}

void HttpServer::run()
{
    if (!m_daemon || m_running)
        return;
    m_running = true;
    m_wakePending = false;
    MHD_run(m_daemon);
    m_running = false;
    scheduleRun();
}

void HttpServer::scheduleRun()
{
    if (!m_daemon)
        return;
    if (m_wakePending) {
        m_timeout.start(0);
        return;
    }
    MHD_UNSIGNED_LONG_LONG ms = 0;
    if (MHD_get_timeout(m_daemon, &ms) == MHD_YES)
        m_timeout.start(int(std::min<MHD_UNSIGNED_LONG_LONG>(ms, std::numeric_limits<int>::max())));
    else
        m_timeout.stop();
}

void HttpServer::wake()
{
    // A resumed connection is taken back at the start of the library's next turn; MHD_get_timeout() does not
    // count it, so ask for that turn now (or right after the current one).
    m_wakePending = true;
    if (!m_running && m_daemon)
        m_timeout.start(0);
}

void HttpServer::dispatch(HttpRequest &request, const HttpResponder &responder)
{
    if (!m_handler) {
        responder.send(
            HttpResponse::error(503, QStringLiteral("unavailable"), QStringLiteral("the service is starting")));
        return;
    }
    m_handler(request, responder);
}

void HttpServer::stopListening()
{
    if (!m_daemon || !m_listening)
        return;
    m_listening = false;
    const MHD_socket fd = MHD_quiesce_daemon(m_daemon);
    if (fd != MHD_INVALID_SOCKET)
        ::close(fd);
}

void HttpServer::closeAllWhenIdle()
{
    m_closing = true;
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

void HttpServer::stopDaemon()
{
    if (!m_daemon)
        return;
    delete m_epollWatch;
    m_epollWatch = nullptr;
    m_timeout.stop();
    // The library refuses to stop with suspended connections: hand every one back first. Stopping closes them
    // all and reports each as closed, so streams' owners hear of it.
    const auto connections = m_connections;
    for (HttpConnection *c : connections) {
        c->m_abort = true;
        c->resume();
    }
    MHD_Daemon *daemon = std::exchange(m_daemon, nullptr);
    MHD_stop_daemon(daemon);
    m_listening = false;
}

} // namespace Baton
