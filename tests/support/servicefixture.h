#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>

namespace Baton::Test {

// Runs baton-service for one test: port 0, a tokens file with one token per role, a node-vars file, a SQLite
// database in a temporary folder (or a given --db), and --ready-file; waits until it serves. The destructor
// kills it and every process it started (runners carry the fixture's tag in their environment), even when the
// test failed. Needs only Qt Core/Network.
//
//     ServiceFixture svc;
//     ServiceFixture::Options o;
//     o.consul = sim.anyUrl().toString();
//     o.playbooks = TestPaths::sourceDir() + "/tests/service/data/playbooks";
//     o.nodeVars = {{"defaults", {{"ansible_connection", "local"}}}, {"nodes", …}};
//     QVERIFY2(svc.start(o), qPrintable(svc.errorString()));
//     auto r = svc.request("POST", "/v1/jobs", body);          // as the operator
class ServiceFixture
{
public:
    struct Options
    {
        QString consul; // Consul URL (required)
        QString playbooks; // --playbooks DIR (required)
        QString db; // empty: a SQLite file in the fixture's folder
        nlohmann::json nodeVars; // written to the --node-vars file when not null
        QStringList extraArgs; // more flags (--max-runners 2, --start-jitter-ms 0, …)
        QString collections; // empty: $BATON_BIN_DIR/../collections
        bool tokens = true; // write a tokens file (else no authentication)
        int startTimeoutMs = 20000;
    };

    struct Reply
    {
        int status = 0; // 0: no HTTP answer
        QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
        QByteArray body;
        QString error;
        QByteArray header(const QByteArray &name) const;
        nlohmann::json json() const; // null if not JSON
    };

    // The tokens written to the tokens file. They double as canaries: no log may ever contain one.
    static QByteArray viewerToken() { return "viewer-canary-7d1f0c2e"; }
    static QByteArray operatorToken() { return "operator-canary-51a9b3d4"; }
    static QByteArray adminToken() { return "admin-canary-0be47f6a"; }

    ServiceFixture();
    ~ServiceFixture();
    ServiceFixture(const ServiceFixture &) = delete;
    ServiceFixture &operator=(const ServiceFixture &) = delete;

    bool start(const Options &options);
    bool restart(); // starts again with the same options and database (after stop() or kill())
    int stop(int timeoutMs = 15000); // SIGTERM and wait; the exit code, -1 if it had to be killed
    void kill(); // SIGKILL, as a crash
    bool isRunning() const;
    qint64 pid() const;

    QUrl url() const { return m_url; }
    QString folder() const;
    QString dbLocation() const;
    QString errorString() const { return m_error; }
    QByteArray logOutput() const; // everything the service wrote to stderr, all starts together
    QString tag() const { return m_tag; } // BATON_TEST_TAG in the environment of the service and its runners

    // Processes (other than the service) still carrying this fixture's tag: runners, their workers.
    QList<qint64> strayProcesses() const;
    int killStrays() const;

    // A blocking HTTP/1.1 request to the service (no event loop needed); `token` defaults to the operator's.
    Reply request(const QByteArray &method, const QString &pathAndQuery, const QByteArray &body = {},
        const QByteArray &token = operatorToken(), const QList<QPair<QByteArray, QByteArray>> &headers = {},
        int timeoutMs = 15000) const;
    // Sends raw bytes and returns the raw answer (until the server closes or timeoutMs).
    QByteArray rawRequest(const QByteArray &bytes, int timeoutMs = 10000) const;

    // Polls GET /v1/jobs/{id} until its state is terminal (or the timeout); the last job JSON.
    nlohmann::json waitForJob(qint64 id, int timeoutMs = 90000) const;
    // Polls until `pred(job)` holds; the last job JSON (check it).
    nlohmann::json waitForJobWhere(
        qint64 id, const std::function<bool(const nlohmann::json &)> &pred, int timeoutMs = 60000) const;

private:
    bool launch();

    Options m_options;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    QUrl m_url;
    QString m_error;
    QString m_tag;
    int m_starts = 0;
};

} // namespace Baton::Test
