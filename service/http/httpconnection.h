#pragma once

#include "service/http/httplimits.h"
#include "service/http/httprequest.h"
#include "service/http/httpresponse.h"

#include <cstdint>
#include <deque>
#include <sys/types.h>

#include <QObject>
#include <QPointer>
#include <QTimer>

class QSocketNotifier;
struct MHD_Connection;
struct MHD_Response;

namespace Baton {

class HttpServer;

// One client connection of the HTTP server, as libmicrohttpd reports it: created when the library accepts the
// socket and closed when the library lets go of it. libmicrohttpd parses and frames HTTP; this object checks
// each request head against HttpLimits, collects the body, hands the request to the server's handler and
// turns the handler's answer — now, later, or as a stream — into a libmicrohttpd response. It lives on the
// server's thread, like everything the library calls back.
//
// An answer that is not ready when the handler returns suspends the connection (the library then ignores its
// socket) until respond() resumes it. A stream's body comes from a content-reader callback fed by
// streamWrite(); when the stream has nothing to send the reader suspends the connection, and the next write
// resumes it, so an idle event-stream client costs no polling.
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    ~HttpConnection() override;

    // Names the route the in-flight request matched, for metrics ("/v1/jobs/{id}").
    void setRoute(quint64 serial, const QString &route);
    // Answers the request with this serial; ignored when it is no longer the one in flight.
    void respond(quint64 serial, const HttpResponse &response);

    // Turns the in-flight request's answer into a stream (chunked on HTTP/1.1, ended by closing on HTTP/1.0)
    // that is fed with streamWrite() until closeStream() or the client leaves. The stream is the last
    // answer on its connection.
    bool startStream(quint64 serial, int status, const QList<std::pair<QByteArray, QByteArray>> &headers);
    void streamWrite(const QByteArray &bytes);
    void closeStream();
    // Bytes written to the stream that the library has not taken yet (its own buffer and the socket's are
    // bounded on their own); the event hub stops feeding a client above its high-water mark.
    qint64 bytesPending() const { return m_outBytes; }

    // Closes the connection once nothing is in flight (used on shutdown).
    void closeWhenIdle();
    void abort();

Q_SIGNALS:
    void responded(const Baton::HttpRequest &request, int status);
    void streamDrained(); // pending stream output fell below the low-water mark
    void closed(Baton::HttpConnection *connection);

private:
    friend class HttpServer;
    friend struct MhdGlue;

    enum class Phase
    {
        Idle, // between requests: the next request line must arrive within idleTimeoutMs
        Head, // request line seen, headers arriving
        Body, // head accepted, body arriving
        Handling, // handed to the handler; the answer is pending (the connection may be suspended)
        Answered, // answer queued with the library
        Streaming, // stream queued with the library
        Closed
    };

    HttpConnection(HttpServer *server, MHD_Connection *connection, const HttpLimits &limits, bool overCapacity);

    // Entry points for HttpServer's libmicrohttpd callbacks. The int results are MHD_Result values.
    void onRequestLine(const char *rawTarget);
    int onAccess(const char *method, const char *version, const char *upload, size_t *uploadSize);
    void onCompleted(int terminationCode);
    void onClosed();
    static ssize_t readStream(void *cls, uint64_t pos, char *buf, size_t max);

    int onHead(const char *method, const char *version);
    int onBody(const char *upload, size_t *uploadSize);
    int onFullRequest();
    int queuePending();
    int refuse(int status, const QString &message);
    MHD_Response *buildResponse(const HttpResponse &response, bool close) const;
    void suspend();
    void resume();
    void shutdownSocket();
    void armDeadline(int ms);
    void onDeadline();
    void onPeerActivity();
    void resetRequest();
    ssize_t fillStream(char *buf, size_t max);

    HttpServer *m_server;
    MHD_Connection *m_mhd; // null once the library closed the connection
    HttpLimits m_limits;
    bool m_overCapacity;
    int m_fd = -1;
    QHostAddress m_peer;
    Phase m_phase = Phase::Idle;
    quint64 m_serial = 0;
    HttpRequest m_request;
    QByteArray m_rawTarget;
    qint64 m_bodyBytes = 0;
    qint64 m_discardedBytes = 0;
    bool m_tooLarge = false;
    bool m_answeredByUs = false; // we queued (or are about to queue) this request's answer
    bool m_suspended = false;
    bool m_abort = false;
    bool m_closeWhenIdle = false;
    MHD_Response *m_pending = nullptr;
    int m_pendingStatus = 0;
    bool m_pendingIsStream = false;
    // Stream output: pieces as written (shared with the event hub's frame ring, so no copy until the library
    // takes them), the offset into the first, and the total.
    std::deque<QByteArray> m_out;
    qsizetype m_outOffset = 0;
    qint64 m_outBytes = 0;
    bool m_drainArmed = false;
    bool m_stream = false; // the in-flight answer is a stream
    bool m_streamEnding = false;
    QSocketNotifier *m_peerWatch = nullptr;
    QTimer m_deadline;
};

// A handle to answer one request later (after a Consul call, say). Cheap to copy; answering twice, or after
// the client left, does nothing.
class HttpResponder
{
public:
    HttpResponder() = default;
    HttpResponder(HttpConnection *connection, quint64 serial)
        : m_connection(connection)
        , m_serial(serial)
    { }

    void send(const HttpResponse &response) const;
    // See HttpConnection::startStream; returns nullptr when the client is gone.
    HttpConnection *startStream(int status, const QList<std::pair<QByteArray, QByteArray>> &headers) const;
    void setRoute(const QString &route) const;

private:
    QPointer<HttpConnection> m_connection;
    quint64 m_serial = 0;
};

} // namespace Baton
