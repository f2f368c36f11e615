#pragma once

#include "service/http/httplimits.h"
#include "service/http/httprequest.h"
#include "service/http/httpresponse.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

class QTcpSocket;

namespace Baton {

// One client connection: an incremental HTTP/1.1 parser with limits, keep-alive, pipelining (one request in
// flight at a time), and a streaming mode for Server-Sent Events. Everything runs on the owning thread.
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    HttpConnection(QTcpSocket *socket, const HttpLimits &limits, QObject *parent = nullptr);
    ~HttpConnection() override;

    quint64 currentSerial() const { return m_serial; }
    // Names the route the in-flight request matched, for metrics ("/v1/jobs/{id}").
    void setRoute(quint64 serial, const QString &route);
    // Answers the request with this serial; ignored when it is no longer the one in flight.
    void respond(quint64 serial, const HttpResponse &response);

    // Turns the in-flight request's answer into a stream: sends the status line and headers (chunked on
    // HTTP/1.1) and keeps the connection for streamWrite() until closeStream() or the client leaves.
    bool startStream(quint64 serial, int status, const QList<std::pair<QByteArray, QByteArray>> &headers);
    void streamWrite(const QByteArray &bytes);
    void closeStream();
    bool isStreaming() const { return m_state == State::Streaming; }
    qint64 bytesPending() const;

    // Closes the connection once nothing is in flight (used on shutdown).
    void closeWhenIdle();
    void abort();
    bool isIdle() const { return m_state == State::Idle; }

    QHostAddress peer() const;

Q_SIGNALS:
    void requestReady(Baton::HttpConnection *connection, quint64 serial, Baton::HttpRequest request);
    void responded(const Baton::HttpRequest &request, int status);
    void streamDrained(); // pending output fell below the low-water mark
    void closed(Baton::HttpConnection *connection);

private:
    enum class State
    {
        Idle,
        Head,
        Body,
        ChunkSize,
        ChunkData,
        ChunkTrailer,
        Handling,
        Streaming,
        Closing
    };

    void onReadyRead();
    void parse();
    bool parseHeadLine(const QByteArray &line);
    bool finishHead();
    bool parseRequestLine(const QByteArray &line);
    void dispatch();
    void fail(int status, const QString &message);
    void writeResponse(const HttpResponse &response, bool close);
    void onTimeout();
    void armTimer(int ms);
    void onDisconnected();
    void closeSocket();

    QTcpSocket *m_socket = nullptr;
    HttpLimits m_limits;
    State m_state = State::Idle;
    QByteArray m_in;
    HttpRequest m_request;
    int m_headerBytes = 0;
    bool m_requestLineDone = false;
    qint64 m_contentLength = 0;
    qint64 m_chunkRemaining = 0;
    bool m_keepAlive = true;
    bool m_closeWhenIdle = false;
    bool m_chunkedOut = false;
    bool m_closedEmitted = false;
    quint64 m_serial = 0;
    QTimer m_timer;
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
    bool isConnected() const { return !m_connection.isNull(); }
    void setRoute(const QString &route) const;

private:
    QPointer<HttpConnection> m_connection;
    quint64 m_serial = 0;
};

} // namespace Baton
