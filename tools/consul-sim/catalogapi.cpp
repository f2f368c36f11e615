#include "tools/consul-sim/endpoints.h"
#include "tools/consul-sim/goquote.h"

#include <algorithm>
#include <set>

namespace Baton::ConsulSim::CatalogApi {

namespace {

using Topic = BlockingQueries::Topic;
using Headers = std::vector<std::pair<QByteArray, QByteArray>>;

bool parseRead(const CallPtr &c)
{
    return c->parseQueryOptions();
}

// ?node-meta=key:value (repeatable): only nodes whose meta has every pair.
std::map<std::string, std::string> nodeMetaFilter(const CallPtr &c)
{
    std::map<std::string, std::string> out;
    for (const std::string &pair : c->req.query.all("node-meta")) {
        const auto colon = pair.find(':');
        if (colon == std::string::npos)
            out[pair] = "";
        else
            out[pair.substr(0, colon)] = pair.substr(colon + 1);
    }
    return out;
}

bool metaMatches(const NodeRec &n, const std::map<std::string, std::string> &filter)
{
    for (const auto &[k, v] : filter) {
        const auto it = n.meta.find(k);
        if (it == n.meta.end() || it->second != v)
            return false;
    }
    return true;
}

bool hasAllTags(const ServiceRec &s, const std::vector<std::string> &tags)
{
    for (const std::string &t : tags) {
        if (std::find(s.tags.begin(), s.tags.end(), t) == s.tags.end())
            return false;
    }
    return true;
}

void filteredHeader(const CallPtr &c, Headers &headers, bool filtered)
{
    if (filtered && c->who.tokenSent)
        headers.emplace_back("X-Consul-Results-Filtered-By-Acls", "true");
}

bool canSeeCheck(const CallPtr &c, const CheckRec &check)
{
    if (!c->acl("node", Acl::Access::Read, check.node))
        return false;
    return check.serviceId.empty() || c->acl("service", Acl::Access::Read, check.serviceName);
}

} // namespace

void datacenters(const CallPtr &c)
{
    OJson out = OJson::array();
    out.push_back(c->ctx.config->datacenter);
    c->replyJson(out);
}

void nodes(const CallPtr &c)
{
    if (!parseRead(c) || !c->rpc())
        return;
    std::optional<BexprFilter> filter;
    if (!c->compileFilter(BexprFilter::nodeSchema(), &filter))
        return;
    const auto meta = nodeMetaFilter(c);
    StateStore *store = c->ctx.store;
    c->block(
        Topic::Catalog, {}, [store] { return store->tableIndex(StateStore::Table::Nodes); },
        [c, store, filter, meta] {
            OJson out = OJson::array();
            bool filtered = false;
            for (const auto &[name, n] : store->nodes()) {
                if (!metaMatches(n, meta))
                    continue;
                if (!c->acl("node", Acl::Access::Read, name)) {
                    filtered = true;
                    continue;
                }
                OJson item = JsonRender::node(n);
                if (filter && !filter->matches(item))
                    continue;
                out.push_back(std::move(item));
            }
            Headers headers;
            c->addQueryMeta(headers, store->tableIndex(StateStore::Table::Nodes), true);
            filteredHeader(c, headers, filtered);
            c->replyJson(out, 200, std::move(headers));
        });
}

void services(const CallPtr &c)
{
    if (!parseRead(c) || !c->rpc())
        return;
    std::optional<BexprFilter> filter;
    if (!c->compileFilter(BexprFilter::serviceNodeSchema(), &filter))
        return;
    const auto meta = nodeMetaFilter(c);
    StateStore *store = c->ctx.store;
    c->block(
        Topic::Catalog, {}, [store] { return store->tableIndex(StateStore::Table::Services); },
        [c, store, filter, meta] {
            std::map<std::string, std::vector<std::string>> tags;
            bool filtered = false;
            for (const auto &[key, s] : store->services()) {
                const NodeRec *n = store->node(s.node);
                if (!n || !metaMatches(*n, meta))
                    continue;
                if (!c->acl("service", Acl::Access::Read, s.name)) {
                    filtered = true;
                    continue;
                }
                if (filter && !filter->matches(JsonRender::serviceNode(*n, s)))
                    continue;
                auto &list = tags[s.name];
                for (const std::string &t : s.tags) {
                    if (std::find(list.begin(), list.end(), t) == list.end())
                        list.push_back(t);
                }
            }
            OJson out = OJson::object();
            for (const auto &[name, list] : tags)
                out[name] = JsonRender::stringList(list);
            Headers headers;
            c->addQueryMeta(headers, store->tableIndex(StateStore::Table::Services), true);
            filteredHeader(c, headers, filtered);
            c->replyJson(out, 200, std::move(headers));
        });
}

void service(const CallPtr &c)
{
    if (!parseRead(c))
        return;
    const std::string name = c->suffix;
    if (name.empty()) {
        c->replyText(400, "Missing service name");
        return;
    }
    if (!c->rpc())
        return;
    std::optional<BexprFilter> filter;
    if (!c->compileFilter(BexprFilter::serviceNodeSchema(), &filter))
        return;
    const auto meta = nodeMetaFilter(c);
    const auto tags = c->req.query.all("tag");
    StateStore *store = c->ctx.store;
    c->block(
        Topic::Catalog, {}, [store, name] { return store->serviceIndex(name, false); },
        [c, store, name, filter, meta, tags] {
            OJson out = OJson::array();
            bool filtered = false;
            for (const ServiceRec *s : store->serviceInstances(name)) {
                const NodeRec *n = store->node(s->node);
                if (!n || !metaMatches(*n, meta) || !hasAllTags(*s, tags))
                    continue;
                if (!c->acl("node", Acl::Access::Read, n->name) || !c->acl("service", Acl::Access::Read, s->name)) {
                    filtered = true;
                    continue;
                }
                OJson item = JsonRender::serviceNode(*n, *s);
                if (filter && !filter->matches(item))
                    continue;
                out.push_back(std::move(item));
            }
            Headers headers;
            c->addQueryMeta(headers, store->serviceIndex(name, false), true);
            filteredHeader(c, headers, filtered);
            c->replyJson(out, 200, std::move(headers));
        });
}

void node(const CallPtr &c)
{
    if (!parseRead(c))
        return;
    const std::string name = c->suffix;
    if (name.empty()) {
        c->replyText(400, "Missing node name");
        return;
    }
    if (!c->rpc())
        return;
    std::optional<BexprFilter> filter;
    if (!c->compileFilter(BexprFilter::nodeServiceSchema(), &filter))
        return;
    StateStore *store = c->ctx.store;
    c->block(
        Topic::Catalog, {}, [store] { return store->catalogMaxIndex(false); },
        [c, store, name, filter] {
            Headers headers;
            c->addQueryMeta(headers, store->catalogMaxIndex(false), true);
            const NodeRec *n = store->node(name);
            if (!n || !c->acl("node", Acl::Access::Read, name)) {
                filteredHeader(c, headers, n != nullptr);
                c->replyJson(OJson(nullptr), 200, std::move(headers));
                return;
            }
            OJson out = OJson::object();
            out["Node"] = JsonRender::node(*n);
            OJson services = OJson::object();
            bool filtered = false;
            for (const ServiceRec *s : store->servicesOfNode(name)) {
                if (!c->acl("service", Acl::Access::Read, s->name)) {
                    filtered = true;
                    continue;
                }
                OJson item = JsonRender::nodeService(*s);
                if (filter && !filter->matches(item))
                    continue;
                services[s->id] = std::move(item);
            }
            out["Services"] = std::move(services);
            filteredHeader(c, headers, filtered);
            c->replyJson(out, 200, std::move(headers));
        });
}

void healthService(const CallPtr &c)
{
    if (!parseRead(c))
        return;
    const std::string name = c->suffix;
    if (name.empty()) {
        c->replyText(400, "Missing service name");
        return;
    }
    bool passingOnly = false;
    if (c->req.query.has("passing")) {
        const std::string v = c->req.query.get("passing");
        if (v.empty()) {
            passingOnly = true;
        } else if (const auto b = parseGoBool(v)) {
            passingOnly = *b;
        } else {
            c->replyText(400, "Invalid value for ?passing");
            return;
        }
    }
    if (!c->rpc())
        return;
    std::optional<BexprFilter> filter;
    if (!c->compileFilter(BexprFilter::checkServiceNodeSchema(), &filter))
        return;
    const auto meta = nodeMetaFilter(c);
    const auto tags = c->req.query.all("tag");
    StateStore *store = c->ctx.store;
    c->block(
        Topic::Catalog, {}, [store, name] { return store->serviceIndex(name, true); },
        [c, store, name, filter, meta, tags, passingOnly] {
            OJson out = OJson::array();
            bool filtered = false;
            for (const ServiceRec *s : store->serviceInstances(name)) {
                const NodeRec *n = store->node(s->node);
                if (!n || !metaMatches(*n, meta) || !hasAllTags(*s, tags))
                    continue;
                if (!c->acl("node", Acl::Access::Read, n->name) || !c->acl("service", Acl::Access::Read, s->name)) {
                    filtered = true;
                    continue;
                }
                OJson checks = OJson::array();
                bool allPassing = true;
                // Node-level checks first, then the instance's own: Consul's parseCheckServiceNodes.
                for (const CheckRec *ck : store->checksOfNode(n->name)) {
                    if (!ck->serviceId.empty())
                        continue;
                    allPassing = allPassing && ck->status == "passing";
                    checks.push_back(JsonRender::healthCheck(*ck));
                }
                for (const CheckRec *ck : store->checksOfNode(n->name)) {
                    if (ck->serviceId != s->id)
                        continue;
                    allPassing = allPassing && ck->status == "passing";
                    checks.push_back(JsonRender::healthCheck(*ck));
                }
                if (passingOnly && !allPassing)
                    continue;
                OJson entry = OJson::object();
                entry["Node"] = JsonRender::node(*n);
                entry["Service"] = JsonRender::nodeService(*s);
                entry["Checks"] = std::move(checks);
                if (filter && !filter->matches(entry))
                    continue;
                out.push_back(std::move(entry));
            }
            Headers headers;
            c->addQueryMeta(headers, store->serviceIndex(name, true), true);
            headers.emplace_back("X-Consul-Query-Backend", "blocking-query");
            filteredHeader(c, headers, filtered);
            c->replyJson(out, 200, std::move(headers));
        });
}

namespace {

void checkList(const CallPtr &c, std::function<bool(const CheckRec &)> select)
{
    if (!c->rpc())
        return;
    std::optional<BexprFilter> filter;
    if (!c->compileFilter(BexprFilter::healthCheckSchema(), &filter))
        return;
    const auto meta = nodeMetaFilter(c);
    StateStore *store = c->ctx.store;
    c->block(
        Topic::Catalog, {}, [store] { return store->tableIndex(StateStore::Table::Checks); },
        [c, store, filter, meta, select] {
            OJson out = OJson::array();
            bool filtered = false;
            for (const auto &[key, ck] : store->checks()) {
                if (!select(ck))
                    continue;
                if (!meta.empty()) {
                    const NodeRec *n = store->node(ck.node);
                    if (!n || !metaMatches(*n, meta))
                        continue;
                }
                if (!canSeeCheck(c, ck)) {
                    filtered = true;
                    continue;
                }
                OJson item = JsonRender::healthCheck(ck);
                if (filter && !filter->matches(item))
                    continue;
                out.push_back(std::move(item));
            }
            Headers headers;
            c->addQueryMeta(headers, store->tableIndex(StateStore::Table::Checks), true);
            filteredHeader(c, headers, filtered);
            c->replyJson(out, 200, std::move(headers));
        });
}

} // namespace

void healthNode(const CallPtr &c)
{
    if (!parseRead(c))
        return;
    const std::string name = c->suffix;
    if (name.empty()) {
        c->replyText(400, "Missing node name");
        return;
    }
    checkList(c, [name](const CheckRec &ck) { return ck.node == name; });
}

void healthChecks(const CallPtr &c)
{
    if (!parseRead(c))
        return;
    const std::string name = c->suffix;
    if (name.empty()) {
        c->replyText(400, "Missing service name");
        return;
    }
    checkList(c, [name](const CheckRec &ck) { return !ck.serviceId.empty() && ck.serviceName == name; });
}

void healthState(const CallPtr &c)
{
    if (!parseRead(c))
        return;
    const std::string state = c->suffix;
    if (state.empty()) {
        c->replyText(400, "Missing check state");
        return;
    }
    checkList(c, [state](const CheckRec &ck) { return state == "any" || ck.status == state; });
}

void statusLeader(const CallPtr &c)
{
    const Agent *unused = c->agent;
    (void)unused;
    const NodeRec *server = c->ctx.store->node(c->ctx.config->serverNode);
    c->replyJson(OJson((server ? server->address : std::string("127.0.0.1")) + ":8300"));
}

void statusPeers(const CallPtr &c)
{
    const NodeRec *server = c->ctx.store->node(c->ctx.config->serverNode);
    OJson out = OJson::array();
    out.push_back((server ? server->address : std::string("127.0.0.1")) + ":8300");
    c->replyJson(out);
}

} // namespace Baton::ConsulSim::CatalogApi
