#include "models/connectionstatusmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Baton;
using Link = ConnectionStatusModel::Link;
using State = ConnectionStatusModel::State;

class TestConnectionStatusModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eachLinkIsJudgedOnItsOwn()
    {
        ConnectionStatusModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(m.rowCount(), 3);
        m.setAddress(Link::JobService, "http://svc:8080");
        m.setAddress(Link::Consul, "http://consul:8500");
        QSignalSpy states(&m, &ConnectionStatusModel::stateChanged);
        QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
        m.recordSuccess(Link::JobService, 12);
        m.recordFailure(Link::Consul, Error::make(Error::Kind::Network, "connection to consul:8500 refused"));
        QCOMPARE(m.status(Link::JobService).state, State::Up);
        QCOMPARE(m.status(Link::Consul).state, State::Down);
        QCOMPARE(states.size(), 2);
        QCOMPARE(changed.size(), 2);
        QCOMPARE(changed[1][0].value<QModelIndex>().row(), int(Link::Consul));
        QCOMPARE(
            m.index(int(Link::JobService), ConnectionStatusModel::LatencyColumn).data().toString(), QString("12 ms"));
        QVERIFY(m.index(int(Link::Consul), ConnectionStatusModel::ErrorColumn).data().toString().contains("refused"));
        QCOMPARE(m.index(int(Link::EventStream), ConnectionStatusModel::StateColumn).data().toString(),
            QString("not configured"));
    }

    void rejectedTokenIsItsOwnState()
    {
        ConnectionStatusModel m;
        m.setAddress(Link::EventStream, "http://svc");
        m.recordFailure(Link::EventStream, Error::make(Error::Kind::Unauthorized, "rejected", 401));
        QCOMPARE(m.status(Link::EventStream).state, State::Unauthorized);
        QCOMPARE(
            m.index(1, ConnectionStatusModel::StateColumn).data(ConnectionStatusModel::LinkStateRole).value<State>(),
            State::Unauthorized);
    }

    void degradedOnlyWhenUp()
    {
        ConnectionStatusModel m;
        m.setAddress(Link::JobService, "x");
        m.recordSuccess(Link::JobService, 5);
        m.recordFailure(Link::JobService, Error::make(Error::Kind::Decode, "bad answer"), true);
        QCOMPARE(m.status(Link::JobService).state, State::Degraded);
        m.recordSuccess(Link::JobService, 5);
        QCOMPARE(m.status(Link::JobService).state, State::Up);
        QCOMPARE(m.status(Link::JobService).lastError.message, QString("bad answer")); // kept for the operator
    }

    void latencyShowsMedian()
    {
        ConnectionStatusModel m;
        for (qint64 l : { 10, 12, 11, 300 })
            m.recordSuccess(Link::Consul, l);
        QCOMPARE(m.status(Link::Consul).medianLatencyMs, 12);
        QVERIFY(m.index(2, ConnectionStatusModel::LatencyColumn).data().toString().contains("median 12 ms"));
    }

    void resetClearsEverything()
    {
        ConnectionStatusModel m;
        m.setAddress(Link::Consul, "x");
        m.recordFailure(Link::Consul, Error::make(Error::Kind::Network, "boom"));
        m.reset();
        QCOMPARE(m.status(Link::Consul).state, State::Off);
        QVERIFY(m.status(Link::Consul).lastError.message.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestConnectionStatusModel)
#include "tst_connectionstatusmodel.moc"
