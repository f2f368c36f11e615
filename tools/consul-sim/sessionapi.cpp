#include "core/base/boundedjson.h"
#include "tools/consul-sim/agent.h"
#include "tools/consul-sim/endpoints.h"
#include "tools/consul-sim/goquote.h"

#include <QRandomGenerator>

namespace Baton::ConsulSim::SessionApi {

namespace {

using Topic = BlockingQueries::Topic;
using json = nlohmann::json;

// encoding/json matches object keys to struct fields without regard to case.
const json *field(const json &object, const char *name)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (qstricmp(it.key().c_str(), name) == 0)
            return &it.value();
    }
    return nullptr;
}

std::string jsonTypeName(const json &v)
{
    if (v.is_string())
        return "string";
    if (v.is_number())
        return "number";
    if (v.is_boolean())
        return "bool";
    if (v.is_array())
        return "array";
    if (v.is_object())
        return "object";
    return "null";
}

struct DecodeError
{
    std::string message;
};

std::string getString(const json &o, const char *name, const std::string &fallback)
{
    const json *v = field(o, name);
    if (!v || v->is_null())
        return fallback;
    if (!v->is_string())
        throw DecodeError { "json: cannot unmarshal " + jsonTypeName(*v) + " into Go struct field Session." + name
            + " of type string" };
    return v->get<std::string>();
}

std::optional<std::vector<std::string>> getStringList(const json &o, const char *name)
{
    const json *v = field(o, name);
    if (!v)
        return std::nullopt;
    std::vector<std::string> out;
    if (v->is_null())
        return out;
    if (!v->is_array())
        throw DecodeError { "json: cannot unmarshal " + jsonTypeName(*v) + " into Go struct field Session." + name
            + " of type []string" };
    for (const json &item : *v) {
        if (!item.is_string())
            throw DecodeError { "json: cannot unmarshal " + jsonTypeName(item) + " into Go struct field Session." + name
                + " of type string" };
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::string newSessionId()
{
    // Consul's uuid.GenerateUUID: 16 random bytes in 8-4-4-4-12 hex form, not an RFC 4122 UUID.
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    const QByteArray hex = QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex();
    return (hex.mid(0, 8) + '-' + hex.mid(8, 4) + '-' + hex.mid(12, 4) + '-' + hex.mid(16, 4) + '-' + hex.mid(20, 12))
        .toStdString();
}

std::optional<std::string> malformedId(const std::string &id)
{
    if (id.size() != 36)
        return std::string("failed session lookup: index error: UUID must be 36 characters");
    for (std::size_t i = 0; i < id.size(); ++i) {
        const char ch = id[i];
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? ch != '-' : !std::isxdigit(static_cast<unsigned char>(ch)))
            return std::string("failed session lookup: index error: UUID must be in 8-4-4-4-12 hex form");
    }
    return std::nullopt;
}

bool parseWriteOptions(const CallPtr &c)
{
    c->datacenter = c->req.query.get("dc");
    if (c->datacenter.empty())
        c->datacenter = c->ctx.config->datacenter;
    return true;
}

OJson sessionArray(const SessionRec *s)
{
    OJson out = OJson::array();
    if (s)
        out.push_back(JsonRender::session(*s));
    return out;
}

} // namespace

void create(const CallPtr &c)
{
    if (!parseWriteOptions(c))
        return;
    SessionRec s;
    s.node = c->agent ? c->agent->nodeName() : c->ctx.config->serverNode;
    s.nodeChecks = { "serfHealth" };
    s.checksAlias = { "serfHealth" };
    s.lockDelay = 15 * GoDuration::kSecond;
    s.behavior = "release";
    std::string ttlText;
    if (!c->req.body.isEmpty()) {
        auto parsed = parseJsonBounded(c->req.body, JsonLimits { 1024u * 1024u, 16 });
        if (!parsed) {
            c->replyText(400, "Request decode failed: " + parsed.error().message.toStdString());
            return;
        }
        const json &body = *parsed;
        try {
            if (!body.is_object() && !body.is_null())
                throw DecodeError { "json: cannot unmarshal " + jsonTypeName(body)
                    + " into Go value of type structs.Session" };
            if (body.is_object()) {
                s.name = getString(body, "Name", s.name);
                s.node = getString(body, "Node", s.node);
                s.behavior = getString(body, "Behavior", s.behavior);
                ttlText = getString(body, "TTL", "");
                if (const json *ld = field(body, "LockDelay"); ld && !ld->is_null()) {
                    Nanos delay = 0;
                    if (ld->is_string()) {
                        std::string err;
                        const auto d = GoDuration::parse(ld->get<std::string>(), &err);
                        if (!d)
                            throw DecodeError { err };
                        delay = *d;
                    } else if (ld->is_number()) {
                        delay = Nanos(ld->get<double>());
                    } else {
                        throw DecodeError { "json: cannot unmarshal " + jsonTypeName(*ld)
                            + " into Go struct field Session.LockDelay of type time.Duration" };
                    }
                    // Consul's FixupLockDelay: below 1000 the number is taken as seconds.
                    if (delay < 1000)
                        delay *= GoDuration::kSecond;
                    s.lockDelay = delay;
                }
                const auto checks = getStringList(body, "Checks");
                const auto nodeChecks = getStringList(body, "NodeChecks");
                if (const json *sc = field(body, "ServiceChecks"); sc && !sc->is_null()) {
                    if (!sc->is_array())
                        throw DecodeError { "json: cannot unmarshal " + jsonTypeName(*sc)
                            + " into Go struct field Session.ServiceChecks of type []structs.ServiceCheck" };
                    for (const json &item : *sc) {
                        if (!item.is_object())
                            throw DecodeError { "json: cannot unmarshal " + jsonTypeName(item)
                                + " into Go struct field Session.ServiceChecks of type structs.ServiceCheck" };
                        const json *id = field(item, "ID");
                        if (id && !id->is_string())
                            throw DecodeError { "json: cannot unmarshal " + jsonTypeName(*id)
                                + " into Go struct field ServiceCheck.ServiceChecks.ID of type string" };
                        s.serviceChecks.push_back(id ? id->get<std::string>() : std::string());
                    }
                }
                // Consul's fixupEmptySessionChecks: an explicit empty Checks list means no checks at all; a
                // NodeChecks list replaces the default; the deprecated Checks list is carried into NodeChecks.
                if (nodeChecks) {
                    s.nodeChecks = *nodeChecks;
                    s.checksAlias = checks ? *checks : std::vector<std::string> {};
                } else if (checks) {
                    s.checksAlias = *checks;
                    s.nodeChecks = *checks;
                }
            }
        } catch (const DecodeError &e) {
            c->replyText(400, "Request decode failed: " + e.message);
            return;
        } catch (const json::exception &e) {
            c->replyText(400, std::string("Request decode failed: ") + e.what());
            return;
        }
    }
    if (!c->rpc())
        return;
    if (s.node.empty()) {
        c->replyText(500, "Must provide Node");
        return;
    }
    if (s.behavior.empty())
        s.behavior = "release";
    if (s.behavior != "release" && s.behavior != "delete") {
        c->replyText(500, "Invalid Behavior setting '" + s.behavior + "'");
        return;
    }
    Nanos ttl = 0;
    if (!ttlText.empty()) {
        std::string err;
        const auto d = GoDuration::parse(ttlText, &err);
        if (!d) {
            c->replyText(500, "Session TTL '" + ttlText + "' invalid: " + err);
            return;
        }
        const TimingConfig &t = c->ctx.config->timing;
        if (*d != 0 && (*d < t.sessionTtlMin || *d > t.sessionTtlMax)) {
            c->replyText(500,
                "Invalid Session TTL '" + std::to_string(*d) + "', must be between ["
                    + GoDuration::format(t.sessionTtlMin) + "=" + GoDuration::format(t.sessionTtlMax) + "]");
            return;
        }
        ttl = *d;
    }
    s.ttl = ttlText;
    if (!c->acl("session", Acl::Access::Write, s.node)) {
        c->denied("session", Acl::Access::Write, s.node);
        return;
    }
    do {
        s.id = newSessionId();
    } while (c->ctx.store->session(s.id));
    std::string error;
    const auto id = c->ctx.store->createSession(std::move(s), ttl, &error);
    if (!id) {
        c->replyText(500, error);
        return;
    }
    OJson out = OJson::object();
    out["ID"] = *id;
    c->replyJson(out);
}

void destroy(const CallPtr &c)
{
    if (!parseWriteOptions(c))
        return;
    const std::string id = c->suffix;
    if (id.empty()) {
        c->replyText(400, "Missing session");
        return;
    }
    if (!c->rpc())
        return;
    if (const auto bad = malformedId(id)) {
        c->replyText(500, *bad);
        return;
    }
    if (const SessionRec *s = c->ctx.store->session(id)) {
        if (!c->acl("session", Acl::Access::Write, s->node)) {
            c->denied("session", Acl::Access::Write, s->node);
            return;
        }
        c->ctx.store->destroySession(id);
    }
    c->replyJson(OJson(true));
}

void renew(const CallPtr &c)
{
    if (!parseWriteOptions(c))
        return;
    const std::string id = c->suffix;
    if (id.empty()) {
        c->replyText(400, "Missing session");
        return;
    }
    if (!c->rpc())
        return;
    if (const auto bad = malformedId(id)) {
        c->replyText(500, *bad);
        return;
    }
    const SessionRec *s = c->ctx.store->session(id);
    if (s && !c->acl("session", Acl::Access::Write, s->node)) {
        c->denied("session", Acl::Access::Write, s->node);
        return;
    }
    if (!s || !c->ctx.store->renewSession(id)) {
        c->replyText(404, "Session id '" + id + "' not found");
        return;
    }
    c->replyJson(sessionArray(c->ctx.store->session(id)));
}

void info(const CallPtr &c)
{
    if (!c->parseQueryOptions())
        return;
    const std::string id = c->suffix;
    if (id.empty()) {
        c->replyText(400, "Missing session");
        return;
    }
    if (!c->rpc())
        return;
    if (const auto bad = malformedId(id)) {
        c->replyText(500, *bad);
        return;
    }
    StateStore *store = c->ctx.store;
    c->block(
        Topic::Session, id, [store] { return store->tableIndex(StateStore::Table::Sessions); },
        [c, store, id] {
            const SessionRec *s = store->session(id);
            bool filtered = false;
            if (s && !c->acl("session", Acl::Access::Read, s->node)) {
                s = nullptr;
                filtered = true;
            }
            std::vector<std::pair<QByteArray, QByteArray>> headers;
            c->addQueryMeta(headers, store->tableIndex(StateStore::Table::Sessions), false);
            if (filtered && c->who.tokenSent)
                headers.emplace_back("X-Consul-Results-Filtered-By-Acls", "true");
            c->replyJson(sessionArray(s), 200, std::move(headers));
        });
}

namespace {

void listWhere(const CallPtr &c, const std::string &node, bool byNode)
{
    StateStore *store = c->ctx.store;
    c->block(
        Topic::AllSessions, {}, [store] { return store->tableIndex(StateStore::Table::Sessions); },
        [c, store, node, byNode] {
            OJson out = OJson::array();
            bool filtered = false;
            for (const auto &[id, s] : store->sessions()) {
                if (byNode && s.node != node)
                    continue;
                if (!c->acl("session", Acl::Access::Read, s.node)) {
                    filtered = true;
                    continue;
                }
                out.push_back(JsonRender::session(s));
            }
            std::vector<std::pair<QByteArray, QByteArray>> headers;
            c->addQueryMeta(headers, store->tableIndex(StateStore::Table::Sessions), false);
            if (filtered && c->who.tokenSent)
                headers.emplace_back("X-Consul-Results-Filtered-By-Acls", "true");
            c->replyJson(out, 200, std::move(headers));
        });
}

} // namespace

void list(const CallPtr &c)
{
    if (!c->parseQueryOptions() || !c->rpc())
        return;
    listWhere(c, {}, false);
}

void node(const CallPtr &c)
{
    if (!c->parseQueryOptions())
        return;
    if (c->suffix.empty()) {
        c->replyText(400, "Missing node name");
        return;
    }
    if (!c->rpc())
        return;
    listWhere(c, c->suffix, true);
}

} // namespace Baton::ConsulSim::SessionApi
