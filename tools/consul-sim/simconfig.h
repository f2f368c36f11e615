#pragma once

#include "core/base/result.h"
#include "tools/consul-sim/goduration.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <QByteArray>

namespace Baton::ConsulSim {

using GoDuration::Nanos;

// One check from the config file: a TTL check ("ttl"), an HTTP check ("http" + "interval") or, with neither,
// a check whose status only changes through the /_sim/ controls or /v1/agent/check/update.
struct CheckConfig
{
    std::string id;
    std::string name;
    std::string status = "critical"; // Consul registers new checks as critical unless told otherwise
    std::string notes;
    std::string output;
    std::optional<Nanos> ttl;
    std::string http;
    std::string method = "GET";
    std::map<std::string, std::vector<std::string>> header;
    std::optional<Nanos> interval;
    std::optional<Nanos> timeout;
};

struct ServiceConfig
{
    std::string id;
    std::string name;
    std::vector<std::string> tags;
    std::string address;
    int port = 0;
    std::map<std::string, std::string> meta;
    std::map<std::string, std::pair<std::string, int>> taggedAddresses; // "lan" → (address, port)
    int weightPassing = 1;
    int weightWarning = 1;
    bool enableTagOverride = false;
    std::vector<CheckConfig> checks;
    std::optional<std::string> maintenanceReason; // set: the service starts in maintenance with this reason
};

struct NodeConfig
{
    std::string name;
    std::string id; // node UUID; derived from the name when empty
    std::string address = "127.0.0.1";
    std::string httpHost = "127.0.0.1";
    quint16 httpPort = 0;
    std::map<std::string, std::string> meta;
    std::map<std::string, std::string> taggedAddresses; // empty: lan/lan_ipv4/wan/wan_ipv4 = address
    std::vector<CheckConfig> checks; // node-level checks besides serfHealth
    std::vector<ServiceConfig> services;
    bool alive = true;
    std::optional<std::string> maintenanceReason;
};

struct KvSeed
{
    std::string key;
    QByteArray value;
    bool nullValue = false;
    std::uint64_t flags = 0;
};

// An ACL policy in Consul's rule vocabulary: for each resource, exact-name rules and prefix rules, each
// "deny", "read", "list" (key only) or "write".
struct AclPolicyConfig
{
    enum class Level
    {
        Deny = 0,
        Read = 1,
        List = 2,
        Write = 3
    };
    struct Rules
    {
        std::map<std::string, Level> exact;
        std::map<std::string, Level> prefix;
    };
    std::map<std::string, Rules> resources; // "key", "node", "service", "session", "agent", "operator"
};

struct AclTokenConfig
{
    std::string accessorId;
    std::string secretId;
    std::string description;
    bool management = false;
    AclPolicyConfig policy;
};

struct AclConfig
{
    bool enabled = false;
    bool defaultAllow = true;
    bool enableKeyListPolicy = false;
    AclPolicyConfig anonymous;
    std::vector<AclTokenConfig> tokens;
};

// Timing knobs; every default is Consul's own value so an unconfigured simulator times things as Consul does.
struct TimingConfig
{
    double sessionTtlMultiplier = 2.0; // SessionTTLMultiplier
    Nanos sessionTtlMin = 10 * GoDuration::kSecond; // session_ttl_min
    Nanos sessionTtlMax = 24 * GoDuration::kHour; // SessionTTLMax
    Nanos lockDelayMax = 60 * GoDuration::kSecond; // MaxLockDelay
    Nanos tombstoneTtl = 15 * GoDuration::kMinute; // TombstoneTTL
    Nanos tombstoneGranularity = 30 * GoDuration::kSecond; // TombstoneTTLGranularity
    Nanos checkUpdateInterval = 5 * GoDuration::kMinute; // check_update_interval
    Nanos defaultQueryTime = 5 * GoDuration::kMinute; // default_query_time
    Nanos maxQueryTime = 10 * GoDuration::kMinute; // max_query_time
    Nanos minCheckInterval = GoDuration::kSecond; // checks.MinInterval
    Nanos httpCheckTimeout = 10 * GoDuration::kSecond; // CheckHTTP default timeout
};

struct LimitsConfig
{
    int httpMaxConnsPerClient = 200; // limits.http_max_conns_per_client
    std::uint64_t kvMaxValueSize = 512 * 1024; // limits.kv_max_value_size
    std::uint64_t txnMaxReqLen = 512 * 1024; // limits.txn_max_req_len
    std::uint64_t maxBodySize = 4 * 1024 * 1024; // any other request body (Consul has no single knob)
    std::uint64_t maxHeaderBytes = 1024 * 1024; // Go's http.DefaultMaxHeaderBytes
    Nanos httpReadTimeout = 30 * GoDuration::kSecond; // a started request that stalls this long is dropped
};

struct SimConfig
{
    std::string datacenter = "dc1";
    std::string consulVersion = "1.17.3";
    std::string serverNode; // the node that plays the Consul server; the first node when empty
    bool registerConsulService = true;
    std::string controlHost = "127.0.0.1";
    quint16 controlPort = 0;
    std::vector<NodeConfig> nodes;
    std::vector<KvSeed> kv;
    AclConfig acl;
    TimingConfig timing;
    LimitsConfig limits;
};

// Parses and validates the config file body. Errors name the offending key path, e.g.
// `nodes[0].services[1].checks[0].ttl: time: invalid duration "3x"`.
Result<SimConfig> parseSimConfig(const QByteArray &bytes);

} // namespace Baton::ConsulSim
