#pragma once

#include "core/base/jsonlimits.h"
#include "core/base/result.h"
#include "core/consul/consultypes.h"

#include <nlohmann/json.hpp>

#include <QByteArray>

// Decoders of Consul response bodies. Every body goes through parseJsonBounded with
// JsonLimits::consulDefault() first; then fields are read with typed access, so a field of the wrong type, a
// missing identifying field, bad base64 or an out-of-range number is a Decode error naming where it is.
// Unknown fields are ignored (newer Consul versions add fields) and optional ones may be missing or null.
namespace Baton::ConsulDecode {

Result<nlohmann::json> parse(const QByteArray &body, const JsonLimits &limits = JsonLimits::consulDefault());

Result<Consul::Node> node(const nlohmann::json &j);
Result<Consul::Service> service(const nlohmann::json &j);
Result<Consul::HealthCheck> healthCheck(const nlohmann::json &j);
Result<Consul::KvEntry> kvEntry(const nlohmann::json &j);
Result<Consul::Session> session(const nlohmann::json &j);

// One function per endpoint body.
Result<Consul::CatalogServices> catalogServices(const nlohmann::json &j); // /v1/catalog/services
Result<QList<Consul::CatalogService>> catalogService(const nlohmann::json &j); // /v1/catalog/service/:name
Result<QList<Consul::Node>> catalogNodes(const nlohmann::json &j); // /v1/catalog/nodes
Result<std::optional<Consul::CatalogNode>> catalogNode(const nlohmann::json &j); // null for an unknown node
Result<QList<Consul::ServiceHealth>> healthService(const nlohmann::json &j); // /v1/health/service/:service
Result<QList<Consul::HealthCheck>> healthChecks(const nlohmann::json &j); // node, checks, state
Result<QList<Consul::KvEntry>> kvEntries(const nlohmann::json &j); // GET kv (one) and ?recurse
Result<std::optional<Consul::KvEntry>> kvSingle(const nlohmann::json &j); // GET kv: exactly one entry or null
Result<QStringList> kvKeys(const nlohmann::json &j); // ?keys
Result<bool> boolean(const nlohmann::json &j); // KV PUT/DELETE, session destroy
Result<QString> sessionCreated(const nlohmann::json &j); // {"ID": "…"}
Result<QList<Consul::Session>> sessions(const nlohmann::json &j); // info, renew, list, node
Result<std::optional<Consul::Session>> sessionSingle(const nlohmann::json &j); // info: zero or one
Result<Consul::AgentSelf> agentSelf(const nlohmann::json &j);
Result<Consul::AgentServices> agentServices(const nlohmann::json &j);
Result<Consul::AgentChecks> agentChecks(const nlohmann::json &j);
Result<Consul::TxnResult> txnResult(const nlohmann::json &j); // 200 and 409 bodies
// The value of a semaphore's .lock key ({"Limit":N,"Holders":{"<session>":true}}); an empty value is an empty
// holder set with limit 0.
Result<Consul::SemaphoreLock> semaphoreLock(const QByteArray &value);

} // namespace Baton::ConsulDecode
