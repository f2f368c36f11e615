#include "core/base/boundedjson.h"
#include "tools/consul-sim/agent.h"
#include "tools/consul-sim/endpoints.h"
#include "tools/consul-sim/httplistener.h"

namespace Baton::ConsulSim::SimControl {

namespace {

std::vector<std::string> split(const std::string &path)
{
    std::vector<std::string> parts;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        const auto slash = path.find('/', pos);
        parts.push_back(path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos));
        if (slash == std::string::npos)
            break;
        pos = slash + 1;
    }
    return parts;
}

const char *modeName(HttpListener::Mode m)
{
    switch (m) {
    case HttpListener::Mode::Serving:
        return "serving";
    case HttpListener::Mode::Refusing:
        return "refuse";
    case HttpListener::Mode::Hanging:
        return "hang";
    }
    return "serving";
}

void ok(const CallPtr &c, bool close = false)
{
    OJson out = OJson::object();
    out["ok"] = true;
    HttpResponse r = HttpResponse::json(JsonRender::dump(out, c->pretty));
    r.closeAfter = close;
    c->reply(std::move(r));
}

void status(const CallPtr &c)
{
    OJson nodes = OJson::object();
    for (const auto &[name, agent] : c->ctx.agents) {
        OJson n = OJson::object();
        n["alive"] = agent->alive();
        const HttpListener *l = c->ctx.listeners.at(name);
        n["agent"] = modeName(l->mode());
        n["url"] = l->url().toStdString();
        n["maintenance"] = agent->inNodeMaintenance();
        nodes[name] = std::move(n);
    }
    OJson out = OJson::object();
    out["datacenter"] = c->ctx.config->datacenter;
    out["index"] = c->ctx.store->currentIndex();
    out["blocking_queries"] = c->ctx.blocking->waiting();
    out["sessions"] = c->ctx.store->sessions().size();
    out["kv_keys"] = c->ctx.store->kv().size();
    out["tombstones"] = c->ctx.store->tombstoneCount();
    out["nodes"] = std::move(nodes);
    c->replyJson(out);
}

bool parseMode(const std::string &text, HttpListener::Mode *mode)
{
    if (text == "refuse")
        *mode = HttpListener::Mode::Refusing;
    else if (text == "hang")
        *mode = HttpListener::Mode::Hanging;
    else if (text == "serve" || text == "keep")
        *mode = HttpListener::Mode::Serving;
    else
        return false;
    return true;
}

bool setMode(const CallPtr &c, const std::string &node, HttpListener::Mode mode)
{
    QString error;
    if (!c->ctx.listeners.at(node)->setMode(mode, &error, c->connection().data())) {
        c->replyText(500, error.toStdString());
        return false;
    }
    return true;
}

} // namespace

void handle(const CallPtr &c)
{
    const std::vector<std::string> parts = split(c->suffix);
    const QByteArray &method = c->req.method;
    const bool read = method == "GET";
    const bool write = method == "PUT" || method == "POST";
    if (parts.empty() || (parts.size() == 1 && parts[0].empty())) {
        if (!read) {
            HttpResponse r = HttpResponse::text(405, "method " + method + " not allowed");
            r.setHeader("Allow", "GET");
            c->reply(std::move(r));
            return;
        }
        status(c);
        return;
    }
    if (!write) {
        HttpResponse r = HttpResponse::text(405, "method " + method + " not allowed");
        r.setHeader("Allow", "PUT,POST");
        c->reply(std::move(r));
        return;
    }
    auto agentOf = [&](const std::string &name) -> Agent * {
        const auto it = c->ctx.agents.find(name);
        if (it == c->ctx.agents.end()) {
            c->replyText(404, "no node named \"" + name + "\"");
            return nullptr;
        }
        return it->second;
    };

    // /_sim/node/<node>/kill[?agent=refuse|hang|keep], /_sim/node/<node>/revive
    if (parts.size() == 3 && parts[0] == "node") {
        Agent *agent = agentOf(parts[1]);
        if (!agent)
            return;
        if (parts[2] == "kill") {
            HttpListener::Mode mode = HttpListener::Mode::Refusing;
            if (c->req.query.has("agent") && !parseMode(c->req.query.get("agent"), &mode)) {
                c->replyText(400, "agent must be refuse, hang or keep");
                return;
            }
            agent->kill();
            if (!setMode(c, parts[1], mode))
                return;
            ok(c, true);
            return;
        }
        if (parts[2] == "revive") {
            if (!setMode(c, parts[1], HttpListener::Mode::Serving))
                return;
            agent->revive();
            ok(c);
            return;
        }
    }
    // /_sim/agent/<node>/unreachable[?mode=hang|refuse], /_sim/agent/<node>/reachable
    if (parts.size() == 3 && parts[0] == "agent") {
        if (!agentOf(parts[1]))
            return;
        if (parts[2] == "unreachable") {
            HttpListener::Mode mode = HttpListener::Mode::Hanging;
            if (c->req.query.has("mode")
                && (!parseMode(c->req.query.get("mode"), &mode) || mode == HttpListener::Mode::Serving)) {
                c->replyText(400, "mode must be hang or refuse");
                return;
            }
            if (!setMode(c, parts[1], mode))
                return;
            ok(c, true);
            return;
        }
        if (parts[2] == "reachable") {
            if (!setMode(c, parts[1], HttpListener::Mode::Serving))
                return;
            ok(c);
            return;
        }
    }
    // /_sim/check/<node>/<check-id>?status=…[&output=…], or a JSON body {"Status": …, "Output": …}
    if (parts.size() >= 3 && parts[0] == "check") {
        Agent *agent = agentOf(parts[1]);
        if (!agent)
            return;
        std::string checkId = parts[2];
        for (std::size_t i = 3; i < parts.size(); ++i)
            checkId += "/" + parts[i];
        std::string statusText = c->req.query.get("status");
        std::optional<std::string> output;
        if (c->req.query.has("output"))
            output = c->req.query.get("output");
        if (!c->req.body.isEmpty()) {
            auto body = parseJsonBounded(c->req.body, JsonLimits { 1024u * 1024u, 8 });
            if (!body || !body->is_object()) {
                c->replyText(400, "body must be a JSON object {\"Status\": …, \"Output\": …}");
                return;
            }
            if (body->contains("Status") && (*body)["Status"].is_string())
                statusText = (*body)["Status"].get<std::string>();
            if (body->contains("Output") && (*body)["Output"].is_string())
                output = (*body)["Output"].get<std::string>();
        }
        switch (agent->forceCheck(checkId, statusText, output)) {
        case Agent::UpdateResult::Ok:
            ok(c);
            return;
        case Agent::UpdateResult::InvalidStatus:
            c->replyText(400, "status must be passing, warning or critical");
            return;
        default:
            c->replyText(404, "no check \"" + checkId + "\" on node \"" + parts[1] + "\"");
            return;
        }
    }
    // /_sim/session/<id>/invalidate: as if its TTL ran out or its node check failed.
    if (parts.size() == 3 && parts[0] == "session" && parts[2] == "invalidate") {
        if (!c->ctx.store->session(parts[1])) {
            c->replyText(404, "no session \"" + parts[1] + "\"");
            return;
        }
        c->ctx.store->destroySession(parts[1]);
        ok(c);
        return;
    }
    c->replyText(404, "unknown /_sim/ control; see docs/consul-sim.md");
}

} // namespace Baton::ConsulSim::SimControl
