#include "service/nodevars.h"

#include "core/base/boundedjson.h"
#include "core/base/jsonfields.h"

#include <QFile>

namespace Baton {

Result<NodeVars> NodeVars::load(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return fail(
            Error::Kind::Io, QStringLiteral("cannot read the node-vars file %1: %2").arg(path, f.errorString()));
    constexpr qint64 kMax = 64 * 1024 * 1024;
    if (f.size() > kMax)
        return fail(Error::Kind::TooLarge, QStringLiteral("the node-vars file %1 is larger than 64 MiB").arg(path));
    auto vars = parse(f.read(kMax + 1));
    if (!vars)
        return fail(
            Error::make(vars.error().kind, QStringLiteral("node-vars file %1: %2").arg(path, vars.error().message)));
    return vars;
}

Result<NodeVars> NodeVars::parse(const QByteArray &bytes)
{
    BATON_TRY(doc, parseJsonBounded(bytes, JsonLimits { 64u * 1024u * 1024u, 32 }));
    if (!doc.is_object())
        return fail(Error::Kind::Decode, QStringLiteral("must be a JSON object with \"defaults\" and/or \"nodes\""));
    NodeVars v;
    for (auto it = doc.begin(); it != doc.end(); ++it) {
        if (it.key() != "defaults" && it.key() != "nodes")
            return fail(Error::Kind::Decode,
                QStringLiteral("unknown key \"%1\" (expected defaults, nodes)")
                    .arg(JsonFields::toQString(it.key()).left(60)));
    }
    if (const auto d = doc.find("defaults"); d != doc.end() && !d->is_null()) {
        if (!d->is_object())
            return fail(Error::Kind::Decode, QStringLiteral("\"defaults\" must be an object"));
        v.m_defaults = *d;
    }
    if (const auto n = doc.find("nodes"); n != doc.end() && !n->is_null()) {
        if (!n->is_object())
            return fail(Error::Kind::Decode, QStringLiteral("\"nodes\" must be an object keyed by node name"));
        for (auto it = n->begin(); it != n->end(); ++it) {
            if (!it->is_object())
                return fail(Error::Kind::Decode,
                    QStringLiteral("nodes.%1 must be an object").arg(JsonFields::toQString(it.key()).left(60)));
        }
        v.m_nodes = *n;
    }
    return v;
}

nlohmann::json NodeVars::varsFor(const QString &node) const
{
    nlohmann::json out = m_defaults;
    const auto it = m_nodes.find(JsonFields::toStd(node));
    if (it != m_nodes.end()) {
        for (auto v = it->begin(); v != it->end(); ++v)
            out[v.key()] = v.value();
    }
    return out;
}

bool NodeVars::hasNode(const QString &node) const
{
    return m_nodes.contains(JsonFields::toStd(node));
}

} // namespace Baton
