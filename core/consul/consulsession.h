#pragma once

#include "core/base/error.h"
#include "core/consul/consulcall.h"
#include "core/consul/consulclock.h"
#include "core/consul/consultypes.h"

#include <memory>

#include <QObject>
#include <QPointer>

namespace Baton {

class ConsulClient;

// A Consul session kept alive for as long as its owner needs it (the job service holds
// <prefix>nodes/<node>/job with one for the length of a node run). It creates the session, renews it every
// TTL/2 — adopting a larger TTL when Consul returns one, as Consul asks clients to do under load — and
// destroys it on stop(). The session is reported lost when Consul says it is gone (404 on renew), or when
// renewals kept failing for a whole TTL: after that Consul may already have invalidated it, and a holder that
// is unsure must behave as if it lost its locks.
class ConsulSession : public QObject
{
    Q_OBJECT
public:
    enum class State
    {
        Idle,
        Creating,
        Active,
        Lost,
        Stopped
    };

    // spec.ttlMs must be > 0: a session without TTL needs no keeping.
    ConsulSession(
        ConsulClient *client, Consul::SessionSpec spec, ConsulClock *clock = nullptr, QObject *parent = nullptr);
    ~ConsulSession() override; // destroys an active session (best effort)

    void start();
    void stop(); // stops renewing and destroys the session

    State state() const { return m_state; }
    QString id() const { return m_id; }
    qint64 ttlMs() const { return m_ttlMs; } // the TTL in force (may have grown)
    int renewals() const { return m_renewals; }

Q_SIGNALS:
    void established(const QString &id);
    // Creation failed, expired, invalidated, unreachable for a TTL, or the client was destroyed.
    void lost(const Baton::Error &reason);

private:
    void create();
    void renew();
    void scheduleRenew(qint64 delayMs);
    void loseWith(const Error &error);
    void destroyRemote();

    QPointer<ConsulClient> m_client;
    Consul::SessionSpec m_spec;
    ConsulClock *m_clock;
    std::unique_ptr<ConsulTimer> m_timer;
    ConsulCall m_call;
    State m_state = State::Idle;
    QString m_id;
    qint64 m_ttlMs = 0;
    qint64 m_lastRenewedMs = 0;
    int m_failures = 0;
    int m_renewals = 0;
};

} // namespace Baton
