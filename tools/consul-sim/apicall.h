#pragma once

#include "tools/consul-sim/acl.h"
#include "tools/consul-sim/bexprfilter.h"
#include "tools/consul-sim/blockingqueries.h"
#include "tools/consul-sim/httpconnection.h"
#include "tools/consul-sim/jsonrender.h"
#include "tools/consul-sim/simconfig.h"
#include "tools/consul-sim/statestore.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <QPointer>

namespace Baton::ConsulSim {

class Agent;
class HttpListener;

// Everything an endpoint may touch.
struct SimContext
{
    const SimConfig *config = nullptr;
    StateStore *store = nullptr;
    BlockingQueries *blocking = nullptr;
    const Acl *acl = nullptr;
    std::map<std::string, Agent *> agents;
    std::map<std::string, HttpListener *> listeners;
};

// One API request in flight: the request, where to answer, the agent it was sent to, and the query options
// Consul's HTTP layer parses for it. Shared, because a blocking query keeps it alive while it waits.
class Call : public std::enable_shared_from_this<Call>
{
public:
    Call(SimContext &ctx, Agent *agent, HttpConnection *connection, std::uint64_t serial, HttpRequest request);

    SimContext &ctx;
    Agent *agent; // the agent whose address received the request
    HttpRequest req;
    std::string suffix; // the path after the route's prefix (the key, the service name, …)

    // Parsed by parseQueryOptions().
    std::string datacenter;
    bool stale = false;
    bool consistent = false;
    std::uint64_t minIndex = 0;
    Nanos wait = 0;
    bool pretty = false;
    std::string filter;
    Acl::Identity who;

    // Answers (once). Adds the headers every wrapped Consul response carries and gzips large bodies for
    // clients that accept it, like Consul's gzip wrapper.
    void reply(HttpResponse response);
    void replyJson(const OJson &body, int status = 200, std::vector<std::pair<QByteArray, QByteArray>> headers = {});
    // A plain-text error body, no trailing newline (Consul's handleErr / HTTPError).
    void replyText(int status, const std::string &text);

    // Consul's s.parse(): dc, consistency flags, wait, index and filter text. False when an error was already
    // sent. The token is only read here; it is resolved where Consul resolves it, at the RPC (see rpc()).
    bool parseQueryOptions();
    // Resolves the token. False with 403 "ACL not found" already sent.
    bool resolveToken();
    // What happens when Consul's HTTP handler hands a request to the servers: Enterprise parameters are
    // refused, another datacenter has no path, the token is resolved. False when an error was already sent.
    bool rpc();
    // Makes reply() store the answer instead of sending it (for checks made before a body is read).
    void captureInto(std::optional<HttpResponse> *slot) { m_capture = slot; }
    // ?ns= and ?partition= are Enterprise; CE answers 400. False when an error was already sent.
    bool rejectEnterpriseParams();
    // A request for another datacenter: 500 "No path to datacenter". False when an error was already sent.
    bool checkDatacenter();
    // ?filter=: compiles against the schema; nullopt means no filter. False when a 500 was already sent.
    bool compileFilter(const BexprFilter::Schema &schema, std::optional<BexprFilter> *out);

    // X-Consul-Index (never 0), KnownLeader, LastContact and optionally Effective-Consistency.
    void addQueryMeta(
        std::vector<std::pair<QByteArray, QByteArray>> &headers, std::uint64_t index, bool effectiveConsistency) const;

    // Consul's blocking loop: answers at once when there is no ?index or the data's index is already past it;
    // otherwise parks until index() > minIndex or the wait (default, capped, plus up to wait/16 jitter) ends,
    // and then calls render() with whatever the data is then.
    void block(BlockingQueries::Topic topic, const std::string &key, std::function<std::uint64_t()> index,
        std::function<void()> render);

    bool acl(const std::string &resource, Acl::Access access, const std::string &name) const;
    // 403 with Consul's text for the denied permission.
    void denied(const std::string &resource, Acl::Access access, const std::string &name);

    QPointer<HttpConnection> connection() const { return m_connection; }

private:
    QPointer<HttpConnection> m_connection;
    std::uint64_t m_serial;
    bool m_answered = false;
    std::optional<HttpResponse> *m_capture = nullptr;
};

using CallPtr = std::shared_ptr<Call>;

} // namespace Baton::ConsulSim
