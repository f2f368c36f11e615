#include "core/consul/consuldecode.h"

#include "core/base/boundedjson.h"
#include "core/base/jsonfields.h"

#include <algorithm>
#include <limits>

namespace Baton::ConsulDecode {

using nlohmann::json;
using namespace JsonFields;

namespace {

Error decodeError(const QString &message)
{
    return Error::make(Error::Kind::Decode, message);
}

// Prefixes an error with where it happened ("health/service entry 3: …") so an operator can find the field.
Error within(const QString &where, const Error &e)
{
    return Error::make(e.kind, QStringLiteral("%1: %2").arg(where, e.message), e.httpStatus);
}

Error notA(const char *what, const char *expected, const json &got)
{
    return decodeError(QStringLiteral("%1 must be %2, got %3")
                           .arg(QString::fromUtf8(what), QString::fromUtf8(expected), typeName(got)));
}

Result<QString> stringOr(const json &o, const char *key, const QString &fallback = {})
{
    BATON_TRY(v, optionalString(o, key));
    return v ? *v : fallback;
}

Result<quint64> uintOr(const json &o, const char *key, quint64 fallback = 0)
{
    BATON_TRY(v, optionalUInt(o, key));
    return v ? quint64(*v) : fallback;
}

Result<bool> boolOr(const json &o, const char *key, bool fallback = false)
{
    BATON_TRY(v, optionalBool(o, key));
    return v ? *v : fallback;
}

Result<int> intOr(const json &o, const char *key, int fallback = 0)
{
    BATON_TRY(v, optionalInt(o, key));
    if (!v)
        return fallback;
    if (*v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max())
        return fail(decodeError(QStringLiteral("field \"%1\" is out of range").arg(QString::fromUtf8(key))));
    return int(*v);
}

const json *member(const json &o, const char *key)
{
    if (!o.is_object())
        return nullptr;
    const auto it = o.find(key);
    if (it == o.end() || it->is_null())
        return nullptr;
    return &*it;
}

// A Go map[string]string; missing or null gives an empty map.
Result<Consul::StringMap> stringMap(const json &o, const char *key)
{
    Consul::StringMap out;
    const json *m = member(o, key);
    if (!m)
        return out;
    if (!m->is_object())
        return fail(notA(key, "an object of strings", *m));
    for (auto it = m->begin(); it != m->end(); ++it) {
        if (!it.value().is_string()) {
            return fail(
                decodeError(QStringLiteral("field \"%1\" entry \"%2\" must be a string, got %3")
                                .arg(QString::fromUtf8(key), toQString(it.key()).left(64), typeName(it.value()))));
        }
        out.insert(toQString(it.key()), toQString(it.value().get_ref<const std::string &>()));
    }
    return out;
}

template<typename T, typename F> Result<QList<T>> listOf(const json &j, const char *what, F decodeOne)
{
    if (!j.is_array())
        return fail(notA(what, "an array", j));
    QList<T> out;
    out.reserve(qsizetype(j.size()));
    int i = 0;
    for (const json &item : j) {
        auto r = decodeOne(item);
        if (!r)
            return fail(within(QStringLiteral("%1 entry %2").arg(QString::fromUtf8(what)).arg(i), r.error()));
        out.append(std::move(*r));
        ++i;
    }
    return out;
}

template<typename T, typename F> Result<QMap<QString, T>> mapOf(const json &j, const char *what, F decodeOne)
{
    if (!j.is_object())
        return fail(notA(what, "an object", j));
    QMap<QString, T> out;
    for (auto it = j.begin(); it != j.end(); ++it) {
        auto r = decodeOne(it.value());
        if (!r)
            return fail(within(
                QStringLiteral("%1 \"%2\"").arg(QString::fromUtf8(what), toQString(it.key()).left(64)), r.error()));
        out.insert(toQString(it.key()), std::move(*r));
    }
    return out;
}

Result<QMap<QString, Consul::ServiceAddress>> serviceAddresses(const json &o, const char *key)
{
    QMap<QString, Consul::ServiceAddress> out;
    const json *m = member(o, key);
    if (!m)
        return out;
    if (!m->is_object())
        return fail(notA(key, "an object", *m));
    for (auto it = m->begin(); it != m->end(); ++it) {
        const json &a = it.value();
        if (!a.is_object())
            return fail(notA(key, "an object of {address, port}", a));
        Consul::ServiceAddress sa;
        BATON_TRY(address, stringOr(a, "address"));
        BATON_TRY(port, intOr(a, "port"));
        sa.address = address;
        sa.port = port;
        out.insert(toQString(it.key()), sa);
    }
    return out;
}

Result<void> weights(const json &o, const char *key, Consul::Service &s)
{
    const json *w = member(o, key);
    if (!w)
        return {};
    if (!w->is_object())
        return fail(notA(key, "an object", *w));
    BATON_TRY(passing, intOr(*w, "Passing", 1));
    BATON_TRY(warning, intOr(*w, "Warning", 1));
    s.weightPassing = passing;
    s.weightWarning = warning;
    return {};
}

QStringList sortedUnique(QStringList list)
{
    list.sort();
    list.erase(std::unique(list.begin(), list.end()), list.end());
    return list;
}

Result<QByteArray> base64Value(const json &o)
{
    const json *v = member(o, "Value");
    if (!v)
        return QByteArray();
    if (!v->is_string())
        return fail(notA("Value", "a base64 string", *v));
    const std::string &text = v->get_ref<const std::string &>();
    auto decoded = QByteArray::fromBase64Encoding(
        QByteArray::fromRawData(text.data(), qsizetype(text.size())), QByteArray::AbortOnBase64DecodingErrors);
    if (decoded.decodingStatus != QByteArray::Base64DecodingStatus::Ok)
        return fail(decodeError(QStringLiteral("field \"Value\" is not valid base64")));
    return std::move(decoded.decoded);
}

} // namespace

Result<json> parse(const QByteArray &body, const JsonLimits &limits)
{
    return parseJsonBounded(body, limits);
}

// The node part of an object: health entries and /catalog/nodes use "Meta", the flattened ServiceNode of
// /catalog/service uses "NodeMeta".
static Result<Consul::Node> nodeWithMeta(const json &j, const char *metaKey)
{
    if (!j.is_object())
        return fail(notA("node", "an object", j));
    Consul::Node n;
    BATON_TRY(name, requireString(j, "Node"));
    BATON_TRY(id, stringOr(j, "ID"));
    BATON_TRY(address, stringOr(j, "Address"));
    BATON_TRY(dc, stringOr(j, "Datacenter"));
    BATON_TRY(tagged, stringMap(j, "TaggedAddresses"));
    BATON_TRY(meta, stringMap(j, metaKey));
    n.name = name;
    n.id = id;
    n.address = address;
    n.datacenter = dc;
    n.taggedAddresses = tagged;
    n.meta = meta;
    return n;
}

Result<Consul::Node> node(const json &j)
{
    BATON_TRY(n, nodeWithMeta(j, "Meta"));
    BATON_TRY(created, uintOr(j, "CreateIndex"));
    BATON_TRY(modified, uintOr(j, "ModifyIndex"));
    n.createIndex = created;
    n.modifyIndex = modified;
    return n;
}

Result<Consul::Service> service(const json &j)
{
    if (!j.is_object())
        return fail(notA("service", "an object", j));
    Consul::Service s;
    BATON_TRY(name, requireString(j, "Service"));
    BATON_TRY(id, stringOr(j, "ID", name));
    BATON_TRY(kind, stringOr(j, "Kind"));
    BATON_TRY(tags, optionalStringList(j, "Tags"));
    BATON_TRY(meta, stringMap(j, "Meta"));
    BATON_TRY(address, stringOr(j, "Address"));
    BATON_TRY(port, intOr(j, "Port"));
    BATON_TRY(tagged, serviceAddresses(j, "TaggedAddresses"));
    BATON_TRY(override_, boolOr(j, "EnableTagOverride"));
    BATON_TRY(dc, stringOr(j, "Datacenter"));
    BATON_TRY(created, uintOr(j, "CreateIndex"));
    BATON_TRY(modified, uintOr(j, "ModifyIndex"));
    s.id = id;
    s.name = name;
    s.kind = kind;
    s.tags = tags;
    s.meta = meta;
    s.address = address;
    s.port = port;
    s.taggedAddresses = tagged;
    s.enableTagOverride = override_;
    s.datacenter = dc;
    s.createIndex = created;
    s.modifyIndex = modified;
    if (auto w = weights(j, "Weights", s); !w)
        return fail(w.error());
    return s;
}

Result<Consul::HealthCheck> healthCheck(const json &j)
{
    if (!j.is_object())
        return fail(notA("check", "an object", j));
    Consul::HealthCheck c;
    BATON_TRY(checkId, requireString(j, "CheckID"));
    BATON_TRY(status, requireString(j, "Status"));
    BATON_TRY(nodeName, stringOr(j, "Node"));
    BATON_TRY(name, stringOr(j, "Name"));
    BATON_TRY(notes, stringOr(j, "Notes"));
    BATON_TRY(output, stringOr(j, "Output"));
    BATON_TRY(serviceId, stringOr(j, "ServiceID"));
    BATON_TRY(serviceName, stringOr(j, "ServiceName"));
    BATON_TRY(serviceTags, optionalStringList(j, "ServiceTags"));
    BATON_TRY(type, stringOr(j, "Type"));
    BATON_TRY(interval, stringOr(j, "Interval"));
    BATON_TRY(timeout, stringOr(j, "Timeout"));
    BATON_TRY(created, uintOr(j, "CreateIndex"));
    BATON_TRY(modified, uintOr(j, "ModifyIndex"));
    c.checkId = checkId;
    c.statusText = status;
    c.status = Consul::checkStatusFromWire(status);
    c.node = nodeName;
    c.name = name;
    c.notes = notes;
    c.output = output;
    c.serviceId = serviceId;
    c.serviceName = serviceName;
    c.serviceTags = serviceTags;
    c.type = type;
    c.interval = interval;
    c.timeout = timeout;
    c.createIndex = created;
    c.modifyIndex = modified;
    return c;
}

Result<Consul::KvEntry> kvEntry(const json &j)
{
    if (!j.is_object())
        return fail(notA("KV entry", "an object", j));
    Consul::KvEntry e;
    BATON_TRY(key, requireString(j, "Key"));
    BATON_TRY(flags, uintOr(j, "Flags"));
    BATON_TRY(value, base64Value(j));
    BATON_TRY(sessionId, stringOr(j, "Session"));
    BATON_TRY(lockIndex, uintOr(j, "LockIndex"));
    BATON_TRY(created, uintOr(j, "CreateIndex"));
    BATON_TRY(modified, uintOr(j, "ModifyIndex"));
    e.key = key;
    e.flags = flags;
    e.value = value;
    e.session = sessionId;
    e.lockIndex = lockIndex;
    e.createIndex = created;
    e.modifyIndex = modified;
    return e;
}

Result<Consul::Session> session(const json &j)
{
    if (!j.is_object())
        return fail(notA("session", "an object", j));
    Consul::Session s;
    BATON_TRY(id, requireString(j, "ID"));
    BATON_TRY(name, stringOr(j, "Name"));
    BATON_TRY(nodeName, stringOr(j, "Node"));
    BATON_TRY(lockDelay, optionalInt(j, "LockDelay"));
    BATON_TRY(behavior, stringOr(j, "Behavior", QStringLiteral("release")));
    BATON_TRY(ttl, stringOr(j, "TTL"));
    BATON_TRY(created, uintOr(j, "CreateIndex"));
    BATON_TRY(modified, uintOr(j, "ModifyIndex"));
    s.id = id;
    s.name = name;
    s.node = nodeName;
    s.lockDelayNs = lockDelay.value_or(0);
    if (behavior == u"release" || behavior.isEmpty())
        s.behavior = Consul::SessionBehavior::Release;
    else if (behavior == u"delete")
        s.behavior = Consul::SessionBehavior::Delete;
    else
        return fail(
            decodeError(QStringLiteral("field \"Behavior\" is \"%1\", not release or delete").arg(behavior.left(32))));
    s.ttl = ttl;
    if (!ttl.isEmpty()) {
        const auto ms = Consul::parseGoDurationMs(ttl);
        if (!ms)
            return fail(decodeError(QStringLiteral("field \"TTL\" is not a duration: \"%1\"").arg(ttl.left(32))));
        s.ttlMs = *ms;
    }
    // NodeChecks (1.7+) replaces Checks; older servers only send Checks.
    if (member(j, "NodeChecks")) {
        BATON_TRY(checks, optionalStringList(j, "NodeChecks"));
        s.nodeChecks = checks;
    } else {
        BATON_TRY(checks, optionalStringList(j, "Checks"));
        s.nodeChecks = checks;
    }
    if (const json *sc = member(j, "ServiceChecks")) {
        if (!sc->is_array())
            return fail(notA("ServiceChecks", "an array", *sc));
        for (const json &c : *sc) {
            if (!c.is_object())
                return fail(notA("ServiceChecks entry", "an object", c));
            BATON_TRY(checkId, requireString(c, "ID"));
            s.serviceChecks.append(checkId);
        }
    }
    s.createIndex = created;
    s.modifyIndex = modified;
    return s;
}

Result<Consul::CatalogServices> catalogServices(const json &j)
{
    return mapOf<QStringList>(j, "catalog services", [](const json &tags) -> Result<QStringList> {
        if (tags.is_null())
            return QStringList();
        if (!tags.is_array())
            return fail(notA("tags", "an array of strings", tags));
        QStringList out;
        for (const json &t : tags) {
            if (!t.is_string())
                return fail(notA("tag", "a string", t));
            out.append(toQString(t.get_ref<const std::string &>()));
        }
        return sortedUnique(out);
    });
}

Result<QList<Consul::CatalogService>> catalogService(const json &j)
{
    return listOf<Consul::CatalogService>(j, "catalog service", [](const json &e) -> Result<Consul::CatalogService> {
        if (!e.is_object())
            return fail(notA("entry", "an object", e));
        Consul::CatalogService cs;
        BATON_TRY(n, nodeWithMeta(e, "NodeMeta"));
        cs.node = n;
        Consul::Service &s = cs.service;
        BATON_TRY(name, requireString(e, "ServiceName"));
        BATON_TRY(id, stringOr(e, "ServiceID", name));
        BATON_TRY(kind, stringOr(e, "ServiceKind"));
        BATON_TRY(tags, optionalStringList(e, "ServiceTags"));
        BATON_TRY(meta, stringMap(e, "ServiceMeta"));
        BATON_TRY(address, stringOr(e, "ServiceAddress"));
        BATON_TRY(port, intOr(e, "ServicePort"));
        BATON_TRY(tagged, serviceAddresses(e, "ServiceTaggedAddresses"));
        BATON_TRY(override_, boolOr(e, "ServiceEnableTagOverride"));
        BATON_TRY(created, uintOr(e, "CreateIndex"));
        BATON_TRY(modified, uintOr(e, "ModifyIndex"));
        s.name = name;
        s.id = id;
        s.kind = kind;
        s.tags = tags;
        s.meta = meta;
        s.address = address;
        s.port = port;
        s.taggedAddresses = tagged;
        s.enableTagOverride = override_;
        s.datacenter = n.datacenter;
        s.createIndex = created;
        s.modifyIndex = modified;
        if (auto w = weights(e, "ServiceWeights", s); !w)
            return fail(w.error());
        return cs;
    });
}

Result<QList<Consul::Node>> catalogNodes(const json &j)
{
    return listOf<Consul::Node>(j, "catalog nodes", [](const json &e) { return node(e); });
}

Result<std::optional<Consul::CatalogNode>> catalogNode(const json &j)
{
    if (j.is_null())
        return std::optional<Consul::CatalogNode>();
    if (!j.is_object())
        return fail(notA("catalog node", "an object or null", j));
    Consul::CatalogNode cn;
    const json *n = member(j, "Node");
    if (!n)
        return fail(decodeError(QStringLiteral("catalog node: missing field \"Node\"")));
    auto decodedNode = node(*n);
    if (!decodedNode)
        return fail(within(QStringLiteral("catalog node"), decodedNode.error()));
    cn.node = *decodedNode;
    if (const json *services = member(j, "Services")) {
        // /catalog/node gives a map by ID; /catalog/node-services gives an array. Accept both.
        if (services->is_array()) {
            BATON_TRY(list, listOf<Consul::Service>(*services, "Services", [](const json &e) { return service(e); }));
            for (const Consul::Service &s : list)
                cn.services.insert(s.id, s);
        } else {
            BATON_TRY(map, mapOf<Consul::Service>(*services, "Services", [](const json &e) { return service(e); }));
            cn.services = map;
        }
    }
    return std::optional<Consul::CatalogNode>(std::move(cn));
}

Result<QList<Consul::ServiceHealth>> healthService(const json &j)
{
    return listOf<Consul::ServiceHealth>(j, "health service", [](const json &e) -> Result<Consul::ServiceHealth> {
        if (!e.is_object())
            return fail(notA("entry", "an object", e));
        Consul::ServiceHealth h;
        const json *n = member(e, "Node");
        if (!n)
            return fail(decodeError(QStringLiteral("missing field \"Node\"")));
        const json *s = member(e, "Service");
        if (!s)
            return fail(decodeError(QStringLiteral("missing field \"Service\"")));
        auto decodedNode = node(*n);
        if (!decodedNode)
            return fail(within(QStringLiteral("Node"), decodedNode.error()));
        auto decodedService = service(*s);
        if (!decodedService)
            return fail(within(QStringLiteral("Service"), decodedService.error()));
        h.node = std::move(*decodedNode);
        h.service = std::move(*decodedService);
        if (const json *checks = member(e, "Checks")) {
            BATON_TRY(list, healthChecks(*checks));
            h.checks = std::move(list);
        }
        return h;
    });
}

Result<QList<Consul::HealthCheck>> healthChecks(const json &j)
{
    return listOf<Consul::HealthCheck>(j, "checks", [](const json &e) { return healthCheck(e); });
}

Result<QList<Consul::KvEntry>> kvEntries(const json &j)
{
    return listOf<Consul::KvEntry>(j, "KV", [](const json &e) { return kvEntry(e); });
}

Result<std::optional<Consul::KvEntry>> kvSingle(const json &j)
{
    if (j.is_null())
        return std::optional<Consul::KvEntry>();
    BATON_TRY(list, kvEntries(j));
    if (list.isEmpty())
        return std::optional<Consul::KvEntry>();
    if (list.size() != 1)
        return fail(decodeError(QStringLiteral("KV: expected one entry, got %1").arg(list.size())));
    return std::optional<Consul::KvEntry>(list.first());
}

Result<QStringList> kvKeys(const json &j)
{
    if (j.is_null())
        return QStringList();
    return listOf<QString>(j, "KV keys", [](const json &e) -> Result<QString> {
        if (!e.is_string())
            return fail(notA("key", "a string", e));
        return toQString(e.get_ref<const std::string &>());
    });
}

Result<bool> boolean(const json &j)
{
    if (!j.is_boolean())
        return fail(notA("answer", "true or false", j));
    return j.get<bool>();
}

Result<QString> sessionCreated(const json &j)
{
    if (!j.is_object())
        return fail(notA("session create answer", "an object", j));
    BATON_TRY(id, requireString(j, "ID"));
    if (id.isEmpty())
        return fail(decodeError(QStringLiteral("session create answer has an empty ID")));
    return id;
}

Result<QList<Consul::Session>> sessions(const json &j)
{
    if (j.is_null())
        return QList<Consul::Session>();
    return listOf<Consul::Session>(j, "sessions", [](const json &e) { return session(e); });
}

Result<std::optional<Consul::Session>> sessionSingle(const json &j)
{
    BATON_TRY(list, sessions(j));
    if (list.isEmpty())
        return std::optional<Consul::Session>();
    if (list.size() != 1)
        return fail(decodeError(QStringLiteral("session: expected at most one entry, got %1").arg(list.size())));
    return std::optional<Consul::Session>(list.first());
}

Result<Consul::AgentSelf> agentSelf(const json &j)
{
    if (!j.is_object())
        return fail(notA("agent self", "an object", j));
    const json *config = member(j, "Config");
    if (!config || !config->is_object())
        return fail(decodeError(QStringLiteral("agent self: missing object \"Config\"")));
    Consul::AgentSelf a;
    BATON_TRY(nodeName, requireString(*config, "NodeName"));
    BATON_TRY(dc, stringOr(*config, "Datacenter"));
    BATON_TRY(nodeId, stringOr(*config, "NodeID"));
    BATON_TRY(version, stringOr(*config, "Version"));
    BATON_TRY(revision, stringOr(*config, "Revision"));
    BATON_TRY(server, boolOr(*config, "Server"));
    a.nodeName = nodeName;
    a.datacenter = dc;
    a.nodeId = nodeId;
    a.version = version;
    a.revision = revision;
    a.server = server;
    if (const json *m = member(j, "Member")) {
        if (!m->is_object())
            return fail(notA("Member", "an object", *m));
        BATON_TRY(addr, stringOr(*m, "Addr"));
        a.memberAddress = addr;
    }
    BATON_TRY(meta, stringMap(j, "Meta"));
    a.meta = meta;
    return a;
}

Result<Consul::AgentServices> agentServices(const json &j)
{
    return mapOf<Consul::Service>(j, "agent services", [](const json &e) { return service(e); });
}

Result<Consul::AgentChecks> agentChecks(const json &j)
{
    return mapOf<Consul::HealthCheck>(j, "agent checks", [](const json &e) { return healthCheck(e); });
}

Result<Consul::TxnResult> txnResult(const json &j)
{
    if (!j.is_object())
        return fail(notA("txn answer", "an object", j));
    Consul::TxnResult r;
    if (const json *results = member(j, "Results")) {
        if (!results->is_array())
            return fail(notA("Results", "an array", *results));
        int i = 0;
        for (const json &item : *results) {
            if (!item.is_object())
                return fail(notA("Results entry", "an object", item));
            // Node, Service and Check results exist too; Baton only issues KV ops.
            if (const json *kv = member(item, "KV")) {
                auto e = kvEntry(*kv);
                if (!e)
                    return fail(within(QStringLiteral("txn result %1").arg(i), e.error()));
                r.results.append(std::move(*e));
            }
            ++i;
        }
    }
    if (const json *errors = member(j, "Errors")) {
        if (!errors->is_array())
            return fail(notA("Errors", "an array", *errors));
        for (const json &item : *errors) {
            if (!item.is_object())
                return fail(notA("Errors entry", "an object", item));
            Consul::TxnError e;
            BATON_TRY(opIndex, intOr(item, "OpIndex"));
            BATON_TRY(what, stringOr(item, "What"));
            e.opIndex = opIndex;
            e.what = what;
            r.errors.append(e);
        }
    }
    r.committed = r.errors.isEmpty();
    return r;
}

Result<Consul::SemaphoreLock> semaphoreLock(const QByteArray &value)
{
    Consul::SemaphoreLock lock;
    if (value.trimmed().isEmpty())
        return lock;
    auto parsed = parseJsonBounded(value, JsonLimits { 1024u * 1024u, 8 });
    if (!parsed)
        return fail(within(QStringLiteral("semaphore .lock value"), parsed.error()));
    const json &j = *parsed;
    if (!j.is_object())
        return fail(notA("semaphore .lock value", "an object", j));
    BATON_TRY(limit, intOr(j, "Limit"));
    if (limit < 0)
        return fail(decodeError(QStringLiteral("semaphore .lock value: negative Limit")));
    lock.limit = limit;
    if (const json *holders = member(j, "Holders")) {
        if (!holders->is_object())
            return fail(notA("Holders", "an object", *holders));
        for (auto it = holders->begin(); it != holders->end(); ++it) {
            if (!it.value().is_boolean())
                return fail(notA("Holders entry", "a boolean", it.value()));
            if (it.value().get<bool>())
                lock.holders.append(toQString(it.key()));
        }
    }
    lock.holders.sort();
    return lock;
}

} // namespace Baton::ConsulDecode
