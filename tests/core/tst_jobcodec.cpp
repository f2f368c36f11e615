#include "core/base/boundedjson.h"
#include "core/domain/jobcodec.h"

#include <QTest>

using namespace Baton;
using nlohmann::json;

namespace {
Job sampleJob()
{
    Job job;
    job.id = 42;
    job.spec.playbook = QStringLiteral("rolling-restart.yml");
    job.spec.target.service = QStringLiteral("web");
    job.spec.target.tag = QStringLiteral("blue");
    job.spec.extraVars = { { "version", "1.2.3" }, { "n", 3 } };
    job.spec.checkMode = true;
    job.spec.timeoutS = 600;
    job.spec.nodeTimeoutS = 300;
    job.operatorName = QStringLiteral("alice");
    job.createdAtMs = 1796081520123;
    job.startedAtMs = 1796081521000;
    job.cancel = CancelRequest { CancelRequest::Mode::Force, QStringLiteral("bob"), 1796081530000 };
    job.relaunchOf = 41;
    job.haltReason = QStringLiteral("web-2 failed: not healthy after the change");

    NodeRun a;
    a.node = QStringLiteral("web-1");
    a.service = QStringLiteral("web");
    a.address = QStringLiteral("127.0.0.1");
    a.state = NodeRunState::WaitingForSlot;
    a.reason = QStringLiteral("slots held by web-2");
    a.wait.holders = { QStringLiteral("web-2") };
    a.wait.offline = { { QStringLiteral("web-5"), QStringLiteral("critical: http") } };
    a.wait.limit = 1;
    a.wait.maxOffline = QStringLiteral("1");
    a.transitions = { { NodeRunState::Queued, 1796081520123, {} }, { NodeRunState::Starting, 1796081520500, {} },
        { NodeRunState::WaitingForSlot, 1796081521000, QStringLiteral("slots held by web-2") } };
    a.startedAtMs = 1796081520500;
    a.lastEventAtMs = 1796081521000;

    NodeRun b;
    b.node = QStringLiteral("web-2");
    b.service = QStringLiteral("web");
    b.state = NodeRunState::Failed;
    b.exitCode = 2;
    b.finishedAtMs = 1796081529000;
    b.logBytes = 12345;
    b.maintenanceLeftOn = true;
    b.transitions = { { NodeRunState::Queued, 1796081520123, {} } };

    job.nodes = { a, b };
    job.counts = job.countNodes();
    job.state = gradeJob(job.counts, true);
    return job;
}
} // namespace

class tst_JobCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void jobRoundTripsThroughText()
    {
        const Job job = sampleJob();
        const std::string text = JobCodec::toJson(job).dump();
        const auto parsed = parseJsonBounded(text);
        QVERIFY(parsed);
        const auto back = JobCodec::jobFromJson(*parsed);
        QVERIFY2(back, qPrintable(back ? QString() : back.error().toString()));
        QCOMPARE(*back, job);
    }

    void listShapeCarriesCountsNotNodes()
    {
        const Job job = sampleJob();
        const json j = JobCodec::toJson(job, JobCodec::NodeDetail::CountsOnly);
        QVERIFY(!j.contains("nodes"));
        QCOMPARE(j["counts"]["failed"].get<int>(), 1);
        QCOMPARE(j["summary"].get<std::string>(), std::string("1 failed / 1 waiting"));
        const auto back = JobCodec::jobFromJson(j);
        QVERIFY(back);
        QVERIFY(back->nodes.isEmpty());
        QCOMPARE(back->counts, job.counts);
    }

    void wireFieldNames()
    {
        const json j = JobCodec::toJson(sampleJob());
        for (const char *key : { "id", "playbook", "target", "extra_vars", "check_mode", "timeout_s", "node_timeout_s",
                 "operator", "state", "created_at", "started_at", "finished_at", "cancel", "nodes", "counts",
                 "relaunch_of", "halt_reason" })
            QVERIFY2(j.contains(key), key);
        QCOMPARE(j["state"].get<std::string>(), std::string("cancelling"));
        QCOMPARE(j["created_at"].get<std::string>(), std::string("2026-11-30T23:32:00.123Z"));
        QVERIFY(j["finished_at"].is_null());
        QCOMPARE(j["nodes"][0]["wait"]["holders"][0].get<std::string>(), std::string("web-2"));
        QCOMPARE(j["cancel"]["mode"].get<std::string>(), std::string("force"));
    }

    void launchRequestDefaults()
    {
        const auto spec
            = JobCodec::jobSpecFromJson(json::parse("{\"playbook\":\"p.yml\",\"target\":{\"service\":\"web\"}}"));
        QVERIFY(spec);
        QCOMPARE(spec->timeoutS, 3600);
        QVERIFY(spec->haltOnFailure);
        QVERIFY(!spec->checkMode);
        QVERIFY(spec->extraVars.is_object());
    }

    void launchRequestRejects_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("not an object") << QByteArray("[1]");
        QTest::newRow("no playbook") << QByteArray("{\"target\":{\"service\":\"web\"}}");
        QTest::newRow("playbook number") << QByteArray("{\"playbook\":1,\"target\":{}}");
        QTest::newRow("no target") << QByteArray("{\"playbook\":\"p.yml\"}");
        QTest::newRow("nodes not strings") << QByteArray("{\"playbook\":\"p\",\"target\":{\"nodes\":[1]}}");
        QTest::newRow("extra vars array") << QByteArray("{\"playbook\":\"p\",\"target\":{},\"extra_vars\":[]}");
        QTest::newRow("timeout string") << QByteArray("{\"playbook\":\"p\",\"target\":{},\"timeout_s\":\"10\"}");
        QTest::newRow("timeout zero") << QByteArray("{\"playbook\":\"p\",\"target\":{},\"timeout_s\":0}");
        QTest::newRow("check mode string") << QByteArray("{\"playbook\":\"p\",\"target\":{},\"check_mode\":\"yes\"}");
    }

    void launchRequestRejects()
    {
        QFETCH(QByteArray, body);
        const auto r = JobCodec::jobSpecFromJson(json::parse(body.toStdString()));
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Decode);
    }

    void unknownStatesAreErrors()
    {
        json j = JobCodec::toJson(sampleJob());
        j["nodes"][0]["state"] = "dancing";
        QVERIFY(!JobCodec::jobFromJson(j));
        j = JobCodec::toJson(sampleJob());
        j["state"] = "halted";
        QVERIFY(!JobCodec::jobFromJson(j));
        j = JobCodec::toJson(sampleJob());
        j["created_at"] = "soon";
        QVERIFY(!JobCodec::jobFromJson(j));
    }

    void unknownFieldsAreIgnored()
    {
        json j = JobCodec::toJson(sampleJob());
        j["future_field"] = { { "x", 1 } };
        j["nodes"][1]["future"] = true;
        QVERIFY(JobCodec::jobFromJson(j));
    }
};

QTEST_GUILESS_MAIN(tst_JobCodec)
#include "tst_jobcodec.moc"
