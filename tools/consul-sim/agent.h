#pragma once

#include "tools/consul-sim/simconfig.h"
#include "tools/consul-sim/statestore.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <QObject>
#include <QPointer>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace Baton::ConsulSim {

class BlockingQueries;

// The Consul agent of one simulated node: its local view of its checks (TTL and HTTP checks run here), node
// and service maintenance, and anti-entropy into the shared catalog. Status changes reach the catalog at once;
// output-only changes wait for check_update_interval as Consul's agent defers them.
class Agent : public QObject
{
    Q_OBJECT

public:
    enum class UpdateResult
    {
        Ok,
        UnknownCheck,
        NotTtl,
        InvalidStatus
    };

    Agent(const NodeConfig &config, const SimConfig &sim, StateStore *store, BlockingQueries *blocking,
        std::function<QNetworkAccessManager *()> network, QObject *parent = nullptr);
    ~Agent() override;

    const std::string &nodeName() const { return m_node; }
    const NodeConfig &config() const { return m_config; }
    bool alive() const { return m_alive; }

    // Registers the node, its services and checks in the catalog and starts the checks.
    void start();

    // The agent-local checks, as /v1/agent/checks shows them (latest output, no raft indexes).
    std::vector<CheckRec> localChecks() const;
    bool hasCheck(const std::string &checkId) const;

    UpdateResult updateTtl(const std::string &checkId, const std::string &status, const std::string &output);
    void setNodeMaintenance(bool enable, const std::string &reason);
    // False when the agent has no such service.
    bool setServiceMaintenance(const std::string &serviceId, bool enable, const std::string &reason);
    bool inNodeMaintenance() const;

    // Fault controls.
    void kill();
    void revive();
    // Sets any check (serfHealth included) at once in both the agent and the catalog.
    UpdateResult forceCheck(
        const std::string &checkId, const std::string &status, const std::optional<std::string> &output);

private:
    enum class Kind
    {
        Ttl,
        Http,
        Plain,
        Maintenance
    };

    struct LocalCheck
    {
        CheckRec rec; // local status and output
        Kind kind = Kind::Plain;
        Nanos ttl = 0;
        std::string http;
        std::string method;
        std::map<std::string, std::vector<std::string>> header;
        Nanos interval = 0;
        Nanos timeout = 0;
        QTimer *ttlTimer = nullptr;
        QTimer *pollTimer = nullptr;
        QTimer *deferTimer = nullptr;
        QPointer<QNetworkReply> inflight;
    };

    void addLocalCheck(const CheckConfig &cfg, const std::string &serviceId, const std::string &serviceName);
    void setLocal(LocalCheck &check, const std::string &status, const std::string &output);
    void sync(LocalCheck &check, bool force);
    void startRunners(LocalCheck &check, bool initial);
    void stopRunners(LocalCheck &check);
    void runHttpCheck(const std::string &checkId);
    void onTtlExpired(const std::string &checkId);
    void setSerf(bool alive);
    void removeLocalCheck(const std::string &checkId);

    NodeConfig m_config;
    const SimConfig &m_sim;
    StateStore *m_store;
    BlockingQueries *m_blocking;
    std::function<QNetworkAccessManager *()> m_network;
    std::string m_node;
    bool m_alive = true;
    std::map<std::string, LocalCheck> m_checks;
};

} // namespace Baton::ConsulSim
