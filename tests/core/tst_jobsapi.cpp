#include "core/domain/jobcodec.h"
#include "core/jobs/jobsapi.h"

#include <QTest>

using namespace Baton;

class TestJobsApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void queryOmitsEmptyFilters()
    {
        JobQuery q;
        q.limit = 0;
        QVERIFY(q.toUrlQuery().isEmpty());
        q.states = { JobState::Running, JobState::Failed };
        q.playbook = "patch.yml";
        q.text = "web 1&2";
        q.cursor = "123";
        q.limit = 50;
        const QUrlQuery u = q.toUrlQuery();
        QCOMPARE(u.queryItemValue("state"), QString("running,failed"));
        QCOMPARE(u.queryItemValue("playbook"), QString("patch.yml"));
        QCOMPARE(u.queryItemValue("q"), QString("web 1&2"));
        QCOMPARE(u.queryItemValue("cursor"), QString("123"));
        QCOMPARE(u.queryItemValue("limit"), QString("50"));
        QVERIFY(!u.hasQueryItem("service"));
    }

    void decodesPlaybooksInBothShapes()
    {
        auto a = JobsApi::decodePlaybooks(R"({"playbooks":[{"name":"a.yml","description":"A"},{"name":"b.yml"}]})");
        QVERIFY(a);
        QCOMPARE(a->size(), 2);
        QCOMPARE(a->at(0).description, QString("A"));
        auto b = JobsApi::decodePlaybooks(R"(["x.yml","y.yml"])");
        QVERIFY(b);
        QCOMPARE(b->at(1).name, QString("y.yml"));
        QVERIFY(!JobsApi::decodePlaybooks(R"({"playbooks":[{"description":"no name"}]})"));
        QVERIFY(!JobsApi::decodePlaybooks("{nope"));
    }

    void decodesAJobPage()
    {
        Job j;
        j.id = 42;
        j.spec.playbook = "p.yml";
        j.spec.target.service = "web";
        j.state = JobState::Running;
        j.counts[NodeRunState::Succeeded] = 3;
        j.counts[NodeRunState::InMaintenance] = 1;
        nlohmann::json body
            = { { "jobs", nlohmann::json::array({ JobCodec::toJson(j, JobCodec::NodeDetail::CountsOnly) }) },
                  { "next_cursor", "41" }, { "seq", 900 } };
        const std::string s = body.dump();
        auto page = JobsApi::decodeJobPage(QByteArray::fromStdString(s));
        QVERIFY2(page, qPrintable(page ? QString() : page.error().toString()));
        QCOMPARE(page->jobs.size(), 1);
        QCOMPARE(page->jobs[0].id, 42);
        QCOMPARE(page->jobs[0].counts.succeeded(), 3);
        QCOMPARE(page->nextCursor, QString("41"));
        QCOMPARE(page->seq, quint64(900));
    }

    void rejectsMalformedPages_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("not json") << QByteArray("<html>");
        QTest::newRow("no jobs") << QByteArray(R"({"items":[]})");
        QTest::newRow("jobs not array") << QByteArray(R"({"jobs":{}})");
        QTest::newRow("bad job") << QByteArray(R"({"jobs":[{"id":"x"}]})");
        QTest::newRow("deep") << QByteArray(5000, '[');
    }

    void rejectsMalformedPages()
    {
        QFETCH(QByteArray, body);
        auto page = JobsApi::decodeJobPage(body);
        QVERIFY(!page);
        QVERIFY(page.error().kind == Error::Kind::Decode || page.error().kind == Error::Kind::TooLarge);
    }

    void decodesLogs()
    {
        auto json = JobsApi::decodeLog(
            R"({"offset":10,"text":"hello\n","size":16,"complete":true})", "application/json; charset=utf-8", 10);
        QVERIFY(json);
        QCOMPARE(json->offset, 10);
        QCOMPARE(json->text, QByteArray("hello\n"));
        QCOMPARE(json->size, 16);
        QVERIFY(json->complete);
        auto text = JobsApi::decodeLog("raw bytes", "text/plain", 5);
        QVERIFY(text);
        QCOMPARE(text->offset, 5);
        QCOMPARE(text->size, 14);
        QVERIFY(!JobsApi::decodeLog(R"({"offset":-1})", "application/json", 0));
    }

    void cancelBodiesNameTheirEffect()
    {
        QCOMPARE(JobsApi::jobCancelBody(JobCancelMode::Graceful).dump(), std::string(R"({"mode":"graceful"})"));
        QCOMPARE(JobsApi::nodeCancelBody(NodeCancelMode::ForceKeepMaintenance).dump(),
            std::string(R"({"maintenance":"keep","mode":"force"})"));
        QCOMPARE(JobsApi::nodeCancelBody(NodeCancelMode::Drop).dump(), std::string(R"({"mode":"drop"})"));
        QCOMPARE(JobsApi::relaunchBody({ "a", "b" }).dump(), std::string(R"({"nodes":["a","b"]})"));
        QVERIFY(JobsApi::describe(NodeCancelMode::ForceKeepMaintenance).contains("maintenance"));
    }

    void errorMessagesAreOneReadableLine_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("expected");
        QTest::newRow("message") << QByteArray(R"({"message":"no such playbook"})") << "no such playbook";
        QTest::newRow("error string") << QByteArray(R"({"error":"forbidden"})") << "forbidden";
        QTest::newRow("error object") << QByteArray(R"({"error":{"code":"x","message":"nested"}})") << "nested";
        QTest::newRow("text") << QByteArray("Permission denied\nmore") << "Permission denied";
        QTest::newRow("empty") << QByteArray("  ") << "";
        QTest::newRow("control chars") << QByteArray("bad\x1b[31mred") << QString("bad\uFFFD[31mred");
    }

    void errorMessagesAreOneReadableLine()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, expected);
        QCOMPARE(JobsApi::errorMessage(body), expected);
    }

    void errorMessagesAreCut() { QCOMPARE(JobsApi::errorMessage(QByteArray(10000, 'x')).size(), 300); }
};

QTEST_GUILESS_MAIN(TestJobsApi)
#include "tst_jobsapi.moc"
