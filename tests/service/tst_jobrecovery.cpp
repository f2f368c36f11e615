// Integration: consul-sim + baton-service + real ansible-playbook runs: the failure policy and relaunch, a killed
// service restarting without ghosts, SIGTERM drain and hand-off, timeouts.

#include "servicetestenv.h"

#include <QFile>
#include <QTemporaryDir>

using namespace Baton::Test;
using nlohmann::json;

class TstJobRecovery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void failedNodeHaltsAdmissionAndRelaunchRunsOnlyIt();
    void killedServiceLeavesNoGhostAfterRestart();
    void restartReadsMaintenanceFromConsul();
    void sigtermDrainsAndHandsQueuedNodesToTheNextStart();
    void nodeTimeoutStopsTheRun();
    void lostSessionStopsTheRunWhoseLockWasTaken();
};

void TstJobRecovery::failedNodeHaltsAdmissionAndRelaunchRunsOnlyIt()
{
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(3)), qPrintable(sim.errorString()));
    ServiceFixture svc;
    QVERIFY2(svc.start(serviceOptions(sim)), qPrintable(svc.errorString()));
    // Every node would fail; with max_offline 1 the first to enter fails and halts the rest.
    const auto launched
        = svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" } }, { { "fail_on", "web-1,web-2,web-3" } }));
    QCOMPARE(launched.status, 201);
    const qint64 id = launched.json()["id"].get<qint64>();
    const json done = svc.waitForJob(id);
    QCOMPARE(S(done["state"]), QStringLiteral("failed"));
    QVERIFY(!done["halt_reason"].get<std::string>().empty());
    int failed = 0;
    int cancelled = 0;
    QString failedNode;
    for (const auto &n : done["nodes"]) {
        if (n["state"] == "failed") {
            ++failed;
            failedNode = QString::fromStdString(n["node"].get<std::string>());
            QVERIFY(n["reason"].get<std::string>().find("fails on") != std::string::npos);
        } else if (n["state"] == "cancelled") {
            ++cancelled;
            QVERIFY(n["reason"].get<std::string>().find("halted") != std::string::npos);
        }
    }
    QCOMPARE(failed, 1);
    QCOMPARE(cancelled, 2);

    // Relaunch takes the failed node only (the cancelled ones were never tried).
    const auto relaunch = svc.request("POST", QStringLiteral("/v1/jobs/%1/relaunch").arg(id), "{}");
    QCOMPARE(relaunch.status, 201);
    const json again = relaunch.json();
    QCOMPARE(again["relaunch_of"].get<qint64>(), id);
    QCOMPARE(int(again["nodes"].size()), 1);
    QCOMPARE(QString::fromStdString(again["nodes"][0]["node"].get<std::string>()), failedNode);
    QCOMPARE(S(svc.waitForJob(again["id"].get<qint64>())["state"]), QStringLiteral("failed"));
    QVERIFY(noStraysWithin(svc, 5000));
}

void TstJobRecovery::killedServiceLeavesNoGhostAfterRestart()
{
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(2)), qPrintable(sim.errorString()));
    ServiceFixture svc;
    QVERIFY2(svc.start(serviceOptions(sim, { "--session-ttl", "10" })), qPrintable(svc.errorString()));
    const auto launched
        = svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" } }, { { "change_seconds", 60 } }));
    QCOMPARE(launched.status, 201);
    const qint64 id = launched.json()["id"].get<qint64>();
    bool entered = false;
    svc.waitForJobWhere(id, [&](const json &j) {
        for (const auto &n : j["nodes"])
            entered = entered || n["state"] == "in_maintenance";
        return entered;
    });
    QVERIFY(entered);
    svc.kill();
    QVERIFY2(svc.restart(), qPrintable(svc.errorString()));
    const json after = svc.waitForJob(id, 30000);
    QVERIFY2(after["state"] == "failed" || after["state"] == "partially_failed", after.dump().c_str());
    bool sawMaintenanceFlag = false;
    for (const auto &n : after["nodes"]) {
        const std::string s = n["state"];
        QVERIFY2(s == "failed" || s == "succeeded" || s == "cancelled", s.c_str());
        if (n["maintenance_left_on"] == true) {
            sawMaintenanceFlag = true;
            QVERIFY(n["reason"].get<std::string>().find("service stopped") != std::string::npos);
            QVERIFY2(S(n["reason"]).contains("Consul shows the node still in this job's maintenance"),
                n["reason"].dump().c_str());
            QVERIFY(!maintenanceNotes(sim, S(n["node"])).isEmpty());
        } else {
            QVERIFY(maintenanceNotes(sim, S(n["node"])).isEmpty());
        }
    }
    QVERIFY(sawMaintenanceFlag);
    // Nothing of the killed runs survives the restart.
    QVERIFY(noStraysWithin(svc, 10000));
    // The node lock of the dead run is free again: a new job on the same nodes can lock them at once.
    const auto next = svc.request("POST", "/v1/jobs", launchBody({ { "nodes", { "web-1" } }, { "service", "web" } }),
        ServiceFixture::operatorToken());
    QCOMPARE(next.status, 201);
    const json nj = svc.waitForJobWhere(
        next.json()["id"].get<qint64>(), [](const json &j) { return j["nodes"][0]["state"] != "queued"; }, 20000);
    QVERIFY(!transitionStates(nj["nodes"][0]).contains("waiting_for_node"));
}

void TstJobRecovery::restartReadsMaintenanceFromConsul()
{
    // The service dies with a run in maintenance; before it comes back an operator ends that maintenance by
    // hand. The restarted service marks the run failed, and reports the node in maintenance only if Consul
    // still shows it: its last stored event (in_maintenance) is not taken for the node's state.
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(1)), qPrintable(sim.errorString()));
    ServiceFixture svc;
    QVERIFY2(svc.start(serviceOptions(sim, { "--session-ttl", "10" })), qPrintable(svc.errorString()));
    const auto launched
        = svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" } }, { { "change_seconds", 60 } }));
    QCOMPARE(launched.status, 201);
    const qint64 id = launched.json()["id"].get<qint64>();
    svc.waitForJobWhere(id, [](const json &j) { return j["nodes"][0]["state"] == "in_maintenance"; });
    QVERIFY(!maintenanceNotes(sim, "web-1").isEmpty());
    svc.kill();
    QCOMPARE(sim.request("PUT", "web-1", "/v1/agent/service/maintenance/web?enable=false").status, 200);
    QCOMPARE(sim.request("PUT", "web-1", "/v1/agent/maintenance?enable=false").status, 200);
    QVERIFY(maintenanceNotes(sim, "web-1").isEmpty());
    QVERIFY2(svc.restart(), qPrintable(svc.errorString()));
    const json after = svc.waitForJob(id, 30000);
    QCOMPARE(S(after["state"]), QStringLiteral("failed"));
    const json &node = after["nodes"][0];
    QCOMPARE(S(node["state"]), QStringLiteral("failed"));
    QVERIFY2(node["maintenance_left_on"] == false, node.dump().c_str());
    QVERIFY2(S(node["reason"]).contains("the service stopped while this run was"), node["reason"].dump().c_str());
    QVERIFY2(S(node["reason"]).endsWith("its runner is gone"), node["reason"].dump().c_str());
    QVERIFY(noStraysWithin(svc, 10000));
}

void TstJobRecovery::sigtermDrainsAndHandsQueuedNodesToTheNextStart()
{
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(2)), qPrintable(sim.errorString()));
    ServiceFixture svc;
    // One runner: the second node stays queued behind the first, which is in maintenance when SIGTERM comes.
    QVERIFY2(svc.start(serviceOptions(sim, { "--max-runners", "1" })), qPrintable(svc.errorString()));
    QVERIFY(setMaxOffline(sim, "2"));
    const auto launched
        = svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" } }, { { "change_seconds", 3 } }));
    QCOMPARE(launched.status, 201);
    const qint64 id = launched.json()["id"].get<qint64>();
    QString running;
    QString queued;
    svc.waitForJobWhere(id, [&](const json &j) {
        running.clear();
        queued.clear();
        for (const auto &n : j["nodes"]) {
            if (n["state"] == "in_maintenance")
                running = S(n["node"]);
            if (n["state"] == "queued" && S(n["reason"]).contains("free runner"))
                queued = S(n["node"]);
        }
        return !running.isEmpty() && !queued.isEmpty();
    });
    QVERIFY2(!running.isEmpty() && !queued.isEmpty(), "one node in maintenance, one waiting for the runner");
    QCOMPARE(svc.stop(60000), 0); // SIGTERM: the running node finishes, then the service exits cleanly
    QVERIFY(svc.strayProcesses().isEmpty());
    QVERIFY2(svc.restart(), qPrintable(svc.errorString()));
    const json done = svc.waitForJob(id);
    QCOMPARE(S(done["state"]), QStringLiteral("succeeded"));
    QVERIFY(!transitionStates(*nodeOf(done, running)).contains("failed"));
    QCOMPARE(S((*nodeOf(done, queued))["state"]), QStringLiteral("succeeded"));
}

void TstJobRecovery::nodeTimeoutStopsTheRun()
{
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(1)), qPrintable(sim.errorString()));
    ServiceFixture svc;
    QVERIFY2(svc.start(serviceOptions(sim)), qPrintable(svc.errorString()));
    const auto launched = svc.request("POST", "/v1/jobs",
        launchBody({ { "service", "web" } }, { { "change_seconds", 60 } }, { { "node_timeout_s", 6 } }));
    QCOMPARE(launched.status, 201);
    const json done = svc.waitForJob(launched.json()["id"].get<qint64>(), 40000);
    QCOMPARE(S(done["state"]), QStringLiteral("failed"));
    QCOMPARE(S(done["nodes"][0]["state"]), QStringLiteral("timed_out"));
    QVERIFY(S(done["nodes"][0]["reason"]).contains("node timeout of 6 s"));
    QVERIFY(done["nodes"][0]["maintenance_left_on"] == true);
    QVERIFY(noStraysWithin(svc, 10000));
}

void TstJobRecovery::lostSessionStopsTheRunWhoseLockWasTaken()
{
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(2)), qPrintable(sim.errorString()));
    QVERIFY(setMaxOffline(sim, "2"));
    ServiceFixture svc;
    QVERIFY2(svc.start(serviceOptions(sim, { "--session-ttl", "10" })), qPrintable(svc.errorString()));
    const auto launched
        = svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" } }, { { "change_seconds", 15 } }));
    QCOMPARE(launched.status, 201);
    const qint64 id = launched.json()["id"].get<qint64>();
    svc.waitForJobWhere(id, [](const json &j) {
        int in = 0;
        for (const auto &n : j["nodes"])
            in += n["state"] == "in_maintenance" ? 1 : 0;
        return in == 2;
    });
    // Find the service's session (it holds the node locks) and invalidate it, as a Consul restart would.
    const json lock = sim.request("GET", "web-1", "/v1/kv/baton/nodes/web-1/job").json();
    QVERIFY2(lock.is_array() && !lock.empty(), lock.dump().c_str());
    const QString session = S(lock[0]["Session"]);
    QVERIFY(!session.isEmpty());
    QVERIFY(sim.invalidateSession(session));
    // Someone else takes web-1's lock before the service notices; web-2's stays free.
    const json other
        = sim.request("PUT", "web-1", "/v1/session/create", R"({"Name": "intruder", "TTL": "60s", "NodeChecks": []})")
              .json();
    const QString intruder = S(other["ID"]);
    QVERIFY(!intruder.isEmpty());
    QCOMPARE(sim.request("PUT", "web-1", "/v1/kv/baton/nodes/web-1/job?acquire=" + intruder,
                    R"({"job": 999, "instance": "elsewhere"})")
                 .body.trimmed(),
        QByteArray("true"));
    const json done = svc.waitForJob(id, 60000);
    const json *lost = nodeOf(done, "web-1");
    const json *kept = nodeOf(done, "web-2");
    QCOMPARE(S((*lost)["state"]), QStringLiteral("failed"));
    QVERIFY2(S((*lost)["reason"]).contains("lost the node lock"), (*lost)["reason"].dump().c_str());
    QCOMPARE(S((*kept)["state"]), QStringLiteral("succeeded"));
    QVERIFY(noStraysWithin(svc, 10000));
}

QTEST_GUILESS_MAIN(TstJobRecovery)
#include "tst_jobrecovery.moc"
