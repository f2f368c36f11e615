#include "support/consuldecoderharness.h"

#include "core/consul/consulbudgetreader.h"
#include "core/consul/consuldecode.h"
#include "core/consul/consuldigest.h"

namespace Baton::ConsulDecoderHarness {

namespace {

template<typename T> void check(Outcome &o, const char *name, const Result<T> &r)
{
    const QString n = QString::fromLatin1(name);
    if (r) {
        o.accepted << n;
        return;
    }
    o.rejected << n;
    const Error &e = r.error();
    if ((e.kind != Error::Kind::Decode && e.kind != Error::Kind::TooLarge && e.kind != Error::Kind::Conflict)
        || e.message.isEmpty())
        o.problems << QStringLiteral("%1: unexpected error %2").arg(n, e.toString());
}

} // namespace

Outcome run(const QByteArray &body)
{
    Outcome o;
    check(o, "semaphoreLock", ConsulDecode::semaphoreLock(body));
    if (body.size() < 64)
        (void)Consul::parseGoDurationMs(QString::fromUtf8(body));

    auto doc = ConsulDecode::parse(body);
    check(o, "parse", doc);
    if (!doc)
        return o;
    o.parsed = true;
    const nlohmann::json &j = *doc;
    (void)ConsulDigest::of(j);

    check(o, "catalogServices", ConsulDecode::catalogServices(j));
    check(o, "catalogService", ConsulDecode::catalogService(j));
    check(o, "catalogNodes", ConsulDecode::catalogNodes(j));
    check(o, "catalogNode", ConsulDecode::catalogNode(j));
    const auto health = ConsulDecode::healthService(j);
    check(o, "healthService", health);
    check(o, "healthChecks", ConsulDecode::healthChecks(j));
    const auto kv = ConsulDecode::kvEntries(j);
    check(o, "kvEntries", kv);
    check(o, "kvSingle", ConsulDecode::kvSingle(j));
    check(o, "kvKeys", ConsulDecode::kvKeys(j));
    check(o, "boolean", ConsulDecode::boolean(j));
    check(o, "sessionCreated", ConsulDecode::sessionCreated(j));
    const auto sessions = ConsulDecode::sessions(j);
    check(o, "sessions", sessions);
    check(o, "sessionSingle", ConsulDecode::sessionSingle(j));
    check(o, "agentSelf", ConsulDecode::agentSelf(j));
    check(o, "agentServices", ConsulDecode::agentServices(j));
    check(o, "agentChecks", ConsulDecode::agentChecks(j));
    check(o, "txnResult", ConsulDecode::txnResult(j));

    if (kv || health) {
        // Whatever decoded feeds the budget composition, with both the default and a hostile-looking prefix.
        const QList<Consul::KvEntry> folder = kv ? *kv : QList<Consul::KvEntry>();
        const QList<Consul::ServiceHealth> instances = health ? *health : QList<Consul::ServiceHealth>();
        const QList<Consul::Session> known = sessions ? *sessions : QList<Consul::Session>();
        for (const QString &prefix : { QStringLiteral("baton/services/web/"), QString() }) {
            auto budget = ConsulBudgetReader::compose(QStringLiteral("web"), prefix, instances, folder, known);
            check(o, "compose", budget);
            if (budget) {
                (void)budget->canEnter(QStringLiteral("web-1"));
                (void)budget->waitInfoFor(QStringLiteral("web-1")).describe();
            }
            check(o, "holdersWithoutNode", ConsulBudgetReader::holdersWithoutNode(prefix, folder));
        }
    }
    return o;
}

} // namespace Baton::ConsulDecoderHarness
