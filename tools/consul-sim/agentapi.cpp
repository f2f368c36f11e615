#include "core/base/boundedjson.h"
#include "tools/consul-sim/agent.h"
#include "tools/consul-sim/endpoints.h"
#include "tools/consul-sim/goquote.h"

#include <QCryptographicHash>

namespace Baton::ConsulSim::AgentApi {

namespace {

using Headers = std::vector<std::pair<QByteArray, QByteArray>>;

bool parseLocal(const CallPtr &c)
{
    return c->resolveToken() && c->rejectEnterpriseParams();
}

OJson member(const SimContext &ctx, const Agent &agent)
{
    const NodeRec *n = ctx.store->node(agent.nodeName());
    const bool server = agent.nodeName() == ctx.config->serverNode;
    const std::string id = n ? n->id : std::string();
    OJson tags = OJson::object();
    if (server) {
        tags["acls"] = ctx.acl->enabled() ? "1" : "0";
        tags["bootstrap"] = "1";
    }
    tags["build"] = ctx.config->consulVersion + ":consul-sim";
    tags["dc"] = ctx.config->datacenter;
    if (server) {
        tags["expect"] = "1";
        tags["ft_fs"] = "1";
        tags["ft_si"] = "1";
    }
    tags["id"] = id;
    if (server) {
        tags["port"] = "8300";
        tags["raft_vsn"] = "3";
    }
    tags["role"] = server ? "consul" : "node";
    tags["segment"] = "";
    tags["vsn"] = "2";
    tags["vsn_max"] = "3";
    tags["vsn_min"] = "2";
    if (server)
        tags["wan_join_port"] = "8302";
    OJson m = OJson::object();
    m["Name"] = agent.nodeName();
    m["Addr"] = n ? n->address : agent.config().address;
    m["Port"] = 8301;
    m["Tags"] = std::move(tags);
    m["Status"] = agent.alive() ? 1 : 4; // serf: 1 alive, 4 failed
    m["ProtocolMin"] = 1;
    m["ProtocolMax"] = 5;
    m["ProtocolCur"] = 2;
    m["DelegateMin"] = 2;
    m["DelegateMax"] = 5;
    m["DelegateCur"] = 4;
    return m;
}

// The services this agent registered itself (the "consul" service on a server is the leader's, not the agent's).
std::vector<const ServiceRec *> agentServices(const CallPtr &c)
{
    std::vector<const ServiceRec *> out;
    for (const ServiceConfig &cfg : c->agent->config().services) {
        if (const ServiceRec *s = c->ctx.store->service(c->agent->nodeName(), cfg.id))
            out.push_back(s);
    }
    return out;
}

void checkUpdateCommon(
    const CallPtr &c, const std::string &checkId, const std::string &status, const std::string &output)
{
    Agent *agent = c->agent;
    if (!agent->hasCheck(checkId)) {
        c->replyText(
            404, "Unknown check ID " + goQuote(checkId) + ". Ensure that the check ID is passed, not the check name.");
        return;
    }
    for (const CheckRec &ck : agent->localChecks()) {
        if (ck.checkId != checkId)
            continue;
        const bool ok = ck.serviceId.empty() ? c->acl("node", Acl::Access::Write, agent->nodeName())
                                             : c->acl("service", Acl::Access::Write, ck.serviceName);
        if (!ok) {
            if (ck.serviceId.empty())
                c->denied("node", Acl::Access::Write, agent->nodeName());
            else
                c->denied("service", Acl::Access::Write, ck.serviceName);
            return;
        }
    }
    switch (agent->updateTtl(checkId, status, output)) {
    case Agent::UpdateResult::Ok:
        c->reply(HttpResponse::text(200, {}));
        return;
    case Agent::UpdateResult::UnknownCheck:
        c->replyText(
            404, "Unknown check ID " + goQuote(checkId) + ". Ensure that the check ID is passed, not the check name.");
        return;
    case Agent::UpdateResult::NotTtl:
        c->replyText(404, "CheckID " + goQuote(checkId) + " does not have associated TTL");
        return;
    case Agent::UpdateResult::InvalidStatus:
        c->replyText(400, "Invalid check status: " + goQuote(status));
        return;
    }
}

void ttlEndpoint(const CallPtr &c, const char *status)
{
    if (!parseLocal(c))
        return;
    checkUpdateCommon(c, c->suffix, status, c->req.query.get("note"));
}

std::optional<bool> enableParam(const CallPtr &c)
{
    if (!c->req.query.has("enable")) {
        c->replyText(400, "Missing value for enable");
        return std::nullopt;
    }
    const std::string raw = c->req.query.get("enable");
    const auto v = parseGoBool(raw);
    if (!v)
        c->replyText(400, "Invalid value for enable: " + goQuote(raw));
    return v;
}

} // namespace

void self(const CallPtr &c)
{
    if (!parseLocal(c))
        return;
    Agent *agent = c->agent;
    const std::string nodeName = agent->nodeName();
    if (!c->acl("agent", Acl::Access::Read, nodeName)) {
        c->denied("agent", Acl::Access::Read, nodeName);
        return;
    }
    const NodeRec *n = c->ctx.store->node(nodeName);
    const SimConfig &cfg = *c->ctx.config;
    const bool server = nodeName == cfg.serverNode;
    OJson config = OJson::object();
    config["Datacenter"] = cfg.datacenter;
    config["PrimaryDatacenter"] = cfg.datacenter;
    config["NodeName"] = nodeName;
    config["NodeID"] = n ? n->id : std::string();
    config["Revision"] = "consul-sim";
    config["Server"] = server;
    config["Version"] = cfg.consulVersion;
    config["BuildDate"] = "2024-01-01T00:00:00Z";

    OJson debug = OJson::object();
    debug["Datacenter"] = cfg.datacenter;
    debug["NodeName"] = nodeName;
    debug["NodeID"] = n ? n->id : std::string();
    debug["ServerMode"] = server;
    debug["ACLsEnabled"] = c->ctx.acl->enabled();
    debug["ACLDefaultPolicy"] = c->ctx.acl->defaultPolicyName();

    OJson coord = OJson::object();
    coord["Vec"] = OJson::array({ 0, 0, 0, 0, 0, 0, 0, 0 });
    coord["Error"] = 1.5;
    coord["Adjustment"] = 0;
    coord["Height"] = 1e-05;

    const auto services = agentServices(c);
    OJson stats = OJson::object();
    stats["agent"] = OJson { { "check_monitors", "0" }, { "check_ttls", "0" },
        { "checks", std::to_string(agent->localChecks().size()) }, { "services", std::to_string(services.size()) } };
    stats["build"] = OJson { { "prerelease", "" }, { "revision", "consul-sim" }, { "version", cfg.consulVersion } };
    stats["consul"] = server ? OJson { { "acl", c->ctx.acl->enabled() ? "enabled" : "disabled" },
        { "bootstrap", "true" }, { "known_datacenters", "1" }, { "leader", "true" },
        { "leader_addr", (n ? n->address : std::string()) + ":8300" }, { "server", "true" } }
                             : OJson { { "acl", c->ctx.acl->enabled() ? "enabled" : "disabled" },
                                   { "known_servers", "1" }, { "server", "false" } };

    OJson out = OJson::object();
    out["Config"] = std::move(config);
    out["DebugConfig"] = std::move(debug);
    out["Coord"] = std::move(coord);
    out["Member"] = member(c->ctx, *agent);
    out["Stats"] = std::move(stats);
    out["Meta"] = JsonRender::stringMap(n ? n->meta : std::map<std::string, std::string> {});
    c->replyJson(out);
}

void members(const CallPtr &c)
{
    if (!parseLocal(c))
        return;
    OJson out = OJson::array();
    for (const auto &[name, agent] : c->ctx.agents) {
        if (!c->acl("node", Acl::Access::Read, name))
            continue;
        out.push_back(member(c->ctx, *agent));
    }
    c->replyJson(out);
}

void services(const CallPtr &c)
{
    if (!parseLocal(c))
        return;
    c->filter = c->req.query.get("filter");
    std::optional<BexprFilter> filter;
    if (!c->compileFilter(BexprFilter::agentServiceSchema(), &filter))
        return;
    OJson out = OJson::object();
    bool filtered = false;
    for (const ServiceRec *s : agentServices(c)) {
        if (!c->acl("service", Acl::Access::Read, s->name)) {
            filtered = true;
            continue;
        }
        OJson item = JsonRender::agentService(*s, c->ctx.config->datacenter);
        if (filter && !filter->matches(item))
            continue;
        out[s->id] = std::move(item);
    }
    Headers headers;
    if (filtered && c->who.tokenSent)
        headers.emplace_back("X-Consul-Results-Filtered-By-Acls", "true");
    c->replyJson(out, 200, std::move(headers));
}

void service(const CallPtr &c)
{
    if (!parseLocal(c))
        return;
    const std::string id = c->suffix;
    const std::string nodeName = c->agent->nodeName();
    StateStore *store = c->ctx.store;
    auto render = [c, store, id, nodeName](bool *found) -> std::pair<OJson, QByteArray> {
        const ServiceRec *s = store->service(nodeName, id);
        *found = s != nullptr;
        if (!s)
            return {};
        OJson item = JsonRender::agentService(*s, c->ctx.config->datacenter);
        const QByteArray hash
            = QCryptographicHash::hash(JsonRender::dump(item, false), QCryptographicHash::Sha256).toHex().left(16);
        item["ContentHash"] = hash.toStdString();
        return { item, hash };
    };
    bool found = false;
    auto [item, hash] = render(&found);
    if (!found) {
        c->replyText(404, "unknown service ID: " + id);
        return;
    }
    if (!c->acl("service", Acl::Access::Read, item["Service"].get<std::string>())) {
        c->denied("service", Acl::Access::Read, item["Service"].get<std::string>());
        return;
    }
    auto send = [c, render] {
        bool exists = false;
        auto [body, h] = render(&exists);
        if (!exists) {
            c->replyText(404, "unknown service ID: " + c->suffix);
            return;
        }
        c->replyJson(body, 200, { { "X-Consul-Contenthash", h } });
    };
    // Hash-based blocking: ?hash=<ContentHash> waits until the service's content hash differs.
    const std::string wantHash = c->req.query.get("hash");
    if (wantHash.empty() || wantHash != hash.toStdString()) {
        send();
        return;
    }
    Nanos w = 0;
    if (const std::string wt = c->req.query.get("wait"); !wt.empty()) {
        const auto d = GoDuration::parse(wt);
        if (!d) {
            c->replyText(400, "Invalid wait time");
            return;
        }
        w = *d;
    }
    const TimingConfig &t = c->ctx.config->timing;
    if (w <= 0)
        w = t.defaultQueryTime;
    w = std::min(w, t.maxQueryTime);
    BlockingQueries::Waiter waiter;
    waiter.topic = BlockingQueries::Topic::Catalog;
    waiter.ready = [render, wantHash] {
        bool exists = false;
        auto [body, h] = render(&exists);
        return !exists || h.toStdString() != wantHash;
    };
    waiter.respond = send;
    waiter.deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(w);
    waiter.connection = c->connection();
    c->ctx.blocking->add(std::move(waiter));
}

void checks(const CallPtr &c)
{
    if (!parseLocal(c))
        return;
    c->filter = c->req.query.get("filter");
    std::optional<BexprFilter> filter;
    if (!c->compileFilter(BexprFilter::healthCheckSchema(), &filter))
        return;
    OJson out = OJson::object();
    bool filtered = false;
    for (const CheckRec &ck : c->agent->localChecks()) {
        const bool visible = c->acl("node", Acl::Access::Read, ck.node)
            && (ck.serviceId.empty() || c->acl("service", Acl::Access::Read, ck.serviceName));
        if (!visible) {
            filtered = true;
            continue;
        }
        OJson item = JsonRender::healthCheck(ck, false);
        if (filter && !filter->matches(item))
            continue;
        out[ck.checkId] = std::move(item);
    }
    Headers headers;
    if (filtered && c->who.tokenSent)
        headers.emplace_back("X-Consul-Results-Filtered-By-Acls", "true");
    c->replyJson(out, 200, std::move(headers));
}

void maintenance(const CallPtr &c)
{
    const auto enable = enableParam(c);
    if (!enable)
        return;
    if (!c->resolveToken())
        return;
    const std::string nodeName = c->agent->nodeName();
    if (!c->acl("node", Acl::Access::Write, nodeName)) {
        c->denied("node", Acl::Access::Write, nodeName);
        return;
    }
    c->agent->setNodeMaintenance(*enable, c->req.query.get("reason"));
    c->reply(HttpResponse::text(200, {}));
}

void serviceMaintenance(const CallPtr &c)
{
    const std::string id = c->suffix;
    if (id.empty()) {
        c->replyText(400, "Missing service ID");
        return;
    }
    const auto enable = enableParam(c);
    if (!enable)
        return;
    if (!c->resolveToken())
        return;
    const ServiceRec *s = c->ctx.store->service(c->agent->nodeName(), id);
    if (!s || id == "consul") {
        c->replyText(404, "No service registered with ID " + goQuote(id));
        return;
    }
    if (!c->acl("service", Acl::Access::Write, s->name)) {
        c->denied("service", Acl::Access::Write, s->name);
        return;
    }
    c->agent->setServiceMaintenance(id, *enable, c->req.query.get("reason"));
    c->reply(HttpResponse::text(200, {}));
}

void checkPass(const CallPtr &c)
{
    ttlEndpoint(c, "passing");
}

void checkWarn(const CallPtr &c)
{
    ttlEndpoint(c, "warning");
}

void checkFail(const CallPtr &c)
{
    ttlEndpoint(c, "critical");
}

void checkUpdate(const CallPtr &c)
{
    if (!parseLocal(c))
        return;
    std::string status;
    std::string output;
    auto parsed = parseJsonBounded(c->req.body, JsonLimits { 1024u * 1024u, 16 });
    if (!parsed || !parsed->is_object()) {
        c->replyText(400,
            "Request decode failed: "
                + (parsed ? std::string("json: cannot unmarshal non-object into Go value of type "
                                        "agent.checkUpdate")
                          : parsed.error().message.toStdString()));
        return;
    }
    for (auto it = parsed->begin(); it != parsed->end(); ++it) {
        const bool isStatus = qstricmp(it.key().c_str(), "Status") == 0;
        const bool isOutput = qstricmp(it.key().c_str(), "Output") == 0;
        if (!isStatus && !isOutput)
            continue;
        if (!it.value().is_string() && !it.value().is_null()) {
            c->replyText(400,
                "Request decode failed: json: cannot unmarshal value into Go struct field "
                "checkUpdate."
                    + std::string(isStatus ? "Status" : "Output") + " of type string");
            return;
        }
        const std::string v = it.value().is_null() ? std::string() : it.value().get<std::string>();
        (isStatus ? status : output) = v;
    }
    if (status != "passing" && status != "warning" && status != "critical") {
        c->replyText(400, "Invalid check status: " + goQuote(status));
        return;
    }
    checkUpdateCommon(c, c->suffix, status, output);
}

} // namespace Baton::ConsulSim::AgentApi
