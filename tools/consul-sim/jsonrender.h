#pragma once

#include "tools/consul-sim/statestore.h"

#include <nlohmann/json.hpp>

#include <QByteArray>

namespace Baton::ConsulSim {

// Ordered so output keeps Go's struct field order, as Consul's encoding/json output does.
using OJson = nlohmann::ordered_json;

// Renders the state records in the exact JSON shapes Consul CE sends (field names, order, null vs [] vs {},
// omitted-when-empty fields). Enterprise-only fields (Namespace, Partition) are never written.
namespace JsonRender {

OJson node(const NodeRec &n);
OJson serviceNode(const NodeRec &n, const ServiceRec &s); // /v1/catalog/service
OJson nodeService(const ServiceRec &s); // catalog/node Services values, health/service "Service"
OJson agentService(const ServiceRec &s, const std::string &datacenter); // /v1/agent/services values
OJson healthCheck(const CheckRec &c, bool withRaftIndex = true);
OJson dirEntry(const KvEntry &e, bool withValue = true);
OJson session(const SessionRec &s);
OJson stringList(const std::vector<std::string> &items);
OJson stringMap(const std::map<std::string, std::string> &items);

// encoding/json's output: compact, or MarshalIndent with four spaces plus a newline for ?pretty; '<', '>', '&',
// U+2028 and U+2029 escaped as \u003c…; invalid UTF-8 replaced by U+FFFD.
QByteArray dump(const OJson &value, bool pretty);

} // namespace JsonRender
} // namespace Baton::ConsulSim
