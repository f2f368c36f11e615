// Integration: docs/openapi.yaml against the running service. Every route the server registers is documented
// with its method and role (and nothing else is), and sample answers of every route — successes and errors —
// match the schemas of their documented status (tests/service/openapi_check.py does the matching).

#include "service/serviceapi.h"
#include "servicetestenv.h"

#include <QFile>
#include <QProcess>
#include <QTcpSocket>

using namespace Baton::Test;
using nlohmann::json;

class TstServiceOpenApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyRouteAndAnswerMatchesTheSpec();

private:
    void sample(const QByteArray &method, const QString &pattern, const ServiceFixture::Reply &r)
    {
        m_samples.push_back(
            { { "method", method.toStdString() }, { "pattern", pattern.toStdString() }, { "status", r.status },
                { "content_type", r.header("content-type").toStdString() }, { "body", r.body.toStdString() } });
    }
    json m_samples = json::array();
};

void TstServiceOpenApi::everyRouteAndAnswerMatchesTheSpec()
{
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(2)), qPrintable(sim.errorString()));
    ServiceFixture svc;
    QVERIFY2(svc.start(serviceOptions(sim)), qPrintable(svc.errorString()));
    const QByteArray V = ServiceFixture::viewerToken();
    const QByteArray O = ServiceFixture::operatorToken();
    const QByteArray A = ServiceFixture::adminToken();

    sample("GET", "/v1/health", svc.request("GET", "/v1/health", {}, {}));
    sample("GET", "/v1/playbooks", svc.request("GET", "/v1/playbooks", {}, V));
    sample("GET", "/v1/playbooks", svc.request("GET", "/v1/playbooks", {}, {}));
    const auto launched
        = svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" } }), O, { { "Idempotency-Key", "spec-1" } });
    QCOMPARE(launched.status, 201);
    sample("POST", "/v1/jobs", launched);
    sample("POST", "/v1/jobs",
        svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" } }), O, { { "Idempotency-Key", "spec-1" } }));
    sample("POST", "/v1/jobs", svc.request("POST", "/v1/jobs", "{\"playbook\": ", O));
    sample("POST", "/v1/jobs",
        svc.request("POST", "/v1/jobs", R"({"playbook":"nope.yml","target":{"service":"web"}})", O));
    sample("POST", "/v1/jobs", svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" } }), V));
    const qint64 id = launched.json()["id"].get<qint64>();
    QVERIFY(svc.waitForJob(id)["state"] == "succeeded");
    const QString jp = "/v1/jobs/{id}";
    sample("GET", "/v1/jobs", svc.request("GET", "/v1/jobs?limit=1", {}, V));
    sample("GET", "/v1/jobs", svc.request("GET", "/v1/jobs?state=bogus", {}, V));
    sample("GET", jp, svc.request("GET", QStringLiteral("/v1/jobs/%1").arg(id), {}, V));
    sample("GET", jp, svc.request("GET", "/v1/jobs/99999", {}, V));
    sample("POST", jp + "/cancel", svc.request("POST", QStringLiteral("/v1/jobs/%1/cancel").arg(id), "{}", O));
    sample("POST", jp + "/cancel",
        svc.request("POST", QStringLiteral("/v1/jobs/%1/cancel").arg(id), R"({"mode":"later"})", O));
    sample("POST", jp + "/nodes/{node}/cancel",
        svc.request("POST", QStringLiteral("/v1/jobs/%1/nodes/web-1/cancel").arg(id), "{}", O));
    sample("POST", jp + "/nodes/{node}/cancel",
        svc.request("POST", QStringLiteral("/v1/jobs/%1/nodes/nope/cancel").arg(id), "{}", O));
    sample("POST", jp + "/relaunch", svc.request("POST", QStringLiteral("/v1/jobs/%1/relaunch").arg(id), "{}", O));
    const auto relaunched
        = svc.request("POST", QStringLiteral("/v1/jobs/%1/relaunch").arg(id), R"({"nodes":["web-1"]})", O);
    QCOMPARE(relaunched.status, 201);
    sample("POST", jp + "/relaunch", relaunched);
    sample("GET", jp + "/nodes/{node}/log",
        svc.request("GET", QStringLiteral("/v1/jobs/%1/nodes/web-1/log?limit=200").arg(id), {}, V));
    sample("GET", jp + "/nodes/{node}/log",
        svc.request("GET", QStringLiteral("/v1/jobs/%1/nodes/web-1/log?offset=-1").arg(id), {}, V));
    const auto release = svc.request("POST", "/v1/nodes/web-2/release", R"({"service":"web"})", O);
    QCOMPARE(release.status, 201);
    sample("POST", "/v1/nodes/{node}/release", release);
    sample("POST", "/v1/nodes/{node}/release", svc.request("POST", "/v1/nodes/web-2/release", "{}", V));
    QVERIFY(svc.waitForJob(release.json()["id"].get<qint64>())["state"] == "succeeded");
    QVERIFY(svc.waitForJob(relaunched.json()["id"].get<qint64>())["state"] == "succeeded");
    // Successful cancels need a running job: drop the node waiting for the slot, then force the rest.
    const auto slow
        = svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" } }, { { "change_seconds", 30 } }), O);
    QCOMPARE(slow.status, 201);
    const qint64 slowId = slow.json()["id"].get<qint64>();
    QString waiting;
    svc.waitForJobWhere(slowId, [&](const json &j) {
        bool entered = false;
        for (const auto &n : j["nodes"]) {
            entered = entered || n["state"] == "in_maintenance";
            if (n["state"] == "waiting_for_slot")
                waiting = QString::fromStdString(n["node"].get<std::string>());
        }
        return entered && !waiting.isEmpty();
    });
    QVERIFY(!waiting.isEmpty());
    const auto dropped = svc.request(
        "POST", QStringLiteral("/v1/jobs/%1/nodes/%2/cancel").arg(slowId).arg(waiting), R"({"mode":"drop"})", O);
    QCOMPARE(dropped.status, 200);
    sample("POST", jp + "/nodes/{node}/cancel", dropped);
    const auto forced = svc.request(
        "POST", QStringLiteral("/v1/jobs/%1/cancel").arg(slowId), R"({"mode":"force","maintenance":"release"})", O);
    QCOMPARE(forced.status, 200);
    sample("POST", jp + "/cancel", forced);
    QVERIFY(svc.waitForJob(slowId)["state"] == "cancelled");
    sample("GET", "/v1/audit", svc.request("GET", "/v1/audit", {}, A));
    sample("GET", "/v1/audit", svc.request("GET", "/v1/audit", {}, O));
    sample("GET", "/metrics", svc.request("GET", "/metrics", {}, V));
    sample("GET", "/v1/events", svc.request("GET", "/v1/events?job=99999", {}, V));

    // The event stream: read the replay from the start for a moment.
    {
        QTcpSocket s;
        s.connectToHost(svc.url().host(), quint16(svc.url().port()));
        QVERIFY(s.waitForConnected(5000));
        s.write("GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + V + "\r\nLast-Event-ID: 0\r\n\r\n");
        QByteArray in;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 2000) {
            s.waitForReadyRead(100);
            in += s.readAll();
        }
        const qsizetype end = in.indexOf("\r\n\r\n");
        QVERIFY(end > 0);
        QVERIFY(in.startsWith("HTTP/1.1 200"));
        // De-chunk the body.
        QByteArray body;
        QByteArray rest = in.mid(end + 4);
        while (true) {
            const qsizetype nl = rest.indexOf("\r\n");
            if (nl < 0)
                break;
            bool ok = false;
            const qint64 n = rest.left(nl).toLongLong(&ok, 16);
            if (!ok || n == 0 || rest.size() < nl + 2 + n)
                break;
            body += rest.mid(nl + 2, n);
            rest = rest.mid(nl + 2 + n + 2);
        }
        QVERIFY(body.contains("\"type\":\"job.created\""));
        QVERIFY(body.contains("\"type\":\"node.log\""));
        ServiceFixture::Reply r;
        r.status = 200;
        r.headers.append(qMakePair(QByteArray("content-type"), QByteArray("text/event-stream")));
        r.body = body;
        sample("GET", "/v1/events", r);
    }

    // The routes as the library registers them.
    json routes = json::array();
    Baton::ServiceApi api(Baton::ServiceApi::Context {});
    for (const auto &r : api.router().routes())
        routes.push_back({ { "method", r.method.toStdString() }, { "pattern", r.pattern.toStdString() },
            { "role", r.role.toStdString() } });
    const QString routesFile = svc.folder() + "/routes.json";
    const QString samplesFile = svc.folder() + "/samples.json";
    QFile(routesFile).open(QIODevice::WriteOnly);
    {
        QFile f(routesFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(routes.dump(1)));
    }
    {
        QFile f(samplesFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(m_samples.dump(1)));
    }
    QProcess check;
    check.setProcessChannelMode(QProcess::MergedChannels);
    check.start("/usr/bin/python3",
        QStringList { Baton::TestPaths::sourceDir() + "/tests/service/openapi_check.py",
            Baton::TestPaths::sourceDir() + "/docs/openapi.yaml", routesFile, samplesFile });
    QVERIFY(check.waitForFinished(60000));
    const QByteArray out = check.readAll();
    QVERIFY2(check.exitCode() == 0, out.constData());
}

QTEST_GUILESS_MAIN(TstServiceOpenApi)
#include "tst_serviceopenapi.moc"
