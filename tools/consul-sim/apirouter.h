#pragma once

#include "tools/consul-sim/apicall.h"

#include <memory>
#include <vector>

namespace Baton::ConsulSim {

// Consul's HTTP mux: routes by longest registered pattern ("/v1/kv/" matches a subtree, "/v1/txn" only
// itself), redirects unclean paths and subtree roots with 301 like Go's ServeMux, answers OPTIONS and wrong
// methods (405 + Allow) like Consul's wrap(), and serves /_sim/ for the fault controls. One RequestSink per
// listening address ties each request to the agent it was sent to.
class ApiRouter
{
public:
    explicit ApiRouter(SimContext &ctx);
    ~ApiRouter();

    // The sink for an agent's address (agent = nullptr for the control address, which serves only /_sim/).
    RequestSink *sinkFor(Agent *agent);

private:
    class Sink;
    struct Route;

    void handle(Agent *agent, HttpConnection *connection, std::uint64_t serial, const HttpRequest &request);
    std::uint64_t maxBodyFor(const HttpRequest &head) const;
    HttpResponse bodyTooLarge(const HttpRequest &head, std::uint64_t size) const;

    SimContext &m_ctx;
    std::vector<Route> m_routes;
    std::vector<std::unique_ptr<Sink>> m_sinks;
};

} // namespace Baton::ConsulSim
