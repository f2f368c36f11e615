#include "core/jobs/jobserviceclient.h"
#include "support/fakejobservice.h"

#include <QHostAddress>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

using namespace Baton;
using Baton::Test::FakeJobService;
using Baton::Test::FakeRequest;
using Baton::Test::FakeResponse;

namespace {

const QByteArray kCanary = "canary-token-7f3a9c";

// Runs one asynchronous call and waits for its callback.
template<typename T, typename Call> std::optional<Result<T>> await(Call call, int timeoutMs = 10000)
{
    std::optional<Result<T>> out;
    call([&out](Result<T> r) { out = std::move(r); });
    (void)QTest::qWaitFor([&] { return out.has_value(); }, timeoutMs);
    return out;
}

QStringList g_log;
QtMessageHandler g_previous = nullptr;
void capture(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    g_log << msg;
    if (g_previous)
        g_previous(type, ctx, msg);
}

} // namespace

class TestJobServiceClient : public QObject
{
    Q_OBJECT

private:
    FakeJobService *m_service = nullptr;
    JobServiceClient *m_client = nullptr;

    void configure(const QByteArray &token, int transferMs = 5000, int deadlineMs = 20000, qint64 maxBytes = 64 << 20)
    {
        JobServiceConfig c;
        c.baseUrl = m_service->url();
        c.token = token;
        c.transferTimeoutMs = transferMs;
        c.deadlineMs = deadlineMs;
        c.maxBodyBytes = maxBytes;
        QVERIFY(m_client->configure(c));
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
        // No request, answer or error of this whole test may have put the token into a log line.
        for (const QString &line : std::as_const(g_log))
            QVERIFY2(!line.contains(QString::fromLatin1(kCanary)), qPrintable(line));
        QVERIFY(!g_log.isEmpty());
    }

    void init()
    {
        m_service = new FakeJobService(this);
        QVERIFY(m_service->listen());
        m_service->addToken(kCanary, "alice", "operator");
        m_service->addToken("viewer-token", "victor", "viewer");
        m_service->setServiceNodes("web", { "web-1", "web-2", "web-3" });
        m_client = new JobServiceClient(this);
        configure(kCanary);
    }

    void cleanup()
    {
        delete m_client;
        delete m_service;
    }

    void sendsTheBearerToken()
    {
        auto r = await<QList<PlaybookInfo>>([&](auto cb) { m_client->playbooks(this, cb); });
        QVERIFY(r && *r);
        QCOMPARE(r->value().size(), 2);
        QCOMPARE(m_service->requests().last().header("authorization"), QByteArray("Bearer ") + kCanary);
    }

    void listsJobsWithFiltersAndCursor()
    {
        for (int i = 0; i < 5; ++i) {
            JobSpec s;
            s.playbook = i % 2 ? "rolling-restart.yml" : "patch-kernel.yml";
            s.target.service = "web";
            m_service->createJob(s);
        }
        JobQuery q;
        q.playbook = "patch-kernel.yml";
        q.limit = 2;
        auto r = await<JobPage>([&](auto cb) { m_client->listJobs(q, this, cb); });
        QVERIFY(r && *r);
        QCOMPARE(r->value().jobs.size(), 2);
        QCOMPARE(r->value().jobs[0].id, 5); // newest first
        QCOMPARE(r->value().jobs[1].id, 3);
        QVERIFY(!r->value().nextCursor.isEmpty());
        q.cursor = r->value().nextCursor;
        auto next = await<JobPage>([&](auto cb) { m_client->listJobs(q, this, cb); });
        QVERIFY(next && *next);
        QCOMPARE(next->value().jobs.size(), 1);
        QCOMPARE(next->value().jobs[0].id, 1);
        QVERIFY(next->value().nextCursor.isEmpty());
    }

    void launchIsIdempotent()
    {
        JobSpec s;
        s.playbook = "rolling-restart.yml";
        s.target.service = "web";
        auto a = await<Job>([&](auto cb) { m_client->launch(s, "key-1", this, cb); });
        auto b = await<Job>([&](auto cb) { m_client->launch(s, "key-1", this, cb); });
        QVERIFY(a && *a && b && *b);
        QCOMPARE(a->value().id, b->value().id);
        QCOMPARE(a->value().nodes.size(), 3);
        QCOMPARE(m_service->jobCount(), 1);
        QCOMPARE(m_service->requests().last().header("idempotency-key"), QByteArray("key-1"));
    }

    void cancelLevelsSendTheirBodies()
    {
        JobSpec s;
        s.playbook = "rolling-restart.yml";
        s.target.service = "web";
        const qint64 id = m_service->createJob(s);
        m_service->setNodeState(id, "web-1", NodeRunState::InMaintenance);
        auto drop = await<Job>([&](auto cb) { m_client->cancelNode(id, "web-2", NodeCancelMode::Drop, this, cb); });
        QVERIFY(drop && *drop);
        QCOMPARE(drop->value().findNode("web-2")->state, NodeRunState::Cancelled);
        auto kill = await<Job>(
            [&](auto cb) { m_client->cancelNode(id, "web-1", NodeCancelMode::ForceKeepMaintenance, this, cb); });
        QVERIFY(kill && *kill);
        QVERIFY(kill->value().findNode("web-1")->maintenanceLeftOn);
        auto job = await<Job>([&](auto cb) { m_client->cancelJob(id, JobCancelMode::Graceful, this, cb); });
        QVERIFY(job && *job);
        QVERIFY(job->value().cancel.has_value());
        const auto bodies = m_service->cancelBodies();
        QCOMPARE(bodies.size(), 3);
        QVERIFY(bodies[0].second.contains("\"drop\""));
        QVERIFY(bodies[1].second.contains("\"keep\""));
        QVERIFY(bodies[2].second.contains("\"graceful\""));
    }

    void conflictIsAValueWithTheServersWords()
    {
        JobSpec s;
        s.playbook = "rolling-restart.yml";
        s.target.service = "web";
        const qint64 id = m_service->createJob(s);
        m_service->setNodeState(id, "web-1", NodeRunState::InMaintenance);
        auto r = await<Job>([&](auto cb) { m_client->cancelNode(id, "web-1", NodeCancelMode::Drop, this, cb); });
        QVERIFY(r && !*r);
        QCOMPARE(r->error().kind, Error::Kind::Conflict);
        QVERIFY2(r->error().message.contains("already started"), qPrintable(r->error().message));
    }

    void rejectedTokenIsAPlainSentence()
    {
        configure("wrong-token");
        auto r = await<JobPage>([&](auto cb) { m_client->listJobs({}, this, cb); });
        QVERIFY(r && !*r);
        QCOMPARE(r->error().kind, Error::Kind::Unauthorized);
        QCOMPARE(r->error().httpStatus, 401);
        QVERIFY2(r->error().message.contains("rejected the token"), qPrintable(r->error().message));
        QVERIFY(!r->error().message.contains("wrong-token"));
    }

    void forbiddenRoleIsAPlainSentence()
    {
        configure("viewer-token");
        JobSpec s;
        s.playbook = "rolling-restart.yml";
        s.target.service = "web";
        auto r = await<Job>([&](auto cb) { m_client->launch(s, {}, this, cb); });
        QVERIFY(r && !*r);
        QCOMPARE(r->error().kind, Error::Kind::Forbidden);
        QVERIFY2(
            r->error().message.startsWith("Not allowed to launch rolling-restart.yml"), qPrintable(r->error().message));
        // Reading still works for a viewer.
        auto list = await<JobPage>([&](auto cb) { m_client->listJobs({}, this, cb); });
        QVERIFY(list && *list);
    }

    void refusedConnectionNamesTheAddress()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const quint16 port = probe.serverPort();
        probe.close();
        JobServiceConfig c;
        c.baseUrl = QUrl(QString("http://127.0.0.1:%1").arg(port));
        QVERIFY(m_client->configure(c));
        QSignalSpy finished(m_client, &JobServiceClient::requestFinished);
        auto r = await<ServiceHealth>([&](auto cb) { m_client->health(this, cb); });
        QVERIFY(r && !*r);
        QCOMPARE(r->error().kind, Error::Kind::Network);
        QVERIFY2(r->error().message.contains(QString("127.0.0.1:%1").arg(port)), qPrintable(r->error().message));
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished[0][2].toBool(), false); // not reachable
    }

    void silentServerTimesOut()
    {
        configure(kCanary, 300, 20000);
        m_service->setHandler([](const FakeRequest &) -> std::optional<FakeResponse> {
            FakeResponse r;
            r.delayMs = -1;
            return r;
        });
        auto r = await<JobPage>([&](auto cb) { m_client->listJobs({}, this, cb); });
        QVERIFY(r && !*r);
        QCOMPARE(r->error().kind, Error::Kind::Timeout);
    }

    // A server that trickles one byte at a time keeps the transfer timeout happy; the deadline still ends it.
    void tricklingServerHitsTheDeadline()
    {
        QTcpServer slow;
        QVERIFY(slow.listen(QHostAddress::LocalHost));
        QList<QTcpSocket *> sockets;
        QTimer drip;
        connect(&slow, &QTcpServer::newConnection, this, [&] {
            QTcpSocket *s = slow.nextPendingConnection();
            sockets << s;
            s->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
        });
        connect(&drip, &QTimer::timeout, this, [&] {
            for (QTcpSocket *s : std::as_const(sockets))
                s->write(" ");
        });
        drip.start(50);
        JobServiceConfig c;
        c.baseUrl = QUrl(QString("http://127.0.0.1:%1").arg(slow.serverPort()));
        c.transferTimeoutMs = 1000;
        c.deadlineMs = 700;
        QVERIFY(m_client->configure(c));
        auto r = await<JobPage>([&](auto cb) { m_client->listJobs({}, this, cb); });
        QVERIFY(r && !*r);
        QCOMPARE(r->error().kind, Error::Kind::Timeout);
        QVERIFY(r->error().message.contains("did not finish"));
    }

    void hugeAnswerIsRefused()
    {
        configure(kCanary, 5000, 20000, 1 << 20);
        m_service->setHandler([](const FakeRequest &) -> std::optional<FakeResponse> {
            FakeResponse r;
            r.body = "[" + QByteArray(3 << 20, ' ') + "]";
            return r;
        });
        auto r = await<JobPage>([&](auto cb) { m_client->listJobs({}, this, cb); });
        QVERIFY(r && !*r);
        QCOMPARE(r->error().kind, Error::Kind::TooLarge);
    }

    void malformedAnswerIsADecodeError()
    {
        m_service->setHandler([](const FakeRequest &) -> std::optional<FakeResponse> {
            FakeResponse r;
            r.body = "{\"jobs\": [{\"id\": \"not a number\"}]}";
            return r;
        });
        auto r = await<JobPage>([&](auto cb) { m_client->listJobs({}, this, cb); });
        QVERIFY(r && !*r);
        QCOMPARE(r->error().kind, Error::Kind::Decode);
        QVERIFY(r->error().message.startsWith("cannot list jobs: the answer is malformed"));
    }

    void redirectIsNotFollowed()
    {
        FakeJobService other;
        QVERIFY(other.listen());
        const QUrl target = other.url();
        m_service->setHandler([target](const FakeRequest &) -> std::optional<FakeResponse> {
            FakeResponse r;
            r.status = 302;
            r.headers = { { "Location", target.toString().toLatin1() + "/v1/jobs" } };
            return r;
        });
        auto r = await<JobPage>([&](auto cb) { m_client->listJobs({}, this, cb); });
        QVERIFY(r && !*r);
        QCOMPARE(r->error().httpStatus, 302);
        QVERIFY(r->error().message.contains(target.toString()));
        QCOMPARE(other.requests().size(), 0); // the token never went there
    }

    void callbackIsSkippedWhenContextDies()
    {
        auto *context = new QObject;
        bool called = false;
        m_service->setHandler([](const FakeRequest &) -> std::optional<FakeResponse> {
            FakeResponse r;
            r.delayMs = 200;
            r.body = R"({"jobs":[]})";
            return r;
        });
        QSignalSpy finished(m_client, &JobServiceClient::requestFinished);
        m_client->listJobs({}, context, [&called](Result<JobPage>) { called = true; });
        delete context;
        QVERIFY(finished.wait(5000));
        QVERIFY(!called);
    }

    void reconfigureCancelsRequestsInFlight()
    {
        m_service->setHandler([](const FakeRequest &) -> std::optional<FakeResponse> {
            FakeResponse r;
            r.delayMs = -1;
            return r;
        });
        std::optional<Result<JobPage>> out;
        m_client->listJobs({}, this, [&out](Result<JobPage> r) { out = std::move(r); });
        QTRY_COMPARE(m_client->requestsInFlight(), 1);
        configure(kCanary);
        QTRY_VERIFY(out.has_value());
        QVERIFY(!*out);
        QCOMPARE(out->error().kind, Error::Kind::Cancelled);
        QCOMPARE(m_client->requestsInFlight(), 0);
    }

    void unconfiguredClientSaysSo()
    {
        JobServiceClient fresh;
        auto r = await<JobPage>([&](auto cb) { fresh.listJobs({}, this, cb); });
        QVERIFY(r && !*r);
        QCOMPARE(r->error().kind, Error::Kind::InvalidInput);
    }

    void badConfigurationIsRefused()
    {
        JobServiceConfig c;
        c.baseUrl = QUrl("ftp://example.org");
        QVERIFY(!m_client->configure(c));
        c.baseUrl = QUrl("https://example.org");
        c.caFile = "/nonexistent/ca.pem";
        auto r = m_client->configure(c);
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Io);
    }

    void logIsReadFromAnOffset()
    {
        JobSpec s;
        s.playbook = "rolling-restart.yml";
        s.target.service = "web";
        const qint64 id = m_service->createJob(s);
        m_service->appendLog(id, "web-1", "TASK [gate]\nok\n");
        auto r = await<LogChunk>([&](auto cb) { m_client->nodeLog(id, "web-1", 5, this, cb); });
        QVERIFY(r && *r);
        QCOMPARE(r->value().offset, 5);
        QCOMPARE(r->value().text, QByteArray("[gate]\nok\n"));
        QCOMPARE(r->value().size, 15);
    }

    void releaseAndRelaunch()
    {
        auto rel = await<bool>([&](auto cb) { m_client->releaseNode("web-2", this, cb); });
        QVERIFY(rel && *rel);
        QCOMPARE(m_service->releasedNodes(), QStringList { "web-2" });
        JobSpec s;
        s.playbook = "rolling-restart.yml";
        s.target.service = "web";
        const qint64 id = m_service->createJob(s);
        m_service->setNodeState(id, "web-3", NodeRunState::Failed, "boom");
        auto again = await<Job>([&](auto cb) { m_client->relaunch(id, {}, this, cb); });
        QVERIFY(again && *again);
        QCOMPARE(again->value().nodes.size(), 1);
        QCOMPARE(again->value().nodes[0].node, QString("web-3"));
    }
};

QTEST_GUILESS_MAIN(TestJobServiceClient)
#include "tst_jobserviceclient.moc"
