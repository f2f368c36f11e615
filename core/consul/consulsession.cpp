#include "core/consul/consulsession.h"

#include "core/consul/consulclient.h"
#include "core/consul/consullogging.h"

namespace Baton {

ConsulSession::ConsulSession(ConsulClient *client, Consul::SessionSpec spec, ConsulClock *clock, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_spec(std::move(spec))
    , m_clock(clock ? clock : ConsulClock::system())
    , m_timer(m_clock->createTimer())
    , m_ttlMs(m_spec.ttlMs)
{
    // The client's calls die with it, silently: without a client nobody renews, so the session is as good as
    // lost and its owner must hear so.
    if (client) {
        connect(client, &QObject::destroyed, this, [this] {
            m_call = ConsulCall();
            if (m_state == State::Creating || m_state == State::Active)
                loseWith(Error::make(Error::Kind::Cancelled, QStringLiteral("the Consul client is gone")));
        });
    }
}

ConsulSession::~ConsulSession()
{
    m_call.abort();
    if (m_state == State::Active)
        destroyRemote();
}

void ConsulSession::start()
{
    if (m_state == State::Creating || m_state == State::Active)
        return;
    if (m_spec.ttlMs <= 0) {
        loseWith(Error::make(Error::Kind::InvalidInput, QStringLiteral("a kept session needs a TTL")));
        return;
    }
    m_id.clear();
    m_ttlMs = m_spec.ttlMs;
    m_failures = 0;
    create();
}

void ConsulSession::stop()
{
    if (m_state == State::Stopped || m_state == State::Idle)
        return;
    m_call.abort();
    m_timer->stop();
    if (m_state == State::Active)
        destroyRemote();
    m_state = State::Stopped;
}

void ConsulSession::destroyRemote()
{
    if (!m_client || m_id.isEmpty())
        return;
    // The client is the context: the destroy must go out even when this object is going away.
    m_client->sessionDestroy(m_id, {}, m_client, [id = m_id](ConsulReply<bool> r) {
        if (!r.result)
            qCInfo(lcConsul).noquote() << "could not destroy session" << id << ":" << r.result.error().toString();
    });
}

void ConsulSession::create()
{
    if (!m_client) {
        loseWith(Error::make(Error::Kind::Cancelled, QStringLiteral("the Consul client is gone")));
        return;
    }
    m_state = State::Creating;
    m_call = m_client->sessionCreate(m_spec, {}, this, [this](ConsulReply<QString> r) {
        m_call = ConsulCall();
        if (!r.result) {
            loseWith(r.result.error());
            return;
        }
        m_id = *r.result;
        m_state = State::Active;
        m_lastRenewedMs = m_clock->nowMs();
        scheduleRenew(m_ttlMs / 2);
        Q_EMIT established(m_id);
    });
}

void ConsulSession::scheduleRenew(qint64 delayMs)
{
    m_timer->start(std::max<qint64>(delayMs, 1), [this] { renew(); });
}

void ConsulSession::renew()
{
    if (m_state != State::Active)
        return;
    if (!m_client) {
        loseWith(Error::make(Error::Kind::Cancelled, QStringLiteral("the Consul client is gone")));
        return;
    }
    m_call = m_client->sessionRenew(m_id, {}, this, [this](ConsulReply<Consul::Session> r) {
        m_call = ConsulCall();
        if (m_state != State::Active)
            return;
        const qint64 now = m_clock->nowMs();
        if (r.result) {
            m_failures = 0;
            ++m_renewals;
            m_lastRenewedMs = now;
            // Consul may hand back a larger TTL to spread renewals under load: renew by that from now on.
            if (r.result->ttlMs > m_ttlMs)
                m_ttlMs = r.result->ttlMs;
            scheduleRenew(m_ttlMs / 2);
            return;
        }
        const Error &e = r.result.error();
        if (e.kind == Error::Kind::NotFound) {
            loseWith(e);
            return;
        }
        // Consul never invalidates before the TTL has run out since the last renewal; past that, assume lost.
        const qint64 left = m_lastRenewedMs + m_ttlMs - now;
        if (left <= 0) {
            loseWith(Error::make(e.kind,
                QStringLiteral("session %1 could not be renewed for a whole TTL (%2 ms): %3")
                    .arg(m_id)
                    .arg(m_ttlMs)
                    .arg(e.message),
                e.httpStatus));
            return;
        }
        ++m_failures;
        const qint64 retry
            = std::min<qint64>(std::min<qint64>(1000LL << std::min(m_failures - 1, 10), 10000), left / 2);
        qCInfo(lcConsul).noquote() << "renewing session" << m_id << "failed:" << e.toString() << "; retrying in"
                                   << retry << "ms";
        scheduleRenew(retry);
    });
}

void ConsulSession::loseWith(const Error &error)
{
    m_timer->stop();
    m_state = State::Lost;
    Q_EMIT lost(error);
}

} // namespace Baton
