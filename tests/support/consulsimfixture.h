#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QPair>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>

namespace Baton::Test {

// Runs a consul-sim datacenter for one test (or one test case).
//
//     using json = nlohmann::json;
//     ConsulSimFixture sim;
//     const json web = ConsulSimFixture::service("web", "web", 8080, {"blue"},
//                                                json::array({ConsulSimFixture::ttlCheck("web-ttl", "30s")}));
//     QVERIFY2(sim.start({{"nodes", json::array({ConsulSimFixture::node("web-1", json::array({web}))})}}),
//              qPrintable(sim.errorString()));
//
// (Spell one-element arrays json::array({x}): with plain braces nlohmann copies x instead of wrapping it.)
//     QUrl consul = sim.agentUrl("web-1");      // http://127.0.0.1:PORT, serves the whole Consul API
//     sim.killNode("web-1");                    // serfHealth critical, its sessions invalidated, agent refuses
//
// start() writes the config to a temporary directory, launches $BATON_BIN_DIR/consul-sim on port 0 with
// --ready-file and waits for the ready file (a few tens of milliseconds). The destructor stops the process
// (SIGTERM, then SIGKILL) even when the test failed; the child also gets SIGTERM if the test process dies.
// The config is consul-sim's JSON (docs/consul-sim.md); the static helpers build the common pieces.
class ConsulSimFixture
{
public:
    // How an unreachable agent behaves: Refuse = connection refused (a dead agent process), Hang = accepted
    // but never answered (a network partition), Keep = still answers (killNode only: gossip says the node is
    // dead but its agent still serves).
    enum class AgentMode
    {
        Refuse,
        Hang,
        Keep
    };

    struct Reply
    {
        int status = 0; // 0: no HTTP answer (connection refused, reset or timed out)
        QByteArray statusLine;
        QList<QPair<QByteArray, QByteArray>> headers; // in wire order, names as sent
        QByteArray body;
        QString error; // why status is 0

        QByteArray header(const QByteArray &name) const; // case-insensitive, first value
        nlohmann::json json() const; // the body parsed (nlohmann keeps uint64 exact); null if not JSON
    };

    ConsulSimFixture();
    ~ConsulSimFixture();
    ConsulSimFixture(const ConsulSimFixture &) = delete;
    ConsulSimFixture &operator=(const ConsulSimFixture &) = delete;

    // --- config helpers
    static nlohmann::json node(const QString &name, const nlohmann::json &services = nlohmann::json::array(),
        const nlohmann::json &meta = nlohmann::json::object());
    static nlohmann::json service(const QString &id, const QString &name, int port, const QStringList &tags = {},
        const nlohmann::json &checks = nlohmann::json::array());
    static nlohmann::json ttlCheck(const QString &id, const QString &ttl, const QString &status = "passing");
    static nlohmann::json httpCheck(
        const QString &id, const QString &url, const QString &interval, const QString &status = "critical");
    // Timing knobs for fast tests: session TTLs from 1s invalidated at 1×TTL, lock-delay capped at 1s, output
    // synced at once, tombstones kept 15 min as in Consul. Merge into the config as {"timing": fastTiming()}.
    static nlohmann::json fastTiming();

    // Starts consul-sim and waits for its ready file. False with errorString() (its stderr included).
    bool start(const nlohmann::json &config, int timeoutMs = 10000);
    // SIGTERM and wait; the exit code (-1 if it had to be killed or was not running).
    int stop(int timeoutMs = 5000);
    bool isRunning() const;
    qint64 pid() const;
    QString errorString() const { return m_error; }
    QByteArray logOutput() const; // consul-sim's stderr so far

    QStringList nodes() const;
    QUrl agentUrl(const QString &node) const; // empty if unknown
    QString agentAddress(const QString &node) const; // "http://127.0.0.1:PORT"
    QUrl anyUrl() const; // the first node's agent
    QUrl controlUrl() const; // serves only /_sim/
    QString readyFilePath() const;
    QString configFilePath() const;

    // --- fault controls (/_sim/ on the control address); true on success
    bool killNode(const QString &node, AgentMode agent = AgentMode::Refuse);
    bool reviveNode(const QString &node);
    bool setAgentUnreachable(const QString &node, AgentMode mode = AgentMode::Hang);
    bool setAgentReachable(const QString &node);
    bool setCheck(const QString &node, const QString &checkId, const QString &status, const QString &output = {});
    bool invalidateSession(const QString &sessionId);

    // A blocking HTTP/1.1 request on a fresh connection, for tests (no event loop needed).
    Reply request(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
        const QList<QPair<QByteArray, QByteArray>> &headers = {}, int timeoutMs = 10000) const;
    // Same, to a node's agent: request("GET", "web-1", "/v1/kv/foo?recurse").
    Reply request(const QByteArray &method, const QString &node, const QString &pathAndQuery,
        const QByteArray &body = {}, const QList<QPair<QByteArray, QByteArray>> &headers = {},
        int timeoutMs = 10000) const;

private:
    bool control(const QString &pathAndQuery);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    QMap<QString, QUrl> m_agents;
    QStringList m_order;
    QUrl m_control;
    QString m_error;
};

} // namespace Baton::Test
