#pragma once

#include "core/consul/consulclock.h"

#include <functional>
#include <memory>
#include <optional>

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QPair>
#include <QUrl>

class QTcpServer;
class QTcpSocket;

namespace Baton {

// A small, deliberately misbehaving HTTP/1.1 server that speaks just enough of Consul's wire format to test the
// client and the watcher: index headers that go backwards, are zero or missing, answers at once or held for
// the request's wait on an injectable clock, garbage, truncated, endless or slow bodies, dropped connections.
// It records every request. Qt Core and Network only; listens on 127.0.0.1 port 0.
class FakeConsulServer : public QObject
{
    Q_OBJECT
public:
    struct Request
    {
        QByteArray method;
        QByteArray target; // the request-target exactly as sent
        QByteArray path; // percent-decoded
        QList<QPair<QByteArray, QByteArray>> params; // decoded the way Go's url.ParseQuery does ('+' is a space)
        QList<QByteArray> bareParams; // names sent without '='
        QMap<QByteArray, QByteArray> headers; // lower-case names
        QByteArray body;
        qint64 atMs = 0; // on the server's clock
        bool wokenUp = false; // true when the handler is asked again for a held request

        bool hasParam(const QByteArray &name) const;
        QByteArray param(const QByteArray &name) const;
        QByteArray header(const QByteArray &name) const { return headers.value(name.toLower()); }
        qint64 waitMs() const; // ?wait as Consul reads it (default 5 min, capped at 10 min)
    };

    struct Response
    {
        enum class Fault
        {
            None,
            CloseWithoutAnswer, // drop the connection after reading the request
            TruncateBody, // declare Content-Length, send half of the body, close
            NeverAnswer, // keep the connection open and say nothing
            EndlessBody, // chunked body that never ends (stops after streamLimit bytes)
            HugeContentLength, // declare 1 TB and stream (stops after streamLimit bytes)
            GarbageStatusLine, // not HTTP at all
        };

        int status = 200;
        QByteArray body;
        QByteArray contentType; // default: application/json for 2xx, text/plain otherwise
        std::optional<QByteArray> index; // X-Consul-Index value (raw, so tests can send "0" or "abc")
        QList<QPair<QByteArray, QByteArray>> headers;
        Fault fault = Fault::None;
        qint64 streamLimit = 256LL * 1024 * 1024;
        // Holding: answer later, after holdMs on the server clock or at wake(), whichever comes first; the
        // handler is then asked again (Request::wokenUp) for the answer to send. holdMs < 0: no holding.
        qint64 holdMs = -1;

        static Response json(const QByteArray &body, std::optional<quint64> index = std::nullopt);
        static Response text(int status, const QByteArray &body);
    };

    using Handler = std::function<Response(const Request &)>;

    // Built-in behaviours of the blocking endpoint used when no handler is set (see setMode()).
    enum class Mode
    {
        Honest, // like Consul: blocks while ?index >= the content's index, for ?wait (+ no jitter), wakes on change
        ImmediateChangingIndex, // answers at once, index +1 every time, same body
        ImmediateBackwardsIndex, // answers at once, index −1 every time
        ImmediateZeroIndex, // answers at once with X-Consul-Index: 0
        ImmediateSameIndex, // ignores blocking: answers at once with the same index
        ImmediateNoIndex, // answers at once without X-Consul-Index
        ImmediateChurn, // answers at once with a new index and a new body every time
    };

    explicit FakeConsulServer(ConsulClock *clock = nullptr, QObject *parent = nullptr);
    ~FakeConsulServer() override;

    bool listen();
    // HTTPS with this certificate and key (PEM files); false with a reason on stderr when they cannot be used.
    bool listenTls(const QString &certFile, const QString &keyFile);
    QUrl url() const;
    quint16 port() const;

    void setHandler(Handler handler); // overrides the mode
    void setMode(Mode mode);
    // The content the built-in blocking endpoint serves; changing it wakes held requests (Honest mode).
    void setContent(quint64 index, const QByteArray &body);
    quint64 contentIndex() const { return m_index; }

    // Answers every held request now (asking the handler again).
    void wakeAll();

    const QList<Request> &requests() const { return m_requests; }
    int requestCount() const { return int(m_requests.size()); }
    void clearRequests() { m_requests.clear(); }
    int heldCount() const;
    int openConnections() const;
    qint64 bytesStreamed() const { return m_bytesStreamed; }

private:
    struct Connection;
    struct Held;

    void onNewConnection();
    void onReadyRead(Connection *c);
    void process(Connection *c, Request request);
    void answer(Connection *c, const Request &request, const Response &response);
    void streamMore(Connection *c);
    void release(Held *held);
    void closeConnection(Connection *c, bool abort);
    Response builtIn(const Request &request);

    ConsulClock *m_clock;
    QTcpServer *m_server = nullptr;
    bool m_tls = false;
    Handler m_handler;
    Mode m_mode = Mode::Honest;
    quint64 m_index = 10;
    QByteArray m_body = "[]";
    quint64 m_answerIndex = 1000;
    int m_churn = 0;
    QList<Request> m_requests;
    std::vector<std::unique_ptr<Connection>> m_connections;
    std::vector<std::unique_ptr<Held>> m_held;
    qint64 m_bytesStreamed = 0;
};

} // namespace Baton
