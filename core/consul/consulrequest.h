#pragma once

#include "core/consul/consulcall.h"
#include "core/consul/consulreply.h"

#include <functional>

#include <QElapsedTimer>
#include <QNetworkReply>
#include <QPointer>
#include <QTimer>

class QNetworkAccessManager;
class QNetworkRequest;

namespace Baton {

// One HTTP exchange of ConsulClient (internal). It reads the body as it arrives and aborts once it passes the
// limit, so a hostile or broken server cannot make the client buffer more than maxBodyBytes. The callback is
// delivered from the event loop (never from inside QNetworkReply's own signal, so a callback may delete the
// client) and never after abort() or the context's destruction.
class ConsulRequest final : public ConsulOperation
{
    Q_OBJECT
public:
    using Done = std::function<void(Result<ConsulRawReply>)>;

    ConsulRequest(QObject *context, Done done, QObject *parent);
    ~ConsulRequest() override;

    void start(QNetworkAccessManager *nam, const QNetworkRequest &request, const QByteArray &method,
        const QByteArray &body, qint64 timeoutMs, qint64 maxBodyBytes);
    // Completes with an error without touching the network (bad input, unusable config); still asynchronous.
    void failSoon(Error error);
    void abort() override;
    bool isDone() const override { return m_aborted; }
    // Called by the client when it is destroyed: like abort(), and safe while the callback is running.
    void detachFromClient();

private:
    void onMetaData();
    void onReadyRead();
    void onFinished();
    void onTimeout();
    void dropReply();
    void complete(Result<ConsulRawReply> result);
    void deliver();

    QPointer<QObject> m_context;
    bool m_hadContext = false;
    Done m_done;
    QPointer<QNetworkReply> m_reply;
    QTimer m_timer;
    QElapsedTimer m_elapsed;
    QByteArray m_body;
    qint64 m_maxBody = 0;
    std::optional<Result<ConsulRawReply>> m_result;
    bool m_completed = false;
    bool m_delivering = false;
    bool m_aborted = false;
};

} // namespace Baton
