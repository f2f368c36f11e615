#pragma once

#include "service/consul/consulgateway.h"

#include <QPointer>

namespace Baton {

class ConsulClient;
class ConsulSession;

// ConsulGateway on core/consul's ConsulClient. Holds one ConsulSession per service instance (TTL, no node
// checks, no lock delay, behaviour "release") for all its node locks; when it is lost the gateway reports
// sessionLost and the next lock creates a new one.
class ConsulClientGateway : public ConsulGateway
{
    Q_OBJECT
public:
    struct Options
    {
        QString prefix = QStringLiteral("baton/");
        QString instance;
        qint64 sessionTtlMs = 30000;
        qint64 lockWaitMs = 60000; // one blocking wait on a held node lock
    };

    ConsulClientGateway(ConsulClient *client, Options options, QObject *parent = nullptr);
    ~ConsulClientGateway() override;

    void resolveService(const QString &service, const QString &tag, QObject *context, NodesDone done) override;
    void resolveNodes(const QStringList &nodes, const QString &service, QObject *context, NodesDone done) override;
    void maxOffline(const QString &service, QObject *context, TextDone done) override;
    void acquireNodeLock(const QString &node, const QByteArray &value, QObject *context, LockDone done) override;
    void waitNodeLock(const QString &node, quint64 index, QObject *context, LockDone done) override;
    void releaseNodeLock(const QString &node, QObject *context, VoidDone done) override;
    void maintenanceChecks(const QString &node, QObject *context, MaintenanceDone done) override;
    void destroySession(const QString &sessionId, QObject *context, VoidDone done) override;
    QString sessionId() const override { return m_session; }
    void shutdown(QObject *context, VoidDone done) override;

    QString lockKey(const QString &node) const;
    static QString describeHolder(const QByteArray &value);

private:
    void ensureSession(QObject *context, std::function<void(Result<QString>)> done);

    ConsulClient *m_client;
    Options m_options;
    QString m_session;
    ConsulSession *m_keeper = nullptr;
    QList<std::pair<QPointer<QObject>, std::function<void(Result<QString>)>>> m_waiting;
};

} // namespace Baton
