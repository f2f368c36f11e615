#include "core/domain/eventcodec.h"

#include <QTest>

using namespace Baton;

class tst_EventCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data()
    {
        QTest::addColumn<JobEvent>("event");
        JobEvent node;
        node.type = JobEvent::Type::NodeState;
        node.seq = 18446744073709551000ULL;
        node.atMs = 1796081520123;
        node.jobId = 7;
        node.node = QStringLiteral("web-3");
        node.nodeState = NodeRunState::WaitingForSlot;
        node.reason = QStringLiteral("slots held by web-1");
        node.wait.holders = { QStringLiteral("web-1") };
        node.wait.limit = 1;
        node.wait.maxOffline = QStringLiteral("1");
        QTest::newRow("node.state") << node;
        // Found by tests/fuzz/fuzz_domain_codecs: a wait that only knows max_offline was dropped on encoding.
        JobEvent onlyMaxOffline = node;
        onlyMaxOffline.wait = WaitInfo {};
        onlyMaxOffline.wait.maxOffline = QStringLiteral("1");
        QTest::newRow("node.state, wait with only max_offline") << onlyMaxOffline;

        JobEvent log;
        log.type = JobEvent::Type::NodeLog;
        log.seq = 2;
        log.atMs = 1796081520200;
        log.jobId = 7;
        log.node = QStringLiteral("web-3");
        log.offset = 4096;
        log.text = QStringLiteral("TASK [restart] ✓\n");
        QTest::newRow("node.log") << log;

        JobEvent state;
        state.type = JobEvent::Type::JobState;
        state.seq = 3;
        state.atMs = 1796081520300;
        state.jobId = 7;
        state.jobState = JobState::Running;
        state.counts[NodeRunState::Succeeded] = 2;
        state.counts[NodeRunState::Queued] = 1;
        state.haltReason = QStringLiteral("web-2 failed");
        QTest::newRow("job.state") << state;

        JobEvent created;
        created.type = JobEvent::Type::JobCreated;
        created.seq = 1;
        created.atMs = 1796081520000;
        created.jobId = 7;
        Job job;
        job.id = 7;
        job.spec.playbook = QStringLiteral("p.yml");
        job.createdAtMs = 1796081520000;
        NodeRun r;
        r.node = QStringLiteral("web-1");
        job.nodes = { r };
        job.counts = job.countNodes();
        created.job = job;
        QTest::newRow("job.created") << created;

        JobEvent resync;
        resync.type = JobEvent::Type::Resync;
        resync.seq = 99;
        resync.atMs = 1796081520000;
        resync.reason = QStringLiteral("Last-Event-ID 3 is older than the replay window");
        QTest::newRow("resync") << resync;
    }

    void roundTrip()
    {
        QFETCH(JobEvent, event);
        const QByteArray line = EventCodec::toDataLine(event);
        QVERIFY(!line.contains('\n')); // one SSE data line
        const auto back = EventCodec::fromData(line);
        QVERIFY2(back, qPrintable(back ? QString() : back.error().toString()));
        QCOMPARE(*back, event);
    }

    void rejects_data()
    {
        QTest::addColumn<QByteArray>("data");
        QTest::newRow("not json") << QByteArray("{\"seq\":");
        QTest::newRow("array") << QByteArray("[]");
        QTest::newRow("no type") << QByteArray("{\"seq\":1,\"at\":null}");
        QTest::newRow("unknown type") << QByteArray("{\"seq\":1,\"type\":\"node.dance\",\"job\":1,\"node\":\"a\"}");
        QTest::newRow("negative seq") << QByteArray("{\"seq\":-1,\"type\":\"heartbeat\"}");
        QTest::newRow("seq string") << QByteArray("{\"seq\":\"1\",\"type\":\"heartbeat\"}");
        QTest::newRow("node event without node") << QByteArray("{\"seq\":1,\"type\":\"node.task\",\"job\":1}");
        QTest::newRow("node event without job") << QByteArray("{\"seq\":1,\"type\":\"node.task\",\"node\":\"a\"}");
        QTest::newRow("bad state") << QByteArray(
            "{\"seq\":1,\"type\":\"node.state\",\"job\":1,\"node\":\"a\",\"state\":\"x\"}");
        QTest::newRow("log without text")
            << QByteArray("{\"seq\":1,\"type\":\"node.log\",\"job\":1,\"node\":\"a\",\"offset\":0}");
        QTest::newRow("negative offset") << QByteArray(
            "{\"seq\":1,\"type\":\"node.log\",\"job\":1,\"node\":\"a\",\"offset\":-5,\"text\":\"\"}");
        // Found by tests/fuzz/fuzz_domain_codecs: a time before 1970 decoded but could not be encoded back.
        QTest::newRow("time before 1970") << QByteArray("{\"seq\":6,\"at\":\"1013-11-24T23:32:02.000Z\",\"type\":"
                                                        "\"node.task\",\"job\":4,\"node\":\"a\",\"task\":\"t\"}");
        QTest::newRow("deep") << QByteArray(10000, '[');
        QTest::newRow("huge") << (QByteArray("{\"seq\":1,\"type\":\"heartbeat\",\"pad\":\"")
            + QByteArray(2 * 1024 * 1024, 'x') + QByteArray("\"}"));
    }

    void rejects()
    {
        QFETCH(QByteArray, data);
        const auto r = EventCodec::fromData(data);
        QVERIFY(!r);
        QVERIFY(!r.error().message.isEmpty());
    }

    void invalidUtf8InLogTextDoesNotThrow()
    {
        JobEvent log;
        log.type = JobEvent::Type::NodeLog;
        log.seq = 1;
        log.jobId = 1;
        log.node = QStringLiteral("a");
        log.text = QString::fromUtf8("ok \xff\xfe bytes");
        QVERIFY(EventCodec::fromData(EventCodec::toDataLine(log)));
    }
};

QTEST_GUILESS_MAIN(tst_EventCodec)
#include "tst_eventcodec.moc"
