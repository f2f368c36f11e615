#pragma once

#include "tools/consul-sim/httpmessage.h"

#include <chrono>
#include <cstdint>

#include <QObject>
#include <QPointer>

class QTcpSocket;
class QTimer;

namespace Baton::ConsulSim {

class HttpConnection;

// What a connection asks of the application: how large a body it will take for a request (decided from the
// head alone, so an oversized body is refused before it is read, as Consul does from Content-Length), and the
// handling of a complete request. handle() answers through HttpConnection::respond, now or later.
class RequestSink
{
public:
    virtual ~RequestSink() = default;
    virtual std::uint64_t maxBodyFor(const HttpRequest &head) const = 0;
    virtual HttpResponse bodyTooLarge(const HttpRequest &head, std::uint64_t size) const = 0;
    virtual void handle(HttpConnection *connection, std::uint64_t serial, const HttpRequest &request) = 0;
};

struct HttpLimits
{
    std::uint64_t maxHeaderBytes = 1024 * 1024;
    std::chrono::milliseconds readTimeout { 30000 };
};

// One HTTP/1.1 server connection: an incremental request parser (Content-Length and chunked bodies,
// Expect: 100-continue, keep-alive, pipelining handled one request at a time) with hard limits on header and
// body sizes, and a response writer. Requests are answered in order; while one is in flight (a blocking query
// may hold it for minutes) further bytes stay in the socket's bounded buffer, which gives TCP back-pressure
// instead of unbounded memory.
class HttpConnection : public QObject
{
    Q_OBJECT

public:
    HttpConnection(QTcpSocket *socket, RequestSink *sink, const HttpLimits &limits, QObject *parent = nullptr);
    ~HttpConnection() override;

    // Answers the request with this serial; a stale serial (the connection moved on or closed) is ignored.
    void respond(std::uint64_t serial, HttpResponse response);

    // Unreachable agent: stop reading and answering, as a host behind a dropped network link would.
    void freeze();
    bool isFrozen() const { return m_frozen; }
    // Drops the connection at once (RST where the platform allows).
    void abort();

    QByteArray peerAddress() const { return m_peer; }

Q_SIGNALS:
    // Emitted once when the socket is gone; the object deletes itself afterwards.
    void closed();

private:
    enum class State
    {
        Head,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailer,
        Dispatched,
        Closing
    };

    void onReadyRead();
    void process();
    bool parseHead(qsizetype headEnd);
    void startBody();
    void dispatch();
    void protocolError(int status, const QByteArray &detail = {});
    void finish();
    void onTimeout();

    QTcpSocket *m_socket;
    RequestSink *m_sink;
    HttpLimits m_limits;
    QTimer *m_readTimer;
    QByteArray m_buffer;
    State m_state = State::Head;
    HttpRequest m_request;
    std::uint64_t m_maxBody = 0;
    std::uint64_t m_remaining = 0;
    bool m_chunked = false;
    std::uint64_t m_serial = 0;
    bool m_frozen = false;
    bool m_closedEmitted = false;
    QByteArray m_peer;
};

} // namespace Baton::ConsulSim
