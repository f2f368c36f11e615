#include "tools/consul-sim/endpoints.h"
#include "tools/consul-sim/goquote.h"

namespace Baton::ConsulSim {

std::optional<std::uint64_t> parseUint64(const std::string &s, std::string *error)
{
    const bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) {
        *error = "strconv.ParseUint: parsing " + goQuote(s) + ": invalid syntax";
        return std::nullopt;
    }
    std::uint64_t v = 0;
    for (const char c : s) {
        const auto d = std::uint64_t(c - '0');
        if (v > (UINT64_MAX - d) / 10) {
            *error = "strconv.ParseUint: parsing " + goQuote(s) + ": value out of range";
            return std::nullopt;
        }
        v = v * 10 + d;
    }
    return v;
}

std::optional<bool> parseGoBool(const std::string &s)
{
    if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True")
        return true;
    if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False")
        return false;
    return std::nullopt;
}

namespace KvApi {

namespace {

using Topic = BlockingQueries::Topic;

// Consul's conflictingFlags(): a 400 whose body lists the whole query, with a trailing newline.
bool conflicting(const CallPtr &c, std::initializer_list<const char *> flags)
{
    bool found = false;
    for (const char *flag : flags) {
        if (c->req.query.has(flag)) {
            if (found) {
                c->replyText(400, "Conflicting flags: " + c->req.query.encode() + "\n");
                return true;
            }
            found = true;
        }
    }
    return false;
}

void replyNotFound(const CallPtr &c, std::uint64_t index)
{
    std::vector<std::pair<QByteArray, QByteArray>> headers;
    c->addQueryMeta(headers, index, false);
    HttpResponse r;
    r.status = 404;
    for (auto &[k, v] : headers)
        r.setHeader(k, v);
    c->reply(std::move(r));
}

void get(const CallPtr &c)
{
    const std::string key = c->suffix;
    const bool recurse = c->req.query.has("recurse");
    if (!recurse && key.empty()) {
        c->replyText(400, "Missing key name");
        return;
    }
    if (!c->rpc())
        return;
    StateStore *store = c->ctx.store;
    if (recurse) {
        if (c->ctx.acl->keyListPolicy() && !c->acl("key", Acl::Access::List, key)) {
            c->denied("key", Acl::Access::List, key);
            return;
        }
        c->block(
            Topic::KvPrefix, key, [store, key] { return store->kvListIndex(key); },
            [c, store, key] {
                const std::uint64_t index = store->kvListIndex(key);
                OJson out = OJson::array();
                bool filtered = false;
                for (const KvEntry *e : store->kvList(key)) {
                    if (!c->acl("key", Acl::Access::Read, e->key)) {
                        filtered = true;
                        continue;
                    }
                    out.push_back(JsonRender::dirEntry(*e));
                }
                std::vector<std::pair<QByteArray, QByteArray>> headers;
                c->addQueryMeta(headers, index, false);
                if (filtered && c->who.tokenSent)
                    headers.emplace_back("X-Consul-Results-Filtered-By-Acls", "true");
                if (out.empty()) {
                    HttpResponse r;
                    r.status = 404;
                    for (auto &[k, v] : headers)
                        r.setHeader(k, v);
                    c->reply(std::move(r));
                    return;
                }
                c->replyJson(out, 200, std::move(headers));
            });
        return;
    }
    if (!c->acl("key", Acl::Access::Read, key)) {
        c->denied("key", Acl::Access::Read, key);
        return;
    }
    c->block(
        Topic::KvKey, key, [store, key] { return store->kvGetIndex(key); },
        [c, store, key] {
            const KvEntry *e = store->kvGet(key);
            const std::uint64_t index = store->kvGetIndex(key);
            if (!e) {
                replyNotFound(c, index);
                return;
            }
            std::vector<std::pair<QByteArray, QByteArray>> headers;
            c->addQueryMeta(headers, index, false);
            if (c->req.query.has("raw")) {
                HttpResponse r;
                r.body = QByteArray::fromStdString(e->value);
                for (auto &[k, v] : headers)
                    r.setHeader(k, v);
                r.setHeader("Content-Type", "text/plain");
                r.setHeader("X-Content-Type-Options", "nosniff");
                r.setHeader("Content-Security-Policy", "sandbox");
                c->reply(std::move(r));
                return;
            }
            OJson out = OJson::array();
            out.push_back(JsonRender::dirEntry(*e));
            c->replyJson(out, 200, std::move(headers));
        });
}

void getKeys(const CallPtr &c)
{
    const std::string prefix = c->suffix;
    std::string sep;
    if (c->req.query.has("seperator"))
        sep = c->req.query.get("seperator");
    if (c->req.query.has("separator"))
        sep = c->req.query.get("separator");
    if (!c->rpc())
        return;
    if (c->ctx.acl->keyListPolicy() && !c->acl("key", Acl::Access::List, prefix)) {
        c->denied("key", Acl::Access::List, prefix);
        return;
    }
    StateStore *store = c->ctx.store;
    c->block(
        Topic::KvPrefix, prefix, [store, prefix] { return store->kvListIndex(prefix); },
        [c, store, prefix, sep] {
            const std::uint64_t index = store->kvListIndex(prefix);
            OJson out = OJson::array();
            bool filtered = false;
            for (const std::string &k : store->kvKeys(prefix, sep)) {
                if (!c->acl("key", Acl::Access::Read, k)) {
                    filtered = true;
                    continue;
                }
                out.push_back(k);
            }
            std::vector<std::pair<QByteArray, QByteArray>> headers;
            c->addQueryMeta(headers, index, false);
            if (filtered && c->who.tokenSent)
                headers.emplace_back("X-Consul-Results-Filtered-By-Acls", "true");
            if (out.empty() && !prefix.empty()) {
                HttpResponse r;
                r.status = 404;
                for (auto &[k, v] : headers)
                    r.setHeader(k, v);
                c->reply(std::move(r));
                return;
            }
            c->replyJson(out, 200, std::move(headers));
        });
}

enum class PutOp
{
    Set,
    Cas,
    Lock,
    Unlock
};

struct PutPlan
{
    KvEntry entry;
    PutOp op = PutOp::Set;
    std::uint64_t cas = 0;
};

// Everything Consul's KVSPut checks before it looks at the body, in its order. False when answered.
bool planPut(const CallPtr &c, PutPlan *plan)
{
    const std::string key = c->suffix;
    if (key.empty()) {
        c->replyText(400, "Missing key name");
        return false;
    }
    if (conflicting(c, { "cas", "acquire", "release" }))
        return false;
    const QueryParams &q = c->req.query;
    plan->entry.key = key;
    std::string error;
    if (q.has("flags")) {
        const auto flags = parseUint64(q.get("flags"), &error);
        if (!flags) {
            c->replyText(500, error);
            return false;
        }
        plan->entry.flags = *flags;
    }
    if (q.has("cas")) {
        const auto v = parseUint64(q.get("cas"), &error);
        if (!v) {
            c->replyText(500, error);
            return false;
        }
        plan->cas = *v;
        plan->op = PutOp::Cas;
    }
    if (q.has("acquire")) {
        plan->entry.session = q.get("acquire");
        plan->op = PutOp::Lock;
    }
    if (q.has("release")) {
        plan->entry.session = q.get("release");
        plan->op = PutOp::Unlock;
    }
    return true;
}

void put(const CallPtr &c)
{
    PutPlan plan;
    if (!planPut(c, &plan))
        return;
    const std::string key = plan.entry.key;
    const PutOp op = plan.op;
    const std::uint64_t cas = plan.cas;
    KvEntry entry = std::move(plan.entry);
    std::string error;
    entry.value = c->req.body.toStdString();
    if (!c->rpc())
        return;
    if (!c->acl("key", Acl::Access::Write, key)) {
        c->denied("key", Acl::Access::Write, key);
        return;
    }
    StateStore *store = c->ctx.store;
    const std::uint64_t idx = store->nextIndex();
    bool result = true;
    switch (op) {
    case PutOp::Set:
        store->kvSet(idx, std::move(entry));
        result = true;
        break;
    case PutOp::Cas:
        result = store->kvCas(idx, std::move(entry), cas);
        break;
    case PutOp::Lock:
        result = store->kvLock(idx, std::move(entry), &error);
        break;
    case PutOp::Unlock:
        result = store->kvUnlock(idx, std::move(entry), &error);
        break;
    }
    if (!error.empty()) {
        c->replyText(500, error);
        return;
    }
    c->replyJson(OJson(result));
}

void del(const CallPtr &c)
{
    const std::string key = c->suffix;
    if (conflicting(c, { "recurse", "cas" }))
        return;
    const QueryParams &q = c->req.query;
    const bool recurse = q.has("recurse");
    if (!recurse && key.empty()) {
        c->replyText(400, "Missing key name");
        return;
    }
    std::optional<std::uint64_t> cas;
    if (q.has("cas")) {
        std::string error;
        cas = parseUint64(q.get("cas"), &error);
        if (!cas) {
            c->replyText(500, error);
            return;
        }
    }
    if (!c->rpc())
        return;
    if (recurse) {
        if (!c->ctx.acl->keyWritePrefix(c->who, key)) {
            c->denied("key", Acl::Access::Write, key);
            return;
        }
    } else if (!c->acl("key", Acl::Access::Write, key)) {
        c->denied("key", Acl::Access::Write, key);
        return;
    }
    StateStore *store = c->ctx.store;
    const std::uint64_t idx = store->nextIndex();
    bool result = true;
    if (cas)
        result = store->kvDeleteCas(idx, key, *cas);
    else if (recurse)
        store->kvDeleteTree(idx, key);
    else
        store->kvDelete(idx, key);
    c->replyJson(OJson(result));
}

} // namespace

std::optional<HttpResponse> putPrecheck(const CallPtr &c)
{
    std::optional<HttpResponse> answer;
    c->captureInto(&answer);
    PutPlan plan;
    if (c->parseQueryOptions())
        planPut(c, &plan);
    return answer;
}

void handle(const CallPtr &c)
{
    if (!c->parseQueryOptions())
        return;
    const QByteArray &m = c->req.method;
    if (m == "GET") {
        if (c->req.query.has("keys"))
            getKeys(c);
        else
            get(c);
    } else if (m == "PUT") {
        put(c);
    } else if (m == "DELETE") {
        del(c);
    }
}

} // namespace KvApi
} // namespace Baton::ConsulSim
