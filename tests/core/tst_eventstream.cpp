#include "core/domain/eventcodec.h"
#include "core/jobs/eventstream.h"
#include "support/fakejobservice.h"

#include <QHostAddress>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace Baton;
using Baton::Test::FakeJobService;
using Baton::Test::FakeRequest;
using Baton::Test::FakeResponse;

namespace {
const QByteArray kCanary = "stream-canary-51e0";

QStringList g_log;
QtMessageHandler g_previous = nullptr;
void capture(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    g_log << msg;
    if (g_previous)
        g_previous(type, ctx, msg);
}

JobEvent nodeEvent(qint64 job, const QString &node, NodeRunState state)
{
    JobEvent e;
    e.type = JobEvent::Type::NodeState;
    e.jobId = job;
    e.node = node;
    e.nodeState = state;
    return e;
}
} // namespace

class TestEventStream : public QObject
{
    Q_OBJECT

private:
    FakeJobService *m_service = nullptr;
    EventStream *m_stream = nullptr;
    QList<JobEvent> m_received;

    EventStream::Options options(int livenessMs = 5000) const
    {
        EventStream::Options o;
        o.baseUrl = m_service->url();
        o.token = kCanary;
        o.livenessTimeoutMs = livenessMs;
        o.initialRetryMs = 50;
        o.maxRetryMs = 400;
        return o;
    }

    void startStream(const EventStream::Options &o)
    {
        QVERIFY(m_stream->configure(o));
        QSignalSpy live(m_stream, &EventStream::connected);
        m_stream->start();
        QVERIFY(live.wait(5000));
        QTRY_COMPARE(m_service->streamCount(), 1);
    }

    QList<quint64> receivedSeqs() const
    {
        QList<quint64> out;
        for (const JobEvent &e : m_received)
            out << e.seq;
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QLoggingCategory::setFilterRules("baton.*=true");
        g_previous = qInstallMessageHandler(capture);
    }

    void cleanupTestCase()
    {
        qInstallMessageHandler(g_previous);
        for (const QString &line : std::as_const(g_log))
            QVERIFY2(!line.contains(QString::fromLatin1(kCanary)), qPrintable(line));
    }

    void init()
    {
        m_received.clear();
        m_service = new FakeJobService(this);
        QVERIFY(m_service->listen());
        m_service->addToken(kCanary, "alice", "operator");
        m_stream = new EventStream(this);
        connect(m_stream, &EventStream::eventsReceived, this,
            [this](const QList<JobEvent> &events) { m_received += events; });
    }

    void cleanup()
    {
        delete m_stream;
        delete m_service;
    }

    void deliversEventsInOrder()
    {
        startStream(options());
        for (int i = 0; i < 50; ++i)
            m_service->publish(nodeEvent(1, QString("web-%1").arg(i), NodeRunState::Starting));
        QTRY_COMPARE(m_received.size(), 50);
        QCOMPARE(m_received.first().node, QString("web-0"));
        QCOMPARE(m_stream->lastSeq(), quint64(50));
        QCOMPARE(m_stream->state(), EventStream::State::Live);
        QCOMPARE(m_service->requests().last().header("authorization"), "Bearer " + kCanary);
        QCOMPARE(m_service->requests().last().header("accept"), QByteArray("text/event-stream"));
    }

    void resumesWithLastEventIdWithoutLossOrRepeats()
    {
        startStream(options());
        for (int i = 0; i < 10; ++i)
            m_service->publish(nodeEvent(1, "web-1", NodeRunState::InMaintenance));
        QTRY_COMPARE(m_received.size(), 10);
        QSignalSpy live(m_stream, &EventStream::connected);
        m_service->dropStreams();
        // Published while the console is away: must be replayed after Last-Event-ID.
        for (int i = 0; i < 10; ++i)
            m_service->publish(nodeEvent(1, "web-2", NodeRunState::Verifying));
        QVERIFY(live.wait(5000));
        for (int i = 0; i < 5; ++i)
            m_service->publish(nodeEvent(1, "web-3", NodeRunState::Succeeded));
        QTRY_COMPARE(m_received.size(), 25);
        QCOMPARE(m_service->lastEventIdsSeen().last(), QByteArray("10"));
        QList<quint64> expected;
        for (quint64 s = 1; s <= 25; ++s)
            expected << s;
        QCOMPARE(receivedSeqs(), expected);
        QCOMPARE(m_stream->stats().duplicates, quint64(0));
        QCOMPARE(m_stream->stats().gaps, quint64(0));
    }

    void beyondTheReplayWindowAsksForAResync()
    {
        startStream(options());
        m_service->publish(nodeEvent(1, "web-1", NodeRunState::Starting));
        QTRY_COMPARE(m_received.size(), 1);
        m_service->setReplayWindow(5);
        QSignalSpy resync(m_stream, &EventStream::resyncRequired);
        m_service->dropStreams();
        for (int i = 0; i < 20; ++i)
            m_service->publish(nodeEvent(1, "web-2", NodeRunState::Verifying));
        QVERIFY(resync.wait(5000));
        QCOMPARE(resync[0][0].toULongLong(), quint64(21));
        m_service->publish(nodeEvent(1, "web-3", NodeRunState::Succeeded));
        QTRY_COMPARE(m_received.size(), 2);
        QCOMPARE(m_received.last().seq, quint64(22));
        QCOMPARE(m_stream->stats().gaps, quint64(0)); // the resync covered the hole
    }

    void repeatsAreDropped()
    {
        startStream(options());
        m_service->publish(nodeEvent(1, "web-1", NodeRunState::Starting));
        QTRY_COMPARE(m_received.size(), 1);
        JobEvent again = m_received.first();
        m_service->writeRawToStreams("id: 1\nevent: node.state\ndata: " + EventCodec::toDataLine(again) + "\n\n");
        m_service->publish(nodeEvent(1, "web-1", NodeRunState::InMaintenance));
        QTRY_COMPARE(m_received.size(), 2);
        QCOMPARE(m_stream->stats().duplicates, quint64(1));
        QCOMPARE(receivedSeqs(), (QList<quint64> { 1, 2 }));
    }

    void holesAreReportedAsResync()
    {
        startStream(options());
        m_service->publish(nodeEvent(1, "web-1", NodeRunState::Starting));
        QTRY_COMPARE(m_received.size(), 1);
        JobEvent skipped = nodeEvent(1, "web-1", NodeRunState::Succeeded);
        skipped.seq = 5;
        skipped.atMs = 1;
        QSignalSpy resync(m_stream, &EventStream::resyncRequired);
        m_service->writeRawToStreams("id: 5\ndata: " + EventCodec::toDataLine(skipped) + "\n\n");
        QVERIFY(resync.wait(3000));
        QCOMPARE(resync[0][0].toULongLong(), quint64(4));
        QVERIFY(resync[0][1].toString().contains("2–4"));
        QTRY_COMPARE(m_received.size(), 2);
        QCOMPARE(m_stream->stats().missing, quint64(3));
    }

    void unreadableEventAsksForAResync()
    {
        startStream(options());
        QSignalSpy resync(m_stream, &EventStream::resyncRequired);
        m_service->writeRawToStreams("id: 3\ndata: {\"type\":\"node.state\",\"seq\":3}\n\n");
        QVERIFY(resync.wait(3000));
        QCOMPARE(m_stream->stats().decodeErrors, quint64(1));
        QCOMPARE(m_stream->lastSeq(), quint64(3));
        QCOMPARE(m_stream->state(), EventStream::State::Live); // one bad event does not drop the stream
    }

    void heartbeatsKeepASilentStreamAlive()
    {
        m_service->setHeartbeatIntervalMs(100);
        startStream(options(400));
        QSignalSpy errors(m_stream, &EventStream::errorOccurred);
        QSignalSpy beats(m_stream, &EventStream::heartbeatReceived);
        QTest::qWait(1200);
        QCOMPARE(errors.size(), 0);
        QVERIFY(beats.size() >= 5);
        QCOMPARE(m_stream->state(), EventStream::State::Live);
    }

    void silenceIsDetectedAndReplaced()
    {
        startStream(options(300));
        QSignalSpy errors(m_stream, &EventStream::errorOccurred);
        QSignalSpy live(m_stream, &EventStream::connected);
        QVERIFY(errors.wait(3000));
        const Error e = errors[0][0].value<Error>();
        QCOMPARE(e.kind, Error::Kind::Timeout);
        QVERIFY(e.message.contains("No event or heartbeat"));
        QVERIFY(live.wait(3000)); // and it came back by itself
        QVERIFY(m_stream->stats().connects >= 2);
    }

    void oversizedEventDropsTheConnectionNotTheProcess()
    {
        EventStream::Options o = options();
        o.limits = SseLimits { 4096, 16384 };
        startStream(o);
        QSignalSpy errors(m_stream, &EventStream::errorOccurred);
        m_service->writeRawToStreams("data: " + QByteArray(100000, 'x'));
        QVERIFY(errors.wait(3000));
        QCOMPARE(errors[0][0].value<Error>().kind, Error::Kind::TooLarge);
        QSignalSpy live(m_stream, &EventStream::connected);
        QVERIFY(live.wait(3000));
        m_service->publish(nodeEvent(1, "web-1", NodeRunState::Starting));
        QTRY_COMPARE(m_received.size(), 1);
    }

    void wrongContentTypeIsRefused()
    {
        m_service->setHandler([](const FakeRequest &r) -> std::optional<FakeResponse> {
            if (r.path != "/v1/events")
                return std::nullopt;
            FakeResponse resp;
            resp.contentType = "text/html";
            resp.body = "<html>login</html>";
            return resp;
        });
        QVERIFY(m_stream->configure(options()));
        QSignalSpy errors(m_stream, &EventStream::errorOccurred);
        m_stream->start();
        QVERIFY(errors.wait(3000));
        QVERIFY(errors[0][0].value<Error>().message.contains("instead of text/event-stream"));
        QTRY_COMPARE(m_stream->state(), EventStream::State::Waiting);
    }

    void rejectedTokenWaitsAtTheSlowestPace()
    {
        EventStream::Options o = options();
        o.token = "bad";
        QVERIFY(m_stream->configure(o));
        QSignalSpy errors(m_stream, &EventStream::errorOccurred);
        m_stream->start();
        QVERIFY(errors.wait(3000));
        const Error e = errors[0][0].value<Error>();
        QCOMPARE(e.kind, Error::Kind::Unauthorized);
        QVERIFY(e.message.contains("rejected the token"));
        QCOMPARE(m_stream->state(), EventStream::State::Waiting);
        QVERIFY(m_stream->retryInMs() > 300);
    }

    void noContentStopsReconnecting()
    {
        m_service->setHandler([](const FakeRequest &r) -> std::optional<FakeResponse> {
            if (r.path != "/v1/events")
                return std::nullopt;
            FakeResponse resp;
            resp.status = 204;
            resp.contentType.clear();
            return resp;
        });
        QVERIFY(m_stream->configure(options()));
        QSignalSpy errors(m_stream, &EventStream::errorOccurred);
        m_stream->start();
        QVERIFY(errors.wait(3000));
        QCOMPARE(m_stream->state(), EventStream::State::Stopped);
        const int before = m_service->requestCount("GET", "/v1/events");
        QTest::qWait(600);
        QCOMPARE(m_service->requestCount("GET", "/v1/events"), before);
    }

    void backsOffWhileTheServiceIsDown()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        EventStream::Options o = options();
        o.baseUrl = QUrl(QString("http://127.0.0.1:%1").arg(probe.serverPort()));
        o.initialRetryMs = 100;
        o.maxRetryMs = 800;
        probe.close();
        QVERIFY(m_stream->configure(o));
        QSignalSpy errors(m_stream, &EventStream::errorOccurred);
        m_stream->start();
        QTest::qWait(2000);
        // 100, 200, 400, 800, 800 … (each with up to half off for jitter): a handful of attempts, not hundreds.
        QVERIFY2(errors.size() >= 3 && errors.size() <= 12, qPrintable(QString::number(errors.size())));
        QVERIFY(errors[0][0].value<Error>().message.contains("refused"));
    }

    void stopEndsEverything()
    {
        startStream(options());
        m_stream->stop();
        QCOMPARE(m_stream->state(), EventStream::State::Stopped);
        QTRY_COMPARE(m_service->streamCount(), 0);
        const int before = m_service->requestCount("GET", "/v1/events");
        QTest::qWait(300);
        QCOMPARE(m_service->requestCount("GET", "/v1/events"), before);
    }

    // A connection opened without Last-Event-ID learns where it stands from the first heartbeat, so events that
    // happen while it reconnects are replayed, not lost.
    void firstHeartbeatSetsTheResumePoint()
    {
        for (int i = 0; i < 3; ++i)
            m_service->publish(nodeEvent(1, "web-1", NodeRunState::Starting)); // before the console connected
        startStream(options());
        QCOMPARE(m_stream->lastSeq(), quint64(0));
        m_service->sendHeartbeat();
        QTRY_COMPARE(m_stream->lastSeq(), quint64(3));
        QSignalSpy live(m_stream, &EventStream::connected);
        m_service->dropStreams();
        m_service->publish(nodeEvent(1, "web-2", NodeRunState::Starting));
        QVERIFY(live.wait(5000));
        QTRY_COMPARE(m_received.size(), 1);
        QCOMPARE(m_received[0].seq, quint64(4));
        QCOMPARE(m_service->lastEventIdsSeen().last(), QByteArray("3"));
    }

    void resumePointFromASnapshot()
    {
        startStream(options());
        m_stream->setResumePoint(7);
        m_stream->setResumePoint(5); // never backwards
        QCOMPARE(m_stream->lastSeq(), quint64(7));
    }

    void jobFilterIsSentAndHolesAreExpected()
    {
        EventStream::Options o = options();
        o.jobFilter = 2;
        startStream(o);
        QCOMPARE(m_service->requests().last().query.queryItemValue("job"), QString("2"));
        QSignalSpy resync(m_stream, &EventStream::resyncRequired);
        m_service->publish(nodeEvent(2, "a", NodeRunState::Starting));
        m_service->publish(nodeEvent(1, "b", NodeRunState::Starting));
        m_service->publish(nodeEvent(2, "a", NodeRunState::InMaintenance));
        QTRY_COMPARE(m_received.size(), 2);
        QCOMPARE(resync.size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestEventStream)
#include "tst_eventstream.moc"
