#include "core/consul/consulencode.h"

#include "core/base/jsonfields.h"

#include <nlohmann/json.hpp>

namespace Baton::ConsulEncode {

using JsonFields::toStd;
using nlohmann::json;

namespace {
QByteArray dump(const json &j)
{
    const std::string text = j.dump();
    return QByteArray(text.data(), qsizetype(text.size()));
}
} // namespace

QByteArray sessionCreate(const Consul::SessionSpec &spec)
{
    json j = json::object();
    if (!spec.name.isEmpty())
        j["Name"] = toStd(spec.name);
    if (!spec.node.isEmpty())
        j["Node"] = toStd(spec.node);
    if (spec.ttlMs > 0)
        j["TTL"] = toStd(Consul::formatGoDuration(spec.ttlMs));
    j["Behavior"] = toStd(Consul::behaviorToWire(spec.behavior));
    if (spec.lockDelayMs) {
        // A bare number below 1000 would be read as seconds and "0" as the default; a duration text is exact.
        j["LockDelay"] = toStd(Consul::formatGoDuration(std::max<qint64>(0, *spec.lockDelayMs)));
    }
    if (spec.nodeChecks) {
        json checks = json::array();
        for (const QString &c : *spec.nodeChecks)
            checks.push_back(toStd(c));
        j["NodeChecks"] = checks;
    }
    if (!spec.serviceChecks.isEmpty()) {
        json checks = json::array();
        for (const QString &c : spec.serviceChecks)
            checks.push_back(json { { "ID", toStd(c) } });
        j["ServiceChecks"] = checks;
    }
    return dump(j);
}

QByteArray txn(const QList<Consul::TxnOp> &ops)
{
    json arr = json::array();
    for (const Consul::TxnOp &op : ops) {
        json kv = json::object();
        kv["Verb"] = toStd(Consul::txnVerbToWire(op.verb));
        kv["Key"] = toStd(op.key);
        switch (op.verb) {
        case Consul::TxnOp::Verb::Set:
        case Consul::TxnOp::Verb::Cas:
        case Consul::TxnOp::Verb::Lock:
        case Consul::TxnOp::Verb::Unlock:
            kv["Value"] = op.value.toBase64().toStdString();
            kv["Flags"] = std::uint64_t(op.flags);
            break;
        default:
            break;
        }
        if (op.verb == Consul::TxnOp::Verb::Cas || op.verb == Consul::TxnOp::Verb::CheckIndex
            || op.verb == Consul::TxnOp::Verb::DeleteCas)
            kv["Index"] = std::uint64_t(op.index);
        if (!op.session.isEmpty())
            kv["Session"] = toStd(op.session);
        arr.push_back(json { { "KV", kv } });
    }
    return dump(arr);
}

QByteArray checkUpdate(Consul::CheckStatus status, const QString &output)
{
    json j = json::object();
    j["Status"] = toStd(Consul::checkStatusToWire(status));
    j["Output"] = toStd(output);
    return dump(j);
}

} // namespace Baton::ConsulEncode
