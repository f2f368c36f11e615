// Integration: consul-sim + baton-service + real ansible-playbook runs of the gate's rolling role.

#include "servicetestenv.h"

#include <QFile>
#include <QTemporaryDir>

using namespace Baton::Test;
using nlohmann::json;

class TstJobService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void jobSucceedsWithEveryTransitionRecorded();
    void overlappingJobsNeverShareANode();
    void gracefulCancelLetsInFlightFinish();
    void forceCancelKillsAndKeepsMaintenanceThenRelease();
    void forceKilledNodeWithReleaseLeavesMaintenance();
};

void TstJobService::jobSucceedsWithEveryTransitionRecorded()
{
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(3)), qPrintable(sim.errorString()));
    ServiceFixture svc;
    QVERIFY2(svc.start(serviceOptions(sim)), qPrintable(svc.errorString()));

    const auto launched = svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" }, { "tag", "blue" } }),
        ServiceFixture::operatorToken(), { { "Idempotency-Key", "first-click" } });
    QCOMPARE(launched.status, 201);
    const json created = launched.json();
    QCOMPARE(S(created["state"]), QStringLiteral("queued"));
    QCOMPARE(int(created["nodes"].size()), 3);
    const qint64 id = created["id"].get<qint64>();

    // A double-click with the same key is the same job.
    const auto again = svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" }, { "tag", "blue" } }),
        ServiceFixture::operatorToken(), { { "Idempotency-Key", "first-click" } });
    QCOMPARE(again.status, 200);
    QCOMPARE(again.json()["id"].get<qint64>(), id);
    QCOMPARE(again.header("idempotent-replayed"), QByteArray("true"));
    // The same key for a different request is refused.
    const auto other = svc.request("POST", "/v1/jobs", launchBody({ { "nodes", { "web-1" } } }),
        ServiceFixture::operatorToken(), { { "Idempotency-Key", "first-click" } });
    QCOMPARE(other.status, 422);

    const json done = svc.waitForJob(id);
    QCOMPARE(S(done["state"]), QStringLiteral("succeeded"));
    const QStringList expected { "queued", "starting", "waiting_for_slot", "in_maintenance", "verifying", "succeeded" };
    for (const auto &n : done["nodes"]) {
        QCOMPARE(transitionStates(n), expected);
        qint64 previous = 0;
        for (const auto &t : n["transitions"]) {
            const auto at = QDateTime::fromString(QString::fromStdString(t["at"].get<std::string>()), Qt::ISODateWithMs)
                                .toMSecsSinceEpoch();
            QVERIFY(at >= previous);
            previous = at;
        }
        QCOMPARE(I(n["exit_code"]), qint64(0));
        QVERIFY(n["log_bytes"].get<qint64>() > 0);
        QVERIFY(!n["started_at"].is_null());
        QVERIFY(!n["finished_at"].is_null());
    }
    QCOMPARE(I(done["counts"]["succeeded"]), qint64(3));

    // The node's output is there from offset 0, and a later offset continues it.
    const auto log = svc.request("GET", QStringLiteral("/v1/jobs/%1/nodes/web-1/log?offset=0&limit=100").arg(id), {},
        ServiceFixture::viewerToken());
    QCOMPARE(log.status, 200);
    QCOMPARE(I(log.json()["offset"]), qint64(0));
    QCOMPARE(I(log.json()["next_offset"]), qint64(100));
    QVERIFY(log.json()["text"].get<std::string>().find("ansible-playbook") != std::string::npos);
    const auto rest = svc.request(
        "GET", QStringLiteral("/v1/jobs/%1/nodes/web-1/log?offset=100").arg(id), {}, ServiceFixture::viewerToken());
    QCOMPARE(I(rest.json()["offset"]), qint64(100));
    QVERIFY(rest.json()["complete"] == true);

    // History lists it; the audit trail names who launched it and never the token.
    const auto list = svc.request("GET", "/v1/jobs?state=succeeded&service=web", {}, ServiceFixture::viewerToken());
    QCOMPARE(list.status, 200);
    QCOMPARE(list.json()["jobs"][0]["id"].get<qint64>(), id);
    QVERIFY(!list.json()["jobs"][0].contains("nodes"));
    const auto audit = svc.request("GET", "/v1/audit", {}, ServiceFixture::adminToken());
    QCOMPARE(audit.status, 200);
    bool launchAudited = false;
    const json entries = audit.json()["entries"];
    for (const auto &e : entries)
        launchAudited = launchAudited || (e["action"] == "job.launch" && e["actor"] == "otto" && e["status"] == 201);
    QVERIFY2(launchAudited, audit.body.constData());
    QVERIFY(!audit.body.contains(ServiceFixture::operatorToken()));
    QVERIFY(noStraysWithin(svc, 5000));
    QCOMPARE(svc.stop(), 0);
    const QByteArray logs = svc.logOutput();
    QVERIFY(!logs.contains(ServiceFixture::operatorToken()));
    QVERIFY(!logs.contains(ServiceFixture::viewerToken()));
    QVERIFY(!logs.contains(ServiceFixture::adminToken()));
}

void TstJobService::overlappingJobsNeverShareANode()
{
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(3)), qPrintable(sim.errorString()));
    QVERIFY(setMaxOffline(sim, "3"));
    ServiceFixture svc;
    QVERIFY2(svc.start(serviceOptions(sim)), qPrintable(svc.errorString()));
    QTemporaryDir dir;
    const QString changeLog = dir.path() + "/changes.log";
    const json vars = { { "change_seconds", 2 }, { "change_log", changeLog.toStdString() } };
    const auto a = svc.request(
        "POST", "/v1/jobs", launchBody({ { "nodes", { "web-1", "web-2" } }, { "service", "web" } }, vars));
    const auto b = svc.request(
        "POST", "/v1/jobs", launchBody({ { "nodes", { "web-2", "web-3" } }, { "service", "web" } }, vars));
    QCOMPARE(a.status, 201);
    QCOMPARE(b.status, 201);
    const json ja = svc.waitForJob(a.json()["id"].get<qint64>());
    const json jb = svc.waitForJob(b.json()["id"].get<qint64>());
    QCOMPARE(S(ja["state"]), QStringLiteral("succeeded"));
    QCOMPARE(S(jb["state"]), QStringLiteral("succeeded"));
    // Exactly one of the two runs on web-2 waited for the other's node lock.
    const bool aWaited = transitionStates(*nodeOf(ja, "web-2")).contains("waiting_for_node");
    const bool bWaited = transitionStates(*nodeOf(jb, "web-2")).contains("waiting_for_node");
    QVERIFY(aWaited != bWaited);

    // On every node, each change's start is followed by its own end before any other change starts.
    QFile f(changeLog);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QHash<QString, QString> open;
    int lines = 0;
    for (const QByteArray &line : f.readAll().split('\n')) {
        const QList<QByteArray> parts = line.trimmed().split(' ');
        if (parts.size() != 3)
            continue;
        ++lines;
        const QString node = QString::fromUtf8(parts[0]);
        if (parts[1] == "start") {
            QVERIFY2(!open.contains(node), qPrintable("two changes at once on " + node));
            open.insert(node, QString::fromUtf8(parts[2]));
        } else {
            QCOMPARE(open.take(node), QString::fromUtf8(parts[2]));
        }
    }
    QCOMPARE(lines, 8);
    QVERIFY(noStraysWithin(svc, 5000));
}

void TstJobService::gracefulCancelLetsInFlightFinish()
{
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(3)), qPrintable(sim.errorString()));
    ServiceFixture svc;
    QVERIFY2(svc.start(serviceOptions(sim)), qPrintable(svc.errorString()));
    const auto launched
        = svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" } }, { { "change_seconds", 4 } }));
    QCOMPARE(launched.status, 201);
    const qint64 id = launched.json()["id"].get<qint64>();
    QString inFlight;
    svc.waitForJobWhere(id, [&](const json &j) {
        for (const auto &n : j["nodes"]) {
            if (n["state"] == "in_maintenance")
                inFlight = QString::fromStdString(n["node"].get<std::string>());
        }
        return !inFlight.isEmpty();
    });
    QVERIFY(!inFlight.isEmpty());
    const auto cancel = svc.request("POST", QStringLiteral("/v1/jobs/%1/cancel").arg(id), R"({"mode":"graceful"})");
    QCOMPARE(cancel.status, 200);
    QCOMPARE(S(cancel.json()["cancel"]["mode"]), QStringLiteral("graceful"));
    QCOMPARE(S(cancel.json()["cancel"]["by"]), QStringLiteral("otto"));
    const json done = svc.waitForJob(id);
    QCOMPARE(S(done["state"]), QStringLiteral("cancelled"));
    for (const auto &n : done["nodes"]) {
        const QString node = QString::fromStdString(n["node"].get<std::string>());
        if (node == inFlight) {
            QCOMPARE(S(n["state"]), QStringLiteral("succeeded"));
        } else {
            QCOMPARE(S(n["state"]), QStringLiteral("cancelled"));
            QVERIFY(!transitionStates(n).contains("in_maintenance"));
        }
    }
    QVERIFY(noStraysWithin(svc, 8000));
    // A finished job cannot be cancelled again.
    QCOMPARE(svc.request("POST", QStringLiteral("/v1/jobs/%1/cancel").arg(id), "{}").status, 409);
}

void TstJobService::forceCancelKillsAndKeepsMaintenanceThenRelease()
{
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(2)), qPrintable(sim.errorString()));
    ServiceFixture svc;
    QVERIFY2(svc.start(serviceOptions(sim)), qPrintable(svc.errorString()));
    const auto launched
        = svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" } }, { { "change_seconds", 60 } }));
    QCOMPARE(launched.status, 201);
    const qint64 id = launched.json()["id"].get<qint64>();
    QString inFlight;
    svc.waitForJobWhere(id, [&](const json &j) {
        for (const auto &n : j["nodes"]) {
            if (n["state"] == "in_maintenance")
                inFlight = QString::fromStdString(n["node"].get<std::string>());
        }
        return !inFlight.isEmpty();
    });
    QVERIFY(!inFlight.isEmpty());
    // Dropping a node that is in maintenance needs force.
    QCOMPARE(
        svc.request("POST", QStringLiteral("/v1/jobs/%1/nodes/%2/cancel").arg(id).arg(inFlight), R"({"mode":"drop"})")
            .status,
        409);
    const auto cancel
        = svc.request("POST", QStringLiteral("/v1/jobs/%1/cancel").arg(id), R"({"mode":"force","maintenance":"keep"})");
    QCOMPARE(cancel.status, 200);
    const json done = svc.waitForJob(id, 30000);
    QCOMPARE(S(done["state"]), QStringLiteral("cancelled"));
    const json *killed = nodeOf(done, inFlight);
    QVERIFY(killed);
    QCOMPARE(S((*killed)["state"]), QStringLiteral("cancelled"));
    QVERIFY((*killed)["maintenance_left_on"] == true);
    QVERIFY2(S((*killed)["reason"]).contains("maintenance left on for inspection"), (*killed)["reason"].dump().c_str());
    // The other node never got a slot (max_offline 1): it is not reported in maintenance, and is not.
    for (const auto &n : done["nodes"]) {
        if (S(n["node"]) == inFlight)
            continue;
        QVERIFY2(n["maintenance_left_on"] == false, n.dump().c_str());
        QVERIFY(maintenanceNotes(sim, S(n["node"])).isEmpty());
    }
    QVERIFY(noStraysWithin(svc, 10000));
    // What was left on is this job's maintenance, as the gate named it.
    const QStringList notes = maintenanceNotes(sim, inFlight);
    QVERIFY2(!notes.isEmpty() && notes.first().startsWith(QStringLiteral("baton: job %1 ").arg(id)),
        qPrintable(notes.join(" | ")));

    auto maintenanceOn = [&](const QString &node) {
        const auto checks = sim.request("GET", node, QStringLiteral("/v1/health/node/%1").arg(node)).json();
        for (const auto &c : checks) {
            const std::string cid = c.value("CheckID", "");
            if (cid == "_node_maintenance" || cid.rfind("_service_maintenance:", 0) == 0)
                return true;
        }
        return false;
    };
    QVERIFY(maintenanceOn(inFlight));

    // Release runs the gate's `released` on that node and brings it back.
    const auto release = svc.request("POST", QStringLiteral("/v1/nodes/%1/release").arg(inFlight), "{}");
    QCOMPARE(release.status, 201);
    QCOMPARE(S(release.json()["playbook"]), QStringLiteral("@release"));
    const json released = svc.waitForJob(release.json()["id"].get<qint64>());
    QCOMPARE(S(released["state"]), QStringLiteral("succeeded"));
    QVERIFY(!maintenanceOn(inFlight));
    QVERIFY(noStraysWithin(svc, 5000));
}

void TstJobService::forceKilledNodeWithReleaseLeavesMaintenance()
{
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(2)), qPrintable(sim.errorString()));
    ServiceFixture svc;
    QVERIFY2(svc.start(serviceOptions(sim)), qPrintable(svc.errorString()));
    const auto launched = svc.request("POST", "/v1/jobs",
        launchBody({ { "nodes", { "web-1" } }, { "service", "web" } }, { { "change_seconds", 60 } }));
    QCOMPARE(launched.status, 201);
    const qint64 id = launched.json()["id"].get<qint64>();
    svc.waitForJobWhere(id, [](const json &j) { return j["nodes"][0]["state"] == "in_maintenance"; });
    QVERIFY(!maintenanceNotes(sim, "web-1").isEmpty());
    const auto cancel = svc.request("POST", QStringLiteral("/v1/jobs/%1/nodes/web-1/cancel").arg(id),
        R"({"mode":"force","maintenance":"release"})");
    QCOMPARE(cancel.status, 200);
    const json done = svc.waitForJob(id, 30000);
    const json &node = done["nodes"][0];
    QCOMPARE(S(node["state"]), QStringLiteral("cancelled"));
    QVERIFY2(node["maintenance_left_on"] == false, node.dump().c_str());
    QVERIFY2(S(node["reason"]).contains("maintenance is being released"), node["reason"].dump().c_str());
    // The release is a job of its own, on that node, that brings it back.
    const auto jobs = svc.request("GET", "/v1/jobs?playbook=@release", {}, ServiceFixture::viewerToken());
    QCOMPARE(jobs.status, 200);
    QVERIFY2(jobs.json()["jobs"].size() == 1, jobs.body.constData());
    const json release = svc.waitForJob(jobs.json()["jobs"][0]["id"].get<qint64>(), 60000);
    QCOMPARE(S(release["state"]), QStringLiteral("succeeded"));
    QCOMPARE(S(release["nodes"][0]["node"]), QStringLiteral("web-1"));
    QVERIFY2(maintenanceNotes(sim, "web-1").isEmpty(), qPrintable(maintenanceNotes(sim, "web-1").join(" | ")));
    QVERIFY(noStraysWithin(svc, 10000));
}

QTEST_GUILESS_MAIN(TstJobService)
#include "tst_jobservice.moc"
