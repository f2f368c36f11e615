#include "app/consolesession.h"
#include "core/jobs/eventstream.h"
#include "models/connectionstatusmodel.h"
#include "models/healthmodel.h"
#include "models/joblistmodel.h"
#include "models/nodelogbuffer.h"
#include "models/noderunmodel.h"
#include "models/servicebudgetmodel.h"
#include "support/consulsimfixture.h"
#include "support/fakejobservice.h"

#include <QLoggingCategory>
#include <QSignalSpy>
#include <QTest>

using namespace Baton;
using Baton::Test::ConsulSimFixture;
using Baton::Test::FakeJobService;
using json = nlohmann::json;
using Link = ConnectionStatusModel::Link;
using LinkState = ConnectionStatusModel::State;

namespace {

const QByteArray kToken = "session-canary-token-91";

QStringList g_log;
QtMessageHandler g_previous = nullptr;
void capture(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    g_log << msg;
    if (g_previous && type >= QtWarningMsg)
        g_previous(type, ctx, msg);
}

json fleet()
{
    json nodes = json::array();
    for (int i = 1; i <= 4; ++i) {
        const QString n = QString("web-%1").arg(i);
        nodes.push_back(ConsulSimFixture::node(n,
            json::array({ ConsulSimFixture::service("web", "web", 8080, { i % 2 ? "blue" : "green" },
                json::array({ ConsulSimFixture::ttlCheck("web-ttl", "300s") })) })));
    }
    for (int i = 1; i <= 2; ++i) {
        const QString n = QString("db-%1").arg(i);
        nodes.push_back(ConsulSimFixture::node(n,
            json::array({ ConsulSimFixture::service(
                "db", "db", 5432, {}, json::array({ ConsulSimFixture::ttlCheck("db-ttl", "300s") })) })));
    }
    return { { "datacenter", "dc1" }, { "nodes", nodes } };
}

template<typename T>
std::optional<Result<T>> await(std::function<void(std::function<void(Result<T>)>)> call, int timeoutMs = 15000)
{
    std::optional<Result<T>> out;
    call([&out](Result<T> r) { out = std::move(r); });
    (void)QTest::qWaitFor([&] { return out.has_value(); }, timeoutMs);
    return out;
}

} // namespace

class TestConsoleSession : public QObject
{
    Q_OBJECT

private:
    FakeJobService *m_service = nullptr;
    std::unique_ptr<ConsulSimFixture> m_sim;
    ConsoleSession *m_session = nullptr;

    ConnectionProfile profile(bool readOnly = false) const
    {
        ConnectionProfile p;
        p.name = "test";
        p.jobServiceUrl = m_service->url();
        p.consulUrl = m_sim->anyUrl();
        p.readOnly = readOnly;
        return p;
    }

    void connectSession(bool readOnly = false, const QByteArray &token = kToken)
    {
        ConsoleSession::Tokens t;
        t.jobService = token;
        m_session->connectTo(profile(readOnly), t);
    }

    JobSpec spec(const QString &service = "web")
    {
        JobSpec s;
        s.playbook = "rolling-restart.yml";
        s.target.service = service;
        return s;
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
            QVERIFY2(!line.contains(QString::fromLatin1(kToken)), qPrintable(line));
    }

    void init()
    {
        m_service = new FakeJobService(this);
        QVERIFY(m_service->listen());
        m_service->addToken(kToken, "alice", "operator");
        m_service->setServiceNodes("web", { "web-1", "web-2", "web-3", "web-4" });
        m_service->setServiceNodes("db", { "db-1", "db-2" });
        m_sim = std::make_unique<ConsulSimFixture>();
        QVERIFY2(m_sim->start(fleet()), qPrintable(m_sim->errorString()));
        m_session = new ConsoleSession(this);
        m_session->setPageSize(50);
    }

    void cleanup()
    {
        delete m_session;
        m_session = nullptr;
        m_sim.reset();
        delete m_service;
    }

    void historyThenLiveEvents()
    {
        for (int i = 0; i < 3; ++i)
            m_service->createJob(spec());
        connectSession();
        JobListModel *jobs = m_session->jobs();
        QTRY_COMPARE(jobs->rowCount(), 3);
        QCOMPARE(jobs->jobIdAt(0), 3);
        QTRY_COMPARE(m_session->connections()->status(Link::EventStream).state, LinkState::Up);
        const qint64 id = m_service->createJob(spec());
        QTRY_COMPARE(jobs->rowCount(), 4);
        QCOMPARE(jobs->jobIdAt(0), id);
        m_service->setNodeState(id, "web-1", NodeRunState::InMaintenance);
        m_service->setNodeState(id, "web-2", NodeRunState::Failed, "exit 2");
        QTRY_COMPARE(jobs->jobCounts(id).failures(), 1);
        QCOMPARE(jobs->jobCounts(id).active(), 1);
        QTRY_COMPARE(m_session->connections()->status(Link::JobService).state, LinkState::Up);
        QVERIFY(m_session->playbooks().contains("rolling-restart.yml"));
    }

    void selectionFollowsNodesAndLog()
    {
        const qint64 id = m_service->createJob(spec());
        connectSession();
        QTRY_COMPARE(m_session->jobs()->rowCount(), 1);
        m_session->selectJob(id);
        QTRY_COMPARE(m_session->nodes()->rowCount(), 4);
        m_service->appendLog(id, "web-1", "PLAY [rolling]\n");
        m_session->followLog(id, "web-1");
        QTRY_COMPARE(m_session->log()->bytes(), QByteArray("PLAY [rolling]\n"));
        QTRY_COMPARE(m_session->connections()->status(Link::EventStream).state, LinkState::Up);
        m_service->appendLog(id, "web-1", "TASK [gate : enter]\n");
        QTRY_COMPARE(m_session->log()->bytes(), QByteArray("PLAY [rolling]\nTASK [gate : enter]\n"));
        m_service->setNodeState(id, "web-1", NodeRunState::WaitingForSlot, "slots held by web-3");
        QTRY_COMPARE(m_session->nodes()->nodeAt(0)->state, NodeRunState::WaitingForSlot);
    }

    void servicesComeFromConsul()
    {
        connectSession();
        ServiceBudgetModel *services = m_session->services();
        QTRY_COMPARE_WITH_TIMEOUT(services->serviceNames(), (QStringList { "db", "web" }), 10000);
        QTRY_COMPARE(services->service("web")->instances, 4);
        QCOMPARE(services->service("web")->passing, 4);
        QCOMPARE(services->service("web")->budget.limit(), 1); // the key is missing: the default
        QVERIFY(!services->service("web")->maxOfflineKeyPresent);
        QCOMPARE(services->service("web")->tags, (QStringList { "blue", "green" }));
        QTRY_COMPARE(m_session->connections()->status(Link::Consul).state, LinkState::Up);
        // An operator elsewhere writes the key: it shows up live.
        QCOMPARE(m_sim->request("PUT", "web-1", "/v1/kv/baton/services/web/max_offline", "50%").status, 200);
        QTRY_COMPARE(services->service("web")->budget.limit(), 2);
        QVERIFY(services->service("web")->maxOfflineModifyIndex > 0);
        // A failing check is counted and named.
        QVERIFY(m_sim->setCheck("web-3", "web-ttl", "critical", "connection refused"));
        QTRY_COMPARE(services->service("web")->critical, 1);
        QCOMPARE(services->service("web")->budget.offline.first().node, QString("web-3"));
    }

    void maxOfflineIsWrittenWithCasAndConflictsAreNotOverwritten()
    {
        connectSession();
        ServiceBudgetModel *services = m_session->services();
        QTRY_VERIFY_WITH_TIMEOUT(services->service("web"), 10000);
        // Creating the key: CAS index 0.
        auto first = await<ConsoleSession::MaxOfflineWrite>(
            [&](auto cb) { m_session->setMaxOffline("web", MaxOffline::count(2), 0, this, cb); });
        QVERIFY(first && *first);
        QVERIFY(first->value().written);
        QTRY_COMPARE(services->service("web")->budget.maxOffline, MaxOffline::count(2));
        const quint64 index = services->service("web")->maxOfflineModifyIndex;
        QVERIFY(index > 0);
        // Someone else changes it meanwhile.
        QCOMPARE(m_sim->request("PUT", "web-2", "/v1/kv/baton/services/web/max_offline", "3").status, 200);
        auto second = await<ConsoleSession::MaxOfflineWrite>(
            [&](auto cb) { m_session->setMaxOffline("web", MaxOffline::count(1), index, this, cb); });
        QVERIFY(second && *second);
        QVERIFY(!second->value().written);
        QCOMPARE(second->value().current.budget.maxOffline, MaxOffline::count(3));
        QVERIFY(second->value().current.maxOfflineModifyIndex > index);
        const auto stored = m_sim->request("GET", "web-1", "/v1/kv/baton/services/web/max_offline?raw");
        QCOMPARE(stored.body, QByteArray("3")); // theirs, not ours
    }

    void orphanedMaintenanceIsFlaggedAndReleased()
    {
        connectSession();
        QCOMPARE(
            m_sim->request("PUT", "web-2", "/v1/agent/maintenance?enable=true&reason=baton:%20job%209%20by%20carol")
                .status,
            200);
        QTRY_COMPARE_WITH_TIMEOUT(m_session->health()->orphanState("web-2"), HealthModel::Orphan::Baton, 10000);
        QCOMPARE(m_session->health()->orphanState("web-1"), HealthModel::Orphan::None);
        QTRY_VERIFY(m_session->services()->service("web") && m_session->services()->service("web")->maintenance == 1);
        auto released = await<bool>([&](auto cb) { m_session->releaseNode("web-2", this, cb); });
        QVERIFY(released && *released);
        QCOMPARE(m_service->releasedNodes(), QStringList { "web-2" });
    }

    void readOnlyProfilesSendNothing()
    {
        connectSession(true);
        QTRY_COMPARE(m_session->connections()->status(Link::JobService).state, LinkState::Up);
        const int before = m_service->requests().size();
        auto launched = await<Job>([&](auto cb) { m_session->launch(spec(), "k", this, cb); });
        QVERIFY(launched && !*launched);
        QCOMPARE(launched->error().kind, Error::Kind::Forbidden);
        QVERIFY(launched->error().message.contains("read-only"));
        auto cancelled = await<Job>([&](auto cb) { m_session->cancelJob(1, JobCancelMode::Graceful, this, cb); });
        QVERIFY(cancelled && !*cancelled);
        auto write = await<ConsoleSession::MaxOfflineWrite>(
            [&](auto cb) { m_session->setMaxOffline("web", MaxOffline::count(5), 0, this, cb); });
        QVERIFY(write && !*write);
        auto release = await<bool>([&](auto cb) { m_session->releaseNode("web-1", this, cb); });
        QVERIFY(release && !*release);
        for (const auto &r : m_service->requests().mid(before))
            QCOMPARE(r.method, QByteArray("GET"));
        QCOMPARE(m_sim->request("GET", "web-1", "/v1/kv/baton/services/web/max_offline").status, 404);
    }

    void launchedJobsNotifyWhenTheyFinish()
    {
        connectSession();
        QTRY_COMPARE(m_session->connections()->status(Link::EventStream).state, LinkState::Up);
        QSignalSpy finished(m_session, &ConsoleSession::launchedJobFinished);
        auto launched = await<Job>([&](auto cb) { m_session->launch(spec("db"), "key-1", this, cb); });
        QVERIFY(launched && *launched);
        const qint64 id = launched->value().id;
        QVERIFY(m_session->launchedHere(id));
        m_service->setNodeState(id, "db-1", NodeRunState::Succeeded);
        m_service->setNodeState(id, "db-2", NodeRunState::Failed, "exit 1");
        QVERIFY(finished.wait(5000));
        QCOMPARE(finished[0][0].toLongLong(), id);
        QCOMPARE(finished[0][1].value<JobState>(), JobState::PartiallyFailed);
        QCOMPARE(finished[0][2].toString(), QString("1 ok / 1 failed"));
    }

    // The job service goes away: its two connections say so, Consul keeps working, and everything comes back by
    // itself when the service returns.
    void jobServiceDownLeavesConsulWorking()
    {
        connectSession();
        QTRY_COMPARE(m_session->connections()->status(Link::EventStream).state, LinkState::Up);
        QTRY_COMPARE_WITH_TIMEOUT(m_session->connections()->status(Link::Consul).state, LinkState::Up, 10000);
        const quint16 port = m_service->port();
        m_service->close();
        QTRY_COMPARE_WITH_TIMEOUT(m_session->connections()->status(Link::EventStream).state, LinkState::Down, 10000);
        m_session->refresh();
        QTRY_COMPARE_WITH_TIMEOUT(m_session->connections()->status(Link::JobService).state, LinkState::Down, 10000);
        QVERIFY(m_session->connections()->status(Link::JobService).lastError.message.contains("refused"));
        QCOMPARE(m_sim->request("PUT", "web-1", "/v1/kv/baton/services/db/max_offline", "2").status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(
            m_session->services()->service("db") && m_session->services()->service("db")->budget.limit() == 2, 10000);
        QCOMPARE(m_session->connections()->status(Link::Consul).state, LinkState::Up);
        QVERIFY(m_service->listen(port));
        m_service->createJob(spec());
        QTRY_COMPARE_WITH_TIMEOUT(m_session->connections()->status(Link::EventStream).state, LinkState::Up, 35000);
        m_session->refresh();
        QTRY_COMPARE_WITH_TIMEOUT(m_session->jobs()->rowCount(), 1, 10000);
        QTRY_COMPARE(m_session->connections()->status(Link::JobService).state, LinkState::Up);
    }

    void consulDownLeavesTheJobListLive()
    {
        connectSession();
        QTRY_COMPARE_WITH_TIMEOUT(m_session->connections()->status(Link::Consul).state, LinkState::Up, 10000);
        QTRY_COMPARE(m_session->connections()->status(Link::EventStream).state, LinkState::Up);
        QTRY_VERIFY(m_session->services()->service("web"));
        m_sim->stop();
        // The watchers' blocking queries end with the connection; the next attempt is refused.
        QTRY_COMPARE_WITH_TIMEOUT(m_session->connections()->status(Link::Consul).state, LinkState::Down, 20000);
        QVERIFY(!m_session->consulAvailable());
        // The status area says it is retrying by itself, and why it is down.
        QTRY_VERIFY(m_session->connections()->status(Link::Consul).detail.startsWith("retrying with back-off"));
        QVERIFY(!m_session->connections()->status(Link::Consul).lastError.message.isEmpty());
        const qint64 id = m_service->createJob(spec());
        QTRY_COMPARE(m_session->jobs()->rowCount(), 1);
        QCOMPARE(m_session->jobs()->jobIdAt(0), id);
        QCOMPARE(m_session->connections()->status(Link::EventStream).state, LinkState::Up);
        QVERIFY(m_session->services()->service("web")); // what was last read stays on screen
    }

    void rejectedTokenIsShownPlainly()
    {
        connectSession(false, "not-the-token");
        QTRY_COMPARE_WITH_TIMEOUT(
            m_session->connections()->status(Link::JobService).state, LinkState::Unauthorized, 10000);
        QTRY_COMPARE(m_session->connections()->status(Link::EventStream).state, LinkState::Unauthorized);
        const QString text = m_session->connections()->status(Link::JobService).lastError.message;
        QVERIFY2(text.contains("rejected the token"), qPrintable(text));
        QTRY_COMPARE_WITH_TIMEOUT(m_session->connections()->status(Link::Consul).state, LinkState::Up, 10000);
    }

    void resyncRefetchesHistory()
    {
        const qint64 id = m_service->createJob(spec());
        connectSession();
        QTRY_COMPARE(m_session->jobs()->rowCount(), 1);
        QTRY_COMPARE(m_session->connections()->status(Link::EventStream).state, LinkState::Up);
        QSignalSpy resynced(m_session, &ConsoleSession::resynced);
        m_service->setReplayWindow(2);
        m_service->dropStreams();
        // While the console is away, more happens than the service can replay.
        for (int i = 0; i < 3; ++i)
            m_service->createJob(spec("db"));
        m_service->setNodeState(id, "web-1", NodeRunState::Failed, "boom");
        QVERIFY(resynced.wait(15000));
        QTRY_COMPARE(m_session->jobs()->rowCount(), 4);
        QTRY_COMPARE(m_session->jobs()->jobCounts(id).failures(), 1);
    }
};

QTEST_MAIN(TestConsoleSession)
#include "tst_consolesession.moc"
