#include "core/base/boundedjson.h"
#include "tools/consul-sim/endpoints.h"
#include "tools/consul-sim/goquote.h"

namespace Baton::ConsulSim::TxnApi {

namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxTxnOps = 128; // maxTxnOps in agent/txn_endpoint.go

struct KvOp
{
    std::string verb;
    std::string key;
    std::string value;
    std::uint64_t flags = 0;
    std::uint64_t index = 0;
    std::string session;
};

struct ParseError
{
    std::string message;
};

const json *field(const json &object, const char *name)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (qstricmp(it.key().c_str(), name) == 0)
            return &it.value();
    }
    return nullptr;
}

std::string typeOf(const json &v)
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

std::string str(const json &o, const char *name)
{
    const json *v = field(o, name);
    if (!v || v->is_null())
        return {};
    if (!v->is_string())
        throw ParseError { "json: cannot unmarshal " + typeOf(*v) + " into Go struct field KVTxnOp.KV." + name
            + " of type string" };
    return v->get<std::string>();
}

std::uint64_t u64(const json &o, const char *name)
{
    const json *v = field(o, name);
    if (!v || v->is_null())
        return 0;
    if (v->is_number_unsigned())
        return v->get<std::uint64_t>();
    if (v->is_number_integer() && v->get<std::int64_t>() >= 0)
        return std::uint64_t(v->get<std::int64_t>());
    throw ParseError { "json: cannot unmarshal " + (v->is_number() ? "number " + v->dump() : typeOf(*v))
        + " into Go struct field KVTxnOp.KV." + name + " of type uint64" };
}

bool isWrite(const std::string &verb)
{
    return verb == "set" || verb == "delete" || verb == "delete-cas" || verb == "delete-tree" || verb == "cas"
        || verb == "lock" || verb == "unlock";
}

OJson result(const KvEntry &e, bool withValue)
{
    OJson r = OJson::object();
    r["KV"] = JsonRender::dirEntry(e, withValue);
    return r;
}

OJson txnError(std::size_t index, const std::string &what)
{
    OJson e = OJson::object();
    e["OpIndex"] = index;
    e["What"] = what;
    return e;
}

// One op against the store: appends its results, or returns an error text (Consul's state/txn.go wording).
std::optional<std::string> apply(StateStore *store, std::uint64_t idx, const KvOp &op, KvUndo *undo, OJson &results)
{
    const std::string &k = op.key;
    const std::string quoted = goQuote(k);
    auto entryOf = [&](const std::string &session) {
        KvEntry e;
        e.key = k;
        e.value = op.value;
        e.flags = op.flags;
        e.session = session;
        return e;
    };
    auto pushStored = [&](bool withValue) {
        if (const KvEntry *e = store->kvGet(k))
            results.push_back(result(*e, withValue));
    };
    std::string error;
    if (op.verb == "set") {
        store->kvSet(idx, entryOf({}), undo);
        pushStored(false);
    } else if (op.verb == "cas") {
        if (!store->kvCas(idx, entryOf({}), op.index, undo))
            return "failed to set key " + quoted + ", index is stale";
        pushStored(false);
    } else if (op.verb == "lock") {
        const bool ok = store->kvLock(idx, entryOf(op.session), &error, undo);
        if (!error.empty())
            return error;
        if (!ok)
            return "failed to lock key " + quoted + ", lock is already held";
        pushStored(false);
    } else if (op.verb == "unlock") {
        const bool ok = store->kvUnlock(idx, entryOf(op.session), &error, undo);
        if (!error.empty())
            return error;
        if (!ok)
            return "failed to unlock key " + quoted + ", lock isn't held, or is held by another session";
        pushStored(false);
    } else if (op.verb == "delete") {
        store->kvDelete(idx, k, undo);
    } else if (op.verb == "delete-cas") {
        if (!store->kvDeleteCas(idx, k, op.index, undo))
            return "failed to delete key " + quoted + ", index is stale";
    } else if (op.verb == "delete-tree") {
        store->kvDeleteTree(idx, k, undo);
    } else if (op.verb == "get") {
        const KvEntry *e = store->kvGet(k);
        if (!e)
            return "key " + quoted + " doesn't exist";
        results.push_back(result(*e, true));
    } else if (op.verb == "get-tree") {
        for (const KvEntry *e : store->kvList(k))
            results.push_back(result(*e, true));
    } else if (op.verb == "check-index") {
        const KvEntry *e = store->kvGet(k);
        if (!e)
            return "failed index check for key " + quoted + ", key doesn't exist";
        if (e->index.modify != op.index)
            return "failed index check for key " + quoted + ", current modify index " + std::to_string(e->index.modify)
                + " != " + std::to_string(op.index);
        results.push_back(result(*e, false));
    } else if (op.verb == "check-session") {
        const KvEntry *e = store->kvGet(k);
        if (!e)
            return "failed session check for key " + quoted + ", key doesn't exist";
        if (e->session != op.session)
            return "failed session check for key " + quoted + ", current session " + goQuote(e->session)
                + " != " + goQuote(op.session);
        results.push_back(result(*e, false));
    } else if (op.verb == "check-not-exists") {
        if (store->kvGet(k))
            return "key " + quoted + " exists";
    } else {
        return "unknown KV verb " + goQuote(op.verb);
    }
    return std::nullopt;
}

} // namespace

void handle(const CallPtr &c)
{

    const LimitsConfig &limits = c->ctx.config->limits;
    std::vector<KvOp> ops;
    std::vector<std::string> unsupported; // op kinds we parse but do not simulate, by index
    auto parsed = parseJsonBounded(c->req.body, JsonLimits { std::size_t(limits.txnMaxReqLen) + 1, 16 });
    if (!parsed) {
        c->replyText(400, "Failed to parse body: " + parsed.error().message.toStdString());
        return;
    }
    try {
        const json &body = *parsed;
        if (!body.is_array() && !body.is_null())
            throw ParseError { "json: cannot unmarshal " + typeOf(body) + " into Go value of type api.TxnOps" };
        if (body.is_array() && body.size() > kMaxTxnOps) {
            c->replyText(413,
                "Transaction contains too many operations (" + std::to_string(body.size()) + " > "
                    + std::to_string(kMaxTxnOps) + ")");
            return;
        }
        if (body.is_array()) {
            for (const json &item : body) {
                if (!item.is_object())
                    throw ParseError { "json: cannot unmarshal " + typeOf(item) + " into Go value of type api.TxnOp" };
                KvOp op;
                const json *kv = field(item, "KV");
                if (kv && !kv->is_null()) {
                    if (!kv->is_object())
                        throw ParseError { "json: cannot unmarshal " + typeOf(*kv)
                            + " into Go struct field TxnOp.KV of type api.KVTxnOp" };
                    op.verb = str(*kv, "Verb");
                    op.key = str(*kv, "Key");
                    op.session = str(*kv, "Session");
                    op.flags = u64(*kv, "Flags");
                    op.index = u64(*kv, "Index");
                    const std::string b64 = str(*kv, "Value");
                    if (!b64.empty()) {
                        const auto decoded = QByteArray::fromBase64Encoding(
                            QByteArray::fromStdString(b64), QByteArray::AbortOnBase64DecodingErrors);
                        if (!decoded)
                            throw ParseError { "illegal base64 data at input byte 0" };
                        op.value = (*decoded).toStdString();
                    }
                    unsupported.emplace_back();
                } else {
                    std::string kind = "empty";
                    for (const char *k : { "Node", "Service", "Check", "Session" }) {
                        if (const json *v = field(item, k); v && !v->is_null())
                            kind = k;
                    }
                    unsupported.push_back(kind);
                }
                ops.push_back(std::move(op));
            }
        }
    } catch (const ParseError &e) {
        c->replyText(400, "Failed to parse body: " + e.message);
        return;
    }
    for (const KvOp &op : ops) {
        if (op.value.size() > limits.kvMaxValueSize) {
            c->replyText(413,
                "Value for key " + goQuote(op.key) + " is too large (" + std::to_string(op.value.size()) + " > "
                    + std::to_string(limits.kvMaxValueSize) + " bytes)");
            return;
        }
    }

    std::size_t writes = 0;
    for (const KvOp &op : ops)
        writes += isWrite(op.verb) ? 1 : 0;

    // Only now does Consul look at the query: a read-only txn goes through s.parse (consistency flags), a
    // write only takes the datacenter and token; then the servers resolve the token.
    if (writes == 0 && !c->parseQueryOptions())
        return;
    if (!c->rpc())
        return;

    // Checks made before anything is applied, as Consul's Txn.Apply preApply does: ACLs and lock-delays.
    OJson errors = OJson::array();
    StateStore *store = c->ctx.store;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const KvOp &op = ops[i];
        if (!unsupported[i].empty()) {
            errors.push_back(txnError(i,
                unsupported[i] == "empty" ? std::string("Invalid Txn operation: no operation specified")
                                          : "consul-sim does not simulate " + unsupported[i]
                        + " operations in a "
                          "transaction"));
            continue;
        }
        const bool write = isWrite(op.verb);
        const bool allowed = op.verb == "delete-tree"
            ? c->ctx.acl->keyWritePrefix(c->who, op.key)
            : c->acl("key", write ? Acl::Access::Write : Acl::Access::Read, op.key);
        if (!allowed) {
            errors.push_back(
                txnError(i, c->ctx.acl->denial(c->who, "key", write ? Acl::Access::Write : Acl::Access::Read, op.key)));
            continue;
        }
        if (op.verb == "lock" && store->kvLockDelayed(op.key))
            errors.push_back(txnError(i, "failed to lock key " + goQuote(op.key) + " due to lock delay"));
    }

    OJson results = OJson::array();
    if (errors.empty()) {
        KvUndo undo;
        const std::uint64_t idx = writes > 0 ? store->nextIndex() : 0;
        for (std::size_t i = 0; i < ops.size(); ++i) {
            if (auto err = apply(store, idx, ops[i], writes > 0 ? &undo : nullptr, results))
                errors.push_back(txnError(i, *err));
        }
        if (!errors.empty() && writes > 0)
            store->kvRollback(undo);
    }

    OJson out = OJson::object();
    std::vector<std::pair<QByteArray, QByteArray>> headers;
    if (writes == 0) {
        headers.emplace_back("X-Consul-Knownleader", "true");
        headers.emplace_back("X-Consul-Lastcontact", "0");
    }
    if (errors.empty()) {
        out["Results"] = std::move(results);
        out["Errors"] = nullptr;
        c->replyJson(out, 200, std::move(headers));
    } else {
        out["Results"] = nullptr;
        out["Errors"] = std::move(errors);
        c->replyJson(out, 409, std::move(headers));
    }
}

} // namespace Baton::ConsulSim::TxnApi
