#pragma once

#include "core/consul/consulcall.h"
#include "core/consul/consulreply.h"

#include <functional>
#include <memory>

#include <QElapsedTimer>
#include <QNetworkReply>
#include <QPointer>
#include <QTimer>

class QNetworkAccessManager;
class QNetworkRequest;

namespace Baton {

// One HTTP exchange of ConsulClient (internal). It reads the body as it arrives and aborts once it passes the
// limit, so a hostile or broken server cannot make the client buffer more than maxBodyBytes.
//
// What the caller gets is made in two steps: `work` turns the raw result into a value (parsing and decoding),
// and `finish` hands that value to the callback. For a body of at least offThreadBytes, `work` runs on a
// QThreadPool thread, so decoding a 5,000-instance health answer does not stall the GUI thread; `work` must
// therefore only use what it captured by value. `finish` always runs in the request's thread, from the event
// loop (never from inside QNetworkReply's own signal, so a callback may delete the client), and never after
// abort() or the context's destruction.
class ConsulRequest final : public ConsulOperation
{
    Q_OBJECT
public:
    using Work = std::function<std::shared_ptr<void>(Result<ConsulRawReply>)>;
    using Finish = std::function<void(std::shared_ptr<void>)>;

    ConsulRequest(QObject *context, Work work, Finish finish, qint64 offThreadBytes, QObject *parent);
    ~ConsulRequest() override;

    void start(QNetworkAccessManager *nam, const QNetworkRequest &request, const QByteArray &method,
        const QByteArray &body, qint64 timeoutMs, qint64 maxBodyBytes);
    // Completes with an error without touching the network (bad input, unusable config); still asynchronous.
    void failSoon(Error error);
    void abort() override;
    bool isDone() const override { return m_aborted; }
    // Called by the client when it is destroyed: like abort(), and safe while the callback or the off-thread
    // work is running (the request then deletes itself later).
    void detachFromClient();

private:
    void onMetaData();
    void onReadyRead();
    void onFinished();
    void onTimeout();
    void dropReply();
    void complete(Result<ConsulRawReply> result);
    void deliver(std::shared_ptr<void> value);

    QPointer<QObject> m_context;
    bool m_hadContext = false;
    Work m_work;
    Finish m_finish;
    qint64 m_offThreadBytes = 0;
    QPointer<QNetworkReply> m_reply;
    QTimer m_timer;
    QElapsedTimer m_elapsed;
    QByteArray m_body;
    qint64 m_maxBody = 0;
    bool m_completed = false;
    bool m_delivering = false;
    bool m_working = false; // off-thread work in progress: the request must outlive it
    bool m_aborted = false;
};

} // namespace Baton
