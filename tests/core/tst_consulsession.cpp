// ConsulSession: create, renew every TTL/2 adopting a larger returned TTL, destroy on stop, and "lost" when
// Consul says so or when renewals fail for a whole TTL. Runs on a manual clock against FakeConsulServer.
#include "core/consul/consulclient.h"
#include "core/consul/consulsession.h"
#include "support/fakeconsulserver.h"
#include "support/manualclock.h"

#include <QSignalSpy>
#include <QTest>

using namespace Baton;
using Fake = FakeConsulServer;

namespace {
const QByteArray kId = "adf4238a-882b-9ddc-4a9d-5b6758e4159e";

QByteArray sessionJson(const QByteArray &ttl)
{
    return "[{\"ID\":\"" + kId + "\",\"Node\":\"web-1\",\"TTL\":\"" + ttl + "\",\"Behavior\":\"delete\"}]";
}

QList<qint64> renewTimes(const Fake &server)
{
    QList<qint64> out;
    for (const Fake::Request &r : server.requests()) {
        if (r.path.startsWith("/v1/session/renew/"))
            out << r.atMs;
    }
    return out;
}
} // namespace

class tst_ConsulSession : public QObject
{
    Q_OBJECT

    ManualClock m_clock;
    std::unique_ptr<Fake> m_server;
    std::unique_ptr<ConsulClient> m_client;
    QByteArray m_ttl = "30s";
    int m_renewStatus = 200;

    bool settle(qint64 ms)
    {
        return m_clock.runUntil(m_clock.nowMs() + ms, [this] { return m_client->pendingCalls() == 0; });
    }

    Consul::SessionSpec spec() const
    {
        Consul::SessionSpec s;
        s.name = "baton job 7 on web-1";
        s.ttlMs = 30000;
        s.behavior = Consul::SessionBehavior::Delete;
        return s;
    }

private Q_SLOTS:
    void init()
    {
        m_ttl = "30s";
        m_renewStatus = 200;
        m_server = std::make_unique<Fake>(&m_clock);
        QVERIFY(m_server->listen());
        m_server->setHandler([this](const Fake::Request &r) {
            if (r.path == "/v1/session/create")
                return Fake::Response::json("{\"ID\":\"" + kId + "\"}");
            if (r.path.startsWith("/v1/session/renew/")) {
                if (m_renewStatus == 404)
                    return Fake::Response::text(404, "Session id '" + kId + "' not found");
                if (m_renewStatus != 200)
                    return Fake::Response::text(m_renewStatus, "rpc error: No cluster leader");
                return Fake::Response::json(sessionJson(m_ttl));
            }
            if (r.path.startsWith("/v1/session/destroy/"))
                return Fake::Response::json("true");
            return Fake::Response::text(404, "unexpected");
        });
        ConsulConfig config;
        config.address = m_server->url();
        m_client = std::make_unique<ConsulClient>(config);
    }

    void cleanup()
    {
        m_client.reset();
        m_server.reset();
    }

    void renewsEveryHalfTtlAndAdoptsALargerOne()
    {
        ConsulSession session(m_client.get(), spec(), &m_clock);
        QSignalSpy established(&session, &ConsulSession::established);
        session.start();
        QVERIFY(settle(0));
        QCOMPARE(established.count(), 1);
        QCOMPARE(session.id(), QString::fromLatin1(kId));
        const qint64 t0 = m_clock.nowMs();
        QVERIFY(settle(40000)); // renewals at +15 s and +30 s
        m_ttl = "120s"; // Consul asks for fewer renewals
        QVERIFY(settle(200000));
        const QList<qint64> times = renewTimes(*m_server);
        QVERIFY(times.size() >= 4);
        QCOMPARE(times[0] - t0, 15000);
        QCOMPARE(times[1] - times[0], 15000);
        QCOMPARE(times[2] - times[1], 15000); // this renewal returned 120 s
        QCOMPARE(times[3] - times[2], 60000); // renewed by the larger TTL from then on
        QCOMPARE(session.ttlMs(), 120000);
        QCOMPARE(session.state(), ConsulSession::State::Active);

        session.stop();
        QVERIFY(settle(0));
        QCOMPARE(m_server->requests().last().path, "/v1/session/destroy/" + kId);
        QCOMPARE(m_server->requests().last().method, QByteArray("PUT"));
        const int before = m_server->requestCount();
        QVERIFY(settle(300000));
        QCOMPARE(m_server->requestCount(), before); // no renewals after stop
    }

    void notFoundOnRenewIsLost()
    {
        ConsulSession session(m_client.get(), spec(), &m_clock);
        QSignalSpy lost(&session, &ConsulSession::lost);
        session.start();
        QVERIFY(settle(1000));
        m_renewStatus = 404;
        QVERIFY(settle(20000));
        QCOMPARE(lost.count(), 1);
        QCOMPARE(lost.first().first().value<Error>().kind, Error::Kind::NotFound);
        QCOMPARE(session.state(), ConsulSession::State::Lost);
    }

    void transientFailuresAreRetriedWithinTheTtl()
    {
        ConsulSession session(m_client.get(), spec(), &m_clock);
        QSignalSpy lost(&session, &ConsulSession::lost);
        session.start();
        QVERIFY(settle(1000));
        m_renewStatus = 500;
        QVERIFY(settle(20000)); // first renewal at 15 s fails; retries follow
        m_renewStatus = 200;
        QVERIFY(settle(30000));
        QCOMPARE(lost.count(), 0);
        QCOMPARE(session.state(), ConsulSession::State::Active);
        QVERIFY(session.renewals() >= 1);
        QVERIFY(renewTimes(*m_server).size() >= 3);
    }

    void failuresForAWholeTtlAreLost()
    {
        ConsulSession session(m_client.get(), spec(), &m_clock);
        QSignalSpy lost(&session, &ConsulSession::lost);
        session.start();
        QVERIFY(settle(1000));
        m_renewStatus = 503;
        QVERIFY(settle(60000));
        QCOMPARE(lost.count(), 1);
        QVERIFY(lost.first().first().value<Error>().message.contains("whole TTL"));
    }

    void clientGoingAwayIsLost()
    {
        ConsulSession session(m_client.get(), spec(), &m_clock);
        QSignalSpy lost(&session, &ConsulSession::lost);
        session.start();
        QVERIFY(settle(1000));
        m_client.reset();
        QCOMPARE(lost.count(), 1);
        QCOMPARE(lost.first().first().value<Error>().kind, Error::Kind::Cancelled);
        QCOMPARE(session.state(), ConsulSession::State::Lost);
        m_clock.advance(60000); // no timer left that would touch the dead client
    }

    void creationFailureIsLost()
    {
        m_server->setHandler(
            [](const Fake::Request &) { return Fake::Response::text(500, "Missing node registration"); });
        ConsulSession session(m_client.get(), spec(), &m_clock);
        QSignalSpy lost(&session, &ConsulSession::lost);
        session.start();
        QVERIFY(settle(1000));
        QCOMPARE(lost.count(), 1);
        QCOMPARE(lost.first().first().value<Error>().message, "Missing node registration");
        Consul::SessionSpec noTtl = spec();
        noTtl.ttlMs = 0;
        ConsulSession untimed(m_client.get(), noTtl, &m_clock);
        QSignalSpy lost2(&untimed, &ConsulSession::lost);
        untimed.start();
        QCOMPARE(lost2.count(), 1);
    }
};

QTEST_GUILESS_MAIN(tst_ConsulSession)
#include "tst_consulsession.moc"
