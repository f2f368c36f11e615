#include "tools/consul-sim/simconfig.h"

#include "core/base/boundedjson.h"

#include <set>

#include <QHostAddress>

namespace Baton::ConsulSim {

namespace {

using json = nlohmann::json;

struct ConfigError
{
    std::string message;
};

// Typed, path-aware access to one JSON object of the config. Unknown keys are errors so a typo in a test
// config fails loudly instead of silently running with a default.
class Obj
{
public:
    Obj(const json &value, std::string path)
        : m_value(value)
        , m_path(std::move(path))
    {
        if (!m_value.is_object())
            throw ConfigError { where() + "must be an object" };
    }

    void allowOnly(std::initializer_list<const char *> keys) const
    {
        const std::set<std::string> allowed(keys.begin(), keys.end());
        for (auto it = m_value.begin(); it != m_value.end(); ++it) {
            if (!allowed.count(it.key()))
                throw ConfigError { child(it.key()) + ": unknown key" };
        }
    }

    bool has(const char *key) const { return m_value.contains(key) && !m_value.at(key).is_null(); }
    const json &at(const char *key) const { return m_value.at(key); }
    std::string child(const std::string &key) const { return m_path.empty() ? key : m_path + "." + key; }

    std::string str(const char *key, const std::string &fallback = {}) const
    {
        if (!has(key))
            return fallback;
        const json &v = at(key);
        if (!v.is_string())
            throw ConfigError { child(key) + ": must be a string" };
        return v.get<std::string>();
    }

    std::string requiredStr(const char *key) const
    {
        if (!has(key))
            throw ConfigError { child(key) + ": required" };
        const std::string s = str(key);
        if (s.empty())
            throw ConfigError { child(key) + ": must not be empty" };
        return s;
    }

    bool boolean(const char *key, bool fallback) const
    {
        if (!has(key))
            return fallback;
        if (!at(key).is_boolean())
            throw ConfigError { child(key) + ": must be true or false" };
        return at(key).get<bool>();
    }

    std::int64_t integer(const char *key, std::int64_t fallback, std::int64_t min, std::int64_t max) const
    {
        if (!has(key))
            return fallback;
        const json &v = at(key);
        if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(max)))
            throw ConfigError { child(key) + ": must be an integer" };
        const auto n = v.get<std::int64_t>();
        if (n < min || n > max)
            throw ConfigError { child(key) + ": must be between " + std::to_string(min) + " and "
                + std::to_string(max) };
        return n;
    }

    std::uint64_t unsignedInt(const char *key, std::uint64_t fallback) const
    {
        if (!has(key))
            return fallback;
        const json &v = at(key);
        if (v.is_number_unsigned())
            return v.get<std::uint64_t>();
        if (v.is_number_integer() && v.get<std::int64_t>() >= 0)
            return std::uint64_t(v.get<std::int64_t>());
        throw ConfigError { child(key) + ": must be an unsigned 64-bit integer" };
    }

    double number(const char *key, double fallback) const
    {
        if (!has(key))
            return fallback;
        if (!at(key).is_number())
            throw ConfigError { child(key) + ": must be a number" };
        return at(key).get<double>();
    }

    std::optional<Nanos> duration(const char *key) const
    {
        if (!has(key))
            return std::nullopt;
        const json &v = at(key);
        if (!v.is_string())
            throw ConfigError { child(key) + ": must be a duration string such as \"10s\"" };
        std::string error;
        const auto d = GoDuration::parse(v.get<std::string>(), &error);
        if (!d)
            throw ConfigError { child(key) + ": " + error };
        return d;
    }

    Nanos positiveDuration(const char *key, Nanos fallback) const
    {
        const auto d = duration(key);
        if (!d)
            return fallback;
        if (*d <= 0)
            throw ConfigError { child(key) + ": must be greater than zero" };
        return *d;
    }

    std::vector<std::string> stringList(const char *key) const
    {
        std::vector<std::string> out;
        if (!has(key))
            return out;
        const json &v = at(key);
        if (!v.is_array())
            throw ConfigError { child(key) + ": must be an array of strings" };
        for (const json &item : v) {
            if (!item.is_string())
                throw ConfigError { child(key) + ": must be an array of strings" };
            out.push_back(item.get<std::string>());
        }
        return out;
    }

    std::map<std::string, std::string> stringMap(const char *key) const
    {
        std::map<std::string, std::string> out;
        if (!has(key))
            return out;
        const json &v = at(key);
        if (!v.is_object())
            throw ConfigError { child(key) + ": must be an object of strings" };
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (!it.value().is_string())
                throw ConfigError { child(key) + "." + it.key() + ": must be a string" };
            out[it.key()] = it.value().get<std::string>();
        }
        return out;
    }

    const std::string &path() const { return m_path; }

private:
    std::string where() const { return m_path.empty() ? "config: " : m_path + ": "; }

    const json &m_value;
    std::string m_path;
};

void parseHostPort(const std::string &text, const std::string &path, std::string *host, quint16 *port)
{
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw ConfigError { path + ": must be HOST:PORT, e.g. \"127.0.0.1:0\"" };
    std::string h = text.substr(0, colon);
    if (h.size() > 2 && h.front() == '[' && h.back() == ']')
        h = h.substr(1, h.size() - 2);
    QHostAddress address;
    if (!address.setAddress(QString::fromStdString(h)) && h != "localhost")
        throw ConfigError { path + ": \"" + h + "\" is not an IP address" };
    const std::string p = text.substr(colon + 1);
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos || std::stoul(p) > 65535)
        throw ConfigError { path + ": port must be 0-65535" };
    *host = h == "localhost" ? "127.0.0.1" : h;
    *port = quint16(std::stoul(p));
}

const char *kStatuses[] = { "passing", "warning", "critical" };

std::string checkStatus(const Obj &o, const char *key, const std::string &fallback)
{
    const std::string s = o.str(key, fallback);
    for (const char *valid : kStatuses) {
        if (s == valid)
            return s;
    }
    throw ConfigError { o.child(key) + ": must be passing, warning or critical" };
}

CheckConfig parseCheck(const json &value, const std::string &path, const TimingConfig &timing)
{
    const Obj o(value, path);
    o.allowOnly(
        { "id", "name", "status", "notes", "output", "ttl", "http", "method", "header", "interval", "timeout" });
    CheckConfig c;
    c.id = o.str("id");
    c.name = o.str("name");
    c.status = checkStatus(o, "status", "critical");
    c.notes = o.str("notes");
    c.output = o.str("output");
    c.ttl = o.duration("ttl");
    c.http = o.str("http");
    c.method = o.str("method", "GET");
    c.interval = o.duration("interval");
    c.timeout = o.duration("timeout");
    if (o.has("header")) {
        const json &h = o.at("header");
        if (!h.is_object())
            throw ConfigError { o.child("header") + ": must be an object of string arrays" };
        for (auto it = h.begin(); it != h.end(); ++it) {
            if (!it.value().is_array())
                throw ConfigError { o.child("header") + "." + it.key() + ": must be an array of strings" };
            for (const json &v : it.value()) {
                if (!v.is_string())
                    throw ConfigError { o.child("header") + "." + it.key() + ": must be an array of strings" };
                c.header[it.key()].push_back(v.get<std::string>());
            }
        }
    }
    if (c.ttl && !c.http.empty())
        throw ConfigError { path + ": a check is either a TTL check (ttl) or an HTTP check (http), not both" };
    if (c.ttl && *c.ttl <= 0)
        throw ConfigError { o.child("ttl") + ": must be greater than zero" };
    if (!c.http.empty()) {
        if (c.http.rfind("http://", 0) != 0 && c.http.rfind("https://", 0) != 0)
            throw ConfigError { o.child("http") + ": must be an http:// or https:// URL" };
        if (!c.interval)
            throw ConfigError { o.child("interval") + ": required for an HTTP check" };
        if (*c.interval < timing.minCheckInterval)
            c.interval = timing.minCheckInterval; // Consul raises short intervals to checks.MinInterval too
        if (c.timeout && *c.timeout <= 0)
            throw ConfigError { o.child("timeout") + ": must be greater than zero" };
    } else if (c.interval || c.timeout || o.has("method") || o.has("header")) {
        throw ConfigError { path + ": interval, timeout, method and header apply only to HTTP checks" };
    }
    return c;
}

AclPolicyConfig::Level parseLevel(const json &v, const std::string &path, bool allowList)
{
    std::string text;
    if (v.is_string()) {
        text = v.get<std::string>();
    } else if (v.is_object() && v.contains("policy") && v.at("policy").is_string() && v.size() == 1) {
        text = v.at("policy").get<std::string>();
    } else {
        throw ConfigError { path + ": must be \"deny\", \"read\", \"write\" or {\"policy\": …}" };
    }
    if (text == "deny")
        return AclPolicyConfig::Level::Deny;
    if (text == "read")
        return AclPolicyConfig::Level::Read;
    if (text == "write")
        return AclPolicyConfig::Level::Write;
    if (text == "list" && allowList)
        return AclPolicyConfig::Level::List;
    throw ConfigError { path + ": unknown policy \"" + text + "\"" };
}

AclPolicyConfig parsePolicy(const json &value, const std::string &path)
{
    const Obj o(value, path);
    static const char *const kResources[] = { "key", "node", "service", "session", "agent", "operator" };
    AclPolicyConfig policy;
    for (auto it = value.begin(); it != value.end(); ++it) {
        std::string name = it.key();
        bool prefix = false;
        if (name.size() > 7 && name.compare(name.size() - 7, 7, "_prefix") == 0) {
            prefix = true;
            name.resize(name.size() - 7);
        }
        bool known = false;
        for (const char *r : kResources)
            known = known || name == r;
        if (name == "operator" && !prefix) {
            policy.resources["operator"].prefix[""] = parseLevel(it.value(), o.child(it.key()), false);
            continue;
        }
        if (!known || name == "operator")
            throw ConfigError { o.child(it.key())
                + ": unknown ACL rule (use key, key_prefix, node, node_prefix, "
                  "service, service_prefix, session, session_prefix, agent, "
                  "agent_prefix, operator)" };
        if (!it.value().is_object())
            throw ConfigError { o.child(it.key()) + ": must map names to policies" };
        auto &rules = policy.resources[name];
        for (auto r = it.value().begin(); r != it.value().end(); ++r) {
            const auto level = parseLevel(r.value(), o.child(it.key()) + "." + r.key(), name == "key");
            (prefix ? rules.prefix : rules.exact)[r.key()] = level;
        }
    }
    return policy;
}

bool isUuid(const std::string &s)
{
    if (s.size() != 36)
        return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

SimConfig parse(const json &root)
{
    const Obj o(root, "");
    o.allowOnly({ "datacenter", "consul_version", "server_node", "consul_service", "control", "nodes", "kv", "acl",
        "timing", "limits" });
    SimConfig cfg;
    cfg.datacenter = o.str("datacenter", "dc1");
    if (cfg.datacenter.empty())
        throw ConfigError { "datacenter: must not be empty" };
    cfg.consulVersion = o.str("consul_version", cfg.consulVersion);
    cfg.serverNode = o.str("server_node");
    cfg.registerConsulService = o.boolean("consul_service", true);
    if (o.has("control"))
        parseHostPort(o.str("control"), "control", &cfg.controlHost, &cfg.controlPort);

    if (o.has("timing")) {
        const Obj t(o.at("timing"), "timing");
        t.allowOnly({ "session_ttl_multiplier", "session_ttl_min", "session_ttl_max", "lock_delay_max", "tombstone_ttl",
            "tombstone_granularity", "check_update_interval", "default_query_time", "max_query_time",
            "min_check_interval", "http_check_timeout" });
        auto &tm = cfg.timing;
        tm.sessionTtlMultiplier = t.number("session_ttl_multiplier", tm.sessionTtlMultiplier);
        if (!(tm.sessionTtlMultiplier > 0.0 && tm.sessionTtlMultiplier <= 100.0))
            throw ConfigError { "timing.session_ttl_multiplier: must be greater than 0 and at most 100" };
        tm.sessionTtlMin = t.positiveDuration("session_ttl_min", tm.sessionTtlMin);
        tm.sessionTtlMax = t.positiveDuration("session_ttl_max", tm.sessionTtlMax);
        if (tm.sessionTtlMin > tm.sessionTtlMax)
            throw ConfigError { "timing.session_ttl_min: must not exceed session_ttl_max" };
        if (const auto d = t.duration("lock_delay_max")) {
            if (*d < 0)
                throw ConfigError { "timing.lock_delay_max: must not be negative" };
            tm.lockDelayMax = *d;
        }
        tm.tombstoneTtl = t.positiveDuration("tombstone_ttl", tm.tombstoneTtl);
        tm.tombstoneGranularity = t.positiveDuration("tombstone_granularity", tm.tombstoneGranularity);
        if (const auto d = t.duration("check_update_interval")) {
            if (*d < 0)
                throw ConfigError { "timing.check_update_interval: must not be negative" };
            tm.checkUpdateInterval = *d;
        }
        tm.defaultQueryTime = t.positiveDuration("default_query_time", tm.defaultQueryTime);
        tm.maxQueryTime = t.positiveDuration("max_query_time", tm.maxQueryTime);
        tm.minCheckInterval = t.positiveDuration("min_check_interval", tm.minCheckInterval);
        tm.httpCheckTimeout = t.positiveDuration("http_check_timeout", tm.httpCheckTimeout);
    }

    if (o.has("limits")) {
        const Obj l(o.at("limits"), "limits");
        l.allowOnly({ "http_max_conns_per_client", "kv_max_value_size", "txn_max_req_len", "max_body_size",
            "max_header_bytes", "http_read_timeout" });
        auto &lm = cfg.limits;
        lm.httpMaxConnsPerClient = int(l.integer("http_max_conns_per_client", lm.httpMaxConnsPerClient, 0, 100000));
        lm.kvMaxValueSize = std::uint64_t(l.integer("kv_max_value_size", std::int64_t(lm.kvMaxValueSize), 1, 1 << 30));
        lm.txnMaxReqLen = std::uint64_t(l.integer("txn_max_req_len", std::int64_t(lm.txnMaxReqLen), 1, 1 << 30));
        lm.maxBodySize = std::uint64_t(l.integer("max_body_size", std::int64_t(lm.maxBodySize), 1, 1 << 30));
        lm.maxHeaderBytes
            = std::uint64_t(l.integer("max_header_bytes", std::int64_t(lm.maxHeaderBytes), 1024, 1 << 26));
        lm.httpReadTimeout = l.positiveDuration("http_read_timeout", lm.httpReadTimeout);
    }

    if (!o.has("nodes") || !o.at("nodes").is_array() || o.at("nodes").empty())
        throw ConfigError { "nodes: required, a non-empty array" };
    std::set<std::string> nodeNames;
    std::set<std::string> nodeIds;
    const json &nodes = o.at("nodes");
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const std::string np = "nodes[" + std::to_string(i) + "]";
        const Obj n(nodes[i], np);
        n.allowOnly({ "name", "id", "address", "http", "meta", "tagged_addresses", "checks", "services", "alive",
            "maintenance" });
        NodeConfig node;
        node.name = n.requiredStr("name");
        if (!nodeNames.insert(node.name).second)
            throw ConfigError { np + ".name: duplicate node name \"" + node.name + "\"" };
        node.id = n.str("id");
        if (!node.id.empty()) {
            if (!isUuid(node.id))
                throw ConfigError { np + ".id: must be a UUID (8-4-4-4-12 hex)" };
            if (!nodeIds.insert(node.id).second)
                throw ConfigError { np + ".id: duplicate node ID" };
        }
        node.address = n.str("address", "127.0.0.1");
        if (node.address.empty())
            throw ConfigError { np + ".address: must not be empty" };
        if (n.has("http"))
            parseHostPort(n.str("http"), np + ".http", &node.httpHost, &node.httpPort);
        node.meta = n.stringMap("meta");
        for (const auto &[k, v] : node.meta) {
            if (k.empty() || k.size() > 128
                || k.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
                    != std::string::npos)
                throw ConfigError { np + ".meta." + k + ": keys are letters, digits, '_' and '-', at most 128" };
            if (k.rfind("consul-", 0) == 0)
                throw ConfigError { np + ".meta." + k + ": the consul- prefix is reserved" };
            if (v.size() > 512)
                throw ConfigError { np + ".meta." + k + ": values are at most 512 characters" };
        }
        if (node.meta.size() > 64)
            throw ConfigError { np + ".meta: at most 64 pairs" };
        node.taggedAddresses = n.stringMap("tagged_addresses");
        node.alive = n.boolean("alive", true);
        if (n.has("maintenance"))
            node.maintenanceReason = n.str("maintenance");

        std::set<std::string> checkIds { "serfHealth" };
        if (n.has("checks")) {
            if (!n.at("checks").is_array())
                throw ConfigError { np + ".checks: must be an array" };
            const json &checks = n.at("checks");
            for (std::size_t c = 0; c < checks.size(); ++c) {
                const std::string cp = np + ".checks[" + std::to_string(c) + "]";
                CheckConfig check = parseCheck(checks[c], cp, cfg.timing);
                if (check.id.empty())
                    check.id = check.name;
                if (check.id.empty())
                    throw ConfigError { cp + ": a node check needs an id or a name" };
                if (check.name.empty())
                    check.name = check.id;
                if (!checkIds.insert(check.id).second)
                    throw ConfigError { cp + ".id: duplicate check ID \"" + check.id + "\" on node " + node.name };
                node.checks.push_back(std::move(check));
            }
        }

        std::set<std::string> serviceIds;
        if (n.has("services")) {
            if (!n.at("services").is_array())
                throw ConfigError { np + ".services: must be an array" };
            const json &services = n.at("services");
            for (std::size_t s = 0; s < services.size(); ++s) {
                const std::string sp = np + ".services[" + std::to_string(s) + "]";
                const Obj so(services[s], sp);
                so.allowOnly({ "id", "name", "tags", "address", "port", "meta", "tagged_addresses", "weights",
                    "enable_tag_override", "checks", "maintenance" });
                ServiceConfig svc;
                svc.name = so.requiredStr("name");
                svc.id = so.str("id", svc.name);
                if (svc.id.empty())
                    svc.id = svc.name;
                if (!serviceIds.insert(svc.id).second)
                    throw ConfigError { sp + ".id: duplicate service ID \"" + svc.id + "\" on node " + node.name };
                svc.tags = so.stringList("tags");
                svc.address = so.str("address");
                svc.port = int(so.integer("port", 0, 0, 65535));
                svc.meta = so.stringMap("meta");
                if (so.has("tagged_addresses")) {
                    const Obj ta(so.at("tagged_addresses"), sp + ".tagged_addresses");
                    for (auto it = so.at("tagged_addresses").begin(); it != so.at("tagged_addresses").end(); ++it) {
                        const Obj addr(it.value(), ta.child(it.key()));
                        addr.allowOnly({ "address", "port" });
                        svc.taggedAddresses[it.key()] = { addr.str("address"), int(addr.integer("port", 0, 0, 65535)) };
                    }
                }
                svc.enableTagOverride = so.boolean("enable_tag_override", false);
                if (so.has("weights")) {
                    const Obj w(so.at("weights"), sp + ".weights");
                    w.allowOnly({ "passing", "warning" });
                    svc.weightPassing = int(w.integer("passing", 1, 1, 65535));
                    svc.weightWarning = int(w.integer("warning", 1, 0, 65535));
                }
                if (so.has("maintenance"))
                    svc.maintenanceReason = so.str("maintenance");
                if (so.has("checks")) {
                    if (!so.at("checks").is_array())
                        throw ConfigError { sp + ".checks: must be an array" };
                    const json &checks = so.at("checks");
                    for (std::size_t c = 0; c < checks.size(); ++c) {
                        const std::string cp = sp + ".checks[" + std::to_string(c) + "]";
                        CheckConfig check = parseCheck(checks[c], cp, cfg.timing);
                        // Consul's agent names unnamed service checks service:<id> (and service:<id>:<n> when a
                        // service has several) and calls them "Service '<name>' check".
                        if (check.id.empty()) {
                            check.id = "service:" + svc.id;
                            if (checks.size() > 1)
                                check.id += ":" + std::to_string(c + 1);
                        }
                        if (check.name.empty())
                            check.name = "Service '" + svc.name + "' check";
                        if (!checkIds.insert(check.id).second)
                            throw ConfigError { cp + ".id: duplicate check ID \"" + check.id + "\" on node "
                                + node.name };
                        svc.checks.push_back(std::move(check));
                    }
                }
                node.services.push_back(std::move(svc));
            }
        }
        cfg.nodes.push_back(std::move(node));
    }
    if (!cfg.serverNode.empty() && !nodeNames.count(cfg.serverNode))
        throw ConfigError { "server_node: no node named \"" + cfg.serverNode + "\"" };
    if (cfg.serverNode.empty())
        cfg.serverNode = cfg.nodes.front().name;

    if (o.has("kv")) {
        const json &kv = o.at("kv");
        if (kv.is_object()) {
            for (auto it = kv.begin(); it != kv.end(); ++it) {
                if (!it.value().is_string())
                    throw ConfigError { "kv." + it.key()
                        + ": must be a string (use the array form for flags or binary values)" };
                KvSeed seed;
                seed.key = it.key();
                seed.value = QByteArray::fromStdString(it.value().get<std::string>());
                seed.nullValue = seed.value.isEmpty();
                cfg.kv.push_back(std::move(seed));
            }
        } else if (kv.is_array()) {
            for (std::size_t i = 0; i < kv.size(); ++i) {
                const std::string kp = "kv[" + std::to_string(i) + "]";
                const Obj e(kv[i], kp);
                e.allowOnly({ "key", "value", "value_base64", "flags" });
                KvSeed seed;
                seed.key = e.requiredStr("key");
                if (e.has("value") && e.has("value_base64"))
                    throw ConfigError { kp + ": give value or value_base64, not both" };
                if (e.has("value_base64")) {
                    const auto decoded = QByteArray::fromBase64Encoding(
                        QByteArray::fromStdString(e.str("value_base64")), QByteArray::AbortOnBase64DecodingErrors);
                    if (!decoded)
                        throw ConfigError { kp + ".value_base64: not valid base64" };
                    seed.value = *decoded;
                } else {
                    seed.value = QByteArray::fromStdString(e.str("value"));
                }
                seed.nullValue = seed.value.isEmpty();
                seed.flags = e.unsignedInt("flags", 0);
                cfg.kv.push_back(std::move(seed));
            }
        } else {
            throw ConfigError { "kv: must be an object of key → string value, or an array of {key, value, flags}" };
        }
        for (const KvSeed &seed : cfg.kv) {
            if (seed.key.empty() || seed.key.front() == '/')
                throw ConfigError { "kv: key \"" + seed.key + "\" must be non-empty and must not start with '/'" };
            if (std::uint64_t(seed.value.size()) > cfg.limits.kvMaxValueSize)
                throw ConfigError { "kv: value of \"" + seed.key + "\" exceeds limits.kv_max_value_size" };
        }
    }

    if (o.has("acl")) {
        const Obj a(o.at("acl"), "acl");
        a.allowOnly({ "enabled", "default_policy", "enable_key_list_policy", "anonymous_policy", "tokens" });
        cfg.acl.enabled = a.boolean("enabled", true);
        const std::string def = a.str("default_policy", "allow");
        if (def != "allow" && def != "deny")
            throw ConfigError { "acl.default_policy: must be allow or deny" };
        cfg.acl.defaultAllow = def == "allow";
        cfg.acl.enableKeyListPolicy = a.boolean("enable_key_list_policy", false);
        if (a.has("anonymous_policy"))
            cfg.acl.anonymous = parsePolicy(a.at("anonymous_policy"), "acl.anonymous_policy");
        if (a.has("tokens")) {
            const json &tokens = a.at("tokens");
            if (!tokens.is_array())
                throw ConfigError { "acl.tokens: must be an array" };
            std::set<std::string> secrets;
            std::set<std::string> accessors;
            for (std::size_t i = 0; i < tokens.size(); ++i) {
                const std::string tp = "acl.tokens[" + std::to_string(i) + "]";
                const Obj t(tokens[i], tp);
                t.allowOnly({ "accessor_id", "secret_id", "description", "management", "policy" });
                AclTokenConfig token;
                token.secretId = t.requiredStr("secret_id");
                token.accessorId = t.str("accessor_id");
                token.description = t.str("description");
                token.management = t.boolean("management", false);
                if (t.has("policy"))
                    token.policy = parsePolicy(t.at("policy"), tp + ".policy");
                if (token.secretId == "anonymous")
                    throw ConfigError { tp + ".secret_id: \"anonymous\" is reserved" };
                if (!secrets.insert(token.secretId).second)
                    throw ConfigError { tp + ".secret_id: duplicate secret" };
                if (!token.accessorId.empty() && !accessors.insert(token.accessorId).second)
                    throw ConfigError { tp + ".accessor_id: duplicate accessor" };
                cfg.acl.tokens.push_back(std::move(token));
            }
        }
    }
    return cfg;
}

} // namespace

Result<SimConfig> parseSimConfig(const QByteArray &bytes)
{
    BATON_TRY(root, parseJsonBounded(bytes, JsonLimits { 16u * 1024u * 1024u, 32 }));
    try {
        return parse(root);
    } catch (const ConfigError &e) {
        return fail(Error::Kind::InvalidInput, QString::fromStdString(e.message));
    } catch (const nlohmann::json::exception &e) {
        return fail(Error::Kind::InvalidInput, QString::fromUtf8(e.what()));
    } catch (const std::exception &e) {
        return fail(Error::Kind::InvalidInput, QString::fromUtf8(e.what()));
    }
}

} // namespace Baton::ConsulSim
