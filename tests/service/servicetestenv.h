#pragma once

// Shared set-up of the job service's integration tests: a consul-sim datacenter of `web` nodes and a
// baton-service whose node vars point every node's gate at its own simulated agent, with local connections.

#include "support/consulsimfixture.h"
#include "support/servicefixture.h"
#include "support/testpaths.h"

#include <QSet>
#include <QTest>

namespace Baton::Test {

// QCOMPARE-friendly views of JSON values.
inline QString S(const nlohmann::json &j)
{
    return j.is_string() ? QString::fromStdString(j.get<std::string>()) : QString::fromStdString(j.dump());
}

inline qint64 I(const nlohmann::json &j)
{
    return j.is_number_integer() ? j.get<qint64>() : -1;
}

inline nlohmann::json webDatacenter(int nodes)
{
    nlohmann::json list = nlohmann::json::array();
    for (int i = 1; i <= nodes; ++i) {
        const QString name = QStringLiteral("web-%1").arg(i);
        list.push_back(ConsulSimFixture::node(name,
            nlohmann::json::array({ ConsulSimFixture::service("web", "web", 8080, { "blue" },
                nlohmann::json::array({ ConsulSimFixture::ttlCheck("web-ttl", "30m") })) })));
    }
    return { { "datacenter", "dc1" }, { "nodes", list }, { "timing", ConsulSimFixture::fastTiming() } };
}

inline nlohmann::json nodeVarsFor(const ConsulSimFixture &sim)
{
    nlohmann::json nodes = nlohmann::json::object();
    for (const QString &n : sim.nodes())
        nodes[n.toStdString()] = { { "baton_consul_http_addr", sim.agentAddress(n).toStdString() } };
    return { { "defaults",
                 { { "ansible_connection", "local" }, { "ansible_python_interpreter", "/usr/bin/python3" } } },
        { "nodes", nodes } };
}

inline ServiceFixture::Options serviceOptions(const ConsulSimFixture &sim, const QStringList &extra = {})
{
    ServiceFixture::Options o;
    o.consul = sim.anyUrl().toString();
    o.playbooks = TestPaths::sourceDir() + QStringLiteral("/tests/service/data/playbooks");
    o.nodeVars = nodeVarsFor(sim);
    o.extraArgs = QStringList { QStringLiteral("--start-jitter-ms"), QStringLiteral("0") } + extra;
    return o;
}

inline QByteArray launchBody(const nlohmann::json &target, const nlohmann::json &extraVars = nlohmann::json::object(),
    const nlohmann::json &more = nlohmann::json::object())
{
    nlohmann::json j = { { "playbook", "rolling.yml" }, { "target", target }, { "extra_vars", extraVars } };
    for (auto it = more.begin(); it != more.end(); ++it)
        j[it.key()] = it.value();
    return QByteArray::fromStdString(j.dump());
}

inline QStringList transitionStates(const nlohmann::json &node)
{
    QStringList out;
    for (const auto &t : node["transitions"])
        out.append(QString::fromStdString(t["state"].get<std::string>()));
    return out;
}

inline const nlohmann::json *nodeOf(const nlohmann::json &job, const QString &node)
{
    for (const auto &n : job["nodes"]) {
        if (QString::fromStdString(n["node"].get<std::string>()) == node)
            return &n;
    }
    return nullptr;
}

inline bool setMaxOffline(ConsulSimFixture &sim, const QByteArray &value)
{
    return sim.request("PUT", sim.nodes().first(), QStringLiteral("/v1/kv/baton/services/web/max_offline"), value)
               .status
        == 200;
}

// The reasons ("Notes") of the node's maintenance checks (node level and every service's), as Consul shows them.
inline QStringList maintenanceNotes(ConsulSimFixture &sim, const QString &node)
{
    QStringList notes;
    const nlohmann::json checks = sim.request("GET", node, QStringLiteral("/v1/health/node/%1").arg(node)).json();
    if (!checks.is_array())
        return { QStringLiteral("(no answer)") };
    for (const auto &c : checks) {
        const std::string id = c.value("CheckID", "");
        if (id == "_node_maintenance" || id.rfind("_service_maintenance:", 0) == 0)
            notes.append(QString::fromStdString(c.value("Notes", "")));
    }
    return notes;
}

// Waits until no process tagged by the fixture is left (runners end asynchronously after a kill).
inline bool noStraysWithin(const ServiceFixture &svc, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        if (svc.strayProcesses().isEmpty())
            return true;
        QTest::qWait(100);
    }
    return svc.strayProcesses().isEmpty();
}

} // namespace Baton::Test
