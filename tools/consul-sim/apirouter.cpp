#include "tools/consul-sim/apirouter.h"

#include "core/base/redaction.h"
#include "tools/consul-sim/endpoints.h"
#include "tools/consul-sim/simlogging.h"

namespace Baton::ConsulSim {

struct ApiRouter::Route
{
    std::string pattern;
    bool subtree = false;
    std::vector<QByteArray> methods;
    void (*handler)(const CallPtr &) = nullptr;
};

class ApiRouter::Sink : public RequestSink
{
public:
    Sink(ApiRouter *router, Agent *agent)
        : m_router(router)
        , m_agent(agent)
    { }
    std::uint64_t maxBodyFor(const HttpRequest &head) const override { return m_router->maxBodyFor(head); }
    HttpResponse bodyTooLarge(const HttpRequest &head, std::uint64_t size) const override
    {
        return m_router->bodyTooLarge(head, size);
    }
    void handle(HttpConnection *connection, std::uint64_t serial, const HttpRequest &request) override
    {
        m_router->handle(m_agent, connection, serial, request);
    }

private:
    ApiRouter *m_router;
    Agent *m_agent;
};

namespace {

bool startsWith(const std::string &s, std::string_view prefix)
{
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// Go's path.Clean as ServeMux's cleanPath applies it: resolve . and .., collapse //, keep a trailing slash.
std::string cleanPath(const std::string &p)
{
    if (p.empty())
        return "/";
    std::string path = p.front() == '/' ? p : "/" + p;
    std::vector<std::string> stack;
    std::size_t i = 0;
    while (i < path.size()) {
        while (i < path.size() && path[i] == '/')
            ++i;
        const std::size_t start = i;
        while (i < path.size() && path[i] != '/')
            ++i;
        const std::string part = path.substr(start, i - start);
        if (part.empty() || part == ".")
            continue;
        if (part == "..") {
            if (!stack.empty())
                stack.pop_back();
            continue;
        }
        stack.push_back(part);
    }
    // Appended piece by piece: GCC 12's -Wrestrict misfires on `"/" + s` and on assigning a literal at -O3.
    std::string out(1, '/');
    for (const std::string &s : stack) {
        if (out.size() > 1)
            out += '/';
        out += s;
    }
    if (path.back() == '/' && out != "/")
        out += '/';
    return out;
}

std::string escapePath(const std::string &path)
{
    static const char *const kHex = "0123456789ABCDEF";
    std::string out;
    for (const char ch : path) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || std::string_view("-._~/!$&'()*+,;=:@").find(char(c)) != std::string_view::npos) {
            out += char(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

HttpResponse redirect(const HttpRequest &req, const std::string &path)
{
    std::string location = escapePath(path);
    if (!req.rawQuery.isEmpty()) {
        location += '?';
        location += req.rawQuery.toStdString();
    }
    HttpResponse r;
    r.status = 301;
    r.setHeader("Location", QByteArray::fromStdString(location));
    if (req.method == "GET") {
        const QByteArray escaped = QString::fromStdString(location).toHtmlEscaped().toUtf8();
        r.setHeader("Content-Type", "text/html; charset=utf-8");
        r.body = "<a href=\"" + escaped + "\">Moved Permanently</a>.\n\n";
    }
    return r;
}

} // namespace

ApiRouter::ApiRouter(SimContext &ctx)
    : m_ctx(ctx)
{
    const std::vector<QByteArray> get { "GET" };
    const std::vector<QByteArray> put { "PUT" };
    m_routes = {
        { "/v1/agent/self", false, get, &AgentApi::self },
        { "/v1/agent/members", false, get, &AgentApi::members },
        { "/v1/agent/services", false, get, &AgentApi::services },
        { "/v1/agent/service/", true, get, &AgentApi::service },
        { "/v1/agent/checks", false, get, &AgentApi::checks },
        { "/v1/agent/maintenance", false, put, &AgentApi::maintenance },
        { "/v1/agent/service/maintenance/", true, put, &AgentApi::serviceMaintenance },
        { "/v1/agent/check/pass/", true, put, &AgentApi::checkPass },
        { "/v1/agent/check/warn/", true, put, &AgentApi::checkWarn },
        { "/v1/agent/check/fail/", true, put, &AgentApi::checkFail },
        { "/v1/agent/check/update/", true, put, &AgentApi::checkUpdate },
        { "/v1/catalog/datacenters", false, get, &CatalogApi::datacenters },
        { "/v1/catalog/nodes", false, get, &CatalogApi::nodes },
        { "/v1/catalog/services", false, get, &CatalogApi::services },
        { "/v1/catalog/service/", true, get, &CatalogApi::service },
        { "/v1/catalog/node/", true, get, &CatalogApi::node },
        { "/v1/health/service/", true, get, &CatalogApi::healthService },
        { "/v1/health/node/", true, get, &CatalogApi::healthNode },
        { "/v1/health/checks/", true, get, &CatalogApi::healthChecks },
        { "/v1/health/state/", true, get, &CatalogApi::healthState },
        { "/v1/kv/", true, { "GET", "PUT", "DELETE" }, &KvApi::handle },
        { "/v1/txn", false, put, &TxnApi::handle },
        { "/v1/session/create", false, put, &SessionApi::create },
        { "/v1/session/destroy/", true, put, &SessionApi::destroy },
        { "/v1/session/renew/", true, put, &SessionApi::renew },
        { "/v1/session/info/", true, get, &SessionApi::info },
        { "/v1/session/list", false, get, &SessionApi::list },
        { "/v1/session/node/", true, get, &SessionApi::node },
        { "/v1/status/leader", false, get, &CatalogApi::statusLeader },
        { "/v1/status/peers", false, get, &CatalogApi::statusPeers },
        { "/_sim/", true, {}, &SimControl::handle },
    };
}

ApiRouter::~ApiRouter() = default;

RequestSink *ApiRouter::sinkFor(Agent *agent)
{
    m_sinks.push_back(std::make_unique<Sink>(this, agent));
    return m_sinks.back().get();
}

std::uint64_t ApiRouter::maxBodyFor(const HttpRequest &head) const
{
    const LimitsConfig &limits = m_ctx.config->limits;
    if (head.method == "PUT" && startsWith(head.path, "/v1/kv/"))
        return limits.kvMaxValueSize;
    if (startsWith(head.path, "/v1/txn"))
        return limits.txnMaxReqLen;
    return limits.maxBodySize;
}

HttpResponse ApiRouter::bodyTooLarge(const HttpRequest &head, std::uint64_t size) const
{
    const LimitsConfig &limits = m_ctx.config->limits;
    std::string text;
    if (head.method == "PUT" && startsWith(head.path, "/v1/kv/")) {
        // Consul checks the query and the key before the Content-Length; keep that order.
        auto call = std::make_shared<Call>(m_ctx, nullptr, nullptr, 0, head);
        call->suffix = head.path.substr(std::string_view("/v1/kv/").size());
        if (auto early = KvApi::putPrecheck(call))
            return std::move(*early);
        text = "Request body(" + std::to_string(size)
            + " bytes) too large, max size: " + std::to_string(limits.kvMaxValueSize)
            + " bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.";
    } else if (startsWith(head.path, "/v1/txn")) {
        text = "Request body(" + std::to_string(size)
            + " bytes) too large, max size: " + std::to_string(limits.txnMaxReqLen)
            + " bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#txn_max_req_len.";
    } else {
        text = "http: request body too large";
    }
    HttpResponse r = HttpResponse::text(413, QByteArray::fromStdString(text));
    r.setHeader("X-Consul-Default-Acl-Policy", m_ctx.acl->defaultPolicyName());
    r.setHeader("Vary", "Accept-Encoding");
    return r;
}

void ApiRouter::handle(Agent *agent, HttpConnection *connection, std::uint64_t serial, const HttpRequest &request)
{
    if (lcSim().isDebugEnabled()) {
        qCDebug(lcSim).noquote() << request.method << Redaction::redactUrl(QString::fromUtf8(request.target)) << "from"
                                 << request.peerAddress;
    }
    const std::string &path = request.path;

    // The control address serves only the fault controls.
    if (!agent && !startsWith(path, "/_sim/")) {
        connection->respond(
            serial, HttpResponse::goError(404, "consul-sim control address: only /_sim/ is served here"));
        return;
    }

    const std::string clean = cleanPath(path);
    if (request.method != "CONNECT" && clean != path) {
        connection->respond(serial, redirect(request, clean));
        return;
    }

    const Route *best = nullptr;
    for (const Route &r : m_routes) {
        const bool match = r.subtree ? startsWith(path, r.pattern) : path == r.pattern;
        if (match && (!best || r.pattern.size() > best->pattern.size()))
            best = &r;
    }
    if (!best) {
        // ServeMux: /v1/kv → /v1/kv/ when only the subtree is registered.
        for (const Route &r : m_routes) {
            if (r.subtree && r.pattern == path + "/") {
                connection->respond(serial, redirect(request, r.pattern));
                return;
            }
        }
        if (path == "/") {
            connection->respond(serial,
                HttpResponse::text(200,
                    "Consul Agent: UI disabled. To enable, set "
                    "ui_config.enabled=true in the agent configuration and restart."));
            return;
        }
        if (startsWith(path, "/v1/")) {
            HttpResponse r = HttpResponse::goError(404, "Invalid URL path: not a recognized HTTP API endpoint");
            r.setHeader("Vary", "Accept-Encoding");
            connection->respond(serial, std::move(r));
            return;
        }
        HttpResponse r;
        r.status = 404;
        connection->respond(serial, std::move(r));
        return;
    }

    auto call = std::make_shared<Call>(m_ctx, agent, connection, serial, request);
    call->suffix = path.substr(best->subtree ? best->pattern.size() : path.size());

    if (!best->methods.empty()) {
        QByteArray allow = "OPTIONS";
        for (const QByteArray &m : best->methods)
            allow += "," + m;
        if (request.method == "OPTIONS") {
            HttpResponse r;
            r.setHeader("Allow", allow);
            call->reply(std::move(r));
            return;
        }
        if (std::find(best->methods.begin(), best->methods.end(), request.method) == best->methods.end()) {
            HttpResponse r = HttpResponse::text(405, "method " + request.method + " not allowed");
            r.setHeader("Allow", allow);
            call->reply(std::move(r));
            return;
        }
    }
    best->handler(call);
}

} // namespace Baton::ConsulSim
