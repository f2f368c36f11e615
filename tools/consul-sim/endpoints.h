#pragma once

#include "tools/consul-sim/apicall.h"

namespace Baton::ConsulSim {

// The handlers behind each route. Each takes a Call whose suffix holds the path after the route prefix and
// answers through it (at once, or later for blocking queries). Methods are already checked by the router.

namespace KvApi {
void handle(const CallPtr &call); // /v1/kv/
// The answer Consul gives a KV PUT before it looks at the body (bad query, missing key, conflicting flags,
// unparsable flags or cas), or nullopt when only the body's size is wrong.
std::optional<HttpResponse> putPrecheck(const CallPtr &call);
} // namespace KvApi

namespace TxnApi {
void handle(const CallPtr &call); // /v1/txn
} // namespace TxnApi

namespace SessionApi {
void create(const CallPtr &call);
void destroy(const CallPtr &call);
void renew(const CallPtr &call);
void info(const CallPtr &call);
void list(const CallPtr &call);
void node(const CallPtr &call);
} // namespace SessionApi

namespace CatalogApi {
void datacenters(const CallPtr &call);
void nodes(const CallPtr &call);
void services(const CallPtr &call);
void service(const CallPtr &call);
void node(const CallPtr &call);
void healthService(const CallPtr &call);
void healthNode(const CallPtr &call);
void healthChecks(const CallPtr &call);
void healthState(const CallPtr &call);
void statusLeader(const CallPtr &call);
void statusPeers(const CallPtr &call);
} // namespace CatalogApi

namespace AgentApi {
void self(const CallPtr &call);
void members(const CallPtr &call);
void services(const CallPtr &call);
void service(const CallPtr &call);
void checks(const CallPtr &call);
void maintenance(const CallPtr &call);
void serviceMaintenance(const CallPtr &call);
void checkPass(const CallPtr &call);
void checkWarn(const CallPtr &call);
void checkFail(const CallPtr &call);
void checkUpdate(const CallPtr &call);
} // namespace AgentApi

namespace SimControl {
// /_sim/…: fault controls that real Consul does not have. See docs/consul-sim.md.
void handle(const CallPtr &call);
} // namespace SimControl

// Go's strconv.ParseUint(s, 10, 64) with its error text.
std::optional<std::uint64_t> parseUint64(const std::string &s, std::string *error);
// Go's strconv.ParseBool.
std::optional<bool> parseGoBool(const std::string &s);

} // namespace Baton::ConsulSim
