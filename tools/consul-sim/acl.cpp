#include "tools/consul-sim/acl.h"

#include "tools/consul-sim/goquote.h"

#include <QCryptographicHash>

namespace Baton::ConsulSim {

namespace {

using Level = AclPolicyConfig::Level;

bool startsWith(const std::string &s, const std::string &prefix)
{
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool grants(Level level, Acl::Access access)
{
    switch (access) {
    case Acl::Access::Read:
        return level >= Level::Read;
    case Acl::Access::List:
        return level >= Level::List;
    case Acl::Access::Write:
        return level == Level::Write;
    }
    return false;
}

} // namespace

Acl::Acl(const AclConfig &config)
    : m_config(config)
{
    // A token given without an accessor gets a stable one derived from its secret, never the secret itself.
    for (AclTokenConfig &t : m_config.tokens) {
        if (!t.accessorId.empty())
            continue;
        const QByteArray hex = QCryptographicHash::hash(
            QByteArray("consul-sim accessor:") + t.secretId.c_str(), QCryptographicHash::Sha256)
                                   .toHex()
                                   .left(32);
        t.accessorId = hex.mid(0, 8).toStdString() + "-" + hex.mid(8, 4).toStdString() + "-"
            + hex.mid(12, 4).toStdString() + "-" + hex.mid(16, 4).toStdString() + "-" + hex.mid(20, 12).toStdString();
    }
}

const char *Acl::accessName(Access access)
{
    switch (access) {
    case Access::Read:
        return "read";
    case Access::List:
        return "list";
    case Access::Write:
        return "write";
    }
    return "read";
}

bool Acl::resolve(const std::string &secret, Identity *out) const
{
    *out = Identity {};
    out->tokenSent = !secret.empty();
    if (!m_config.enabled || secret.empty() || secret == "anonymous")
        return true;
    for (const AclTokenConfig &t : m_config.tokens) {
        if (t.secretId == secret) {
            out->anonymous = false;
            out->token = &t;
            return true;
        }
    }
    return false;
}

Level Acl::level(const Identity &who, const std::string &resource, const std::string &name, bool *matched) const
{
    *matched = false;
    const AclPolicyConfig &policy = who.token ? who.token->policy : m_config.anonymous;
    const auto r = policy.resources.find(resource);
    if (r != policy.resources.end()) {
        const auto exact = r->second.exact.find(name);
        if (exact != r->second.exact.end()) {
            *matched = true;
            return exact->second;
        }
        const std::string *best = nullptr;
        Level bestLevel = Level::Deny;
        for (const auto &[prefix, lvl] : r->second.prefix) {
            if (startsWith(name, prefix) && (!best || prefix.size() > best->size())) {
                best = &prefix;
                bestLevel = lvl;
            }
        }
        if (best) {
            *matched = true;
            return bestLevel;
        }
    }
    return m_config.defaultAllow ? Level::Write : Level::Deny;
}

bool Acl::allowed(const Identity &who, const std::string &resource, Access access, const std::string &name) const
{
    if (!m_config.enabled)
        return true;
    if (who.token && who.token->management)
        return true;
    bool matched = false;
    return grants(level(who, resource, name, &matched), access);
}

bool Acl::keyWritePrefix(const Identity &who, const std::string &prefix) const
{
    if (!m_config.enabled)
        return true;
    if (who.token && who.token->management)
        return true;
    if (!allowed(who, "key", Access::Write, prefix))
        return false;
    const AclPolicyConfig &policy = who.token ? who.token->policy : m_config.anonymous;
    const auto r = policy.resources.find("key");
    if (r == policy.resources.end())
        return true;
    for (const auto &[name, lvl] : r->second.exact) {
        if (startsWith(name, prefix) && lvl != Level::Write)
            return false;
    }
    for (const auto &[name, lvl] : r->second.prefix) {
        if (startsWith(name, prefix) && lvl != Level::Write)
            return false;
    }
    return true;
}

std::string Acl::denial(const Identity &who, const std::string &resource, Access access, const std::string &name) const
{
    const std::string perm = "'" + resource + ":" + accessName(access) + "'";
    const std::string on = name.empty() && (resource == "operator") ? std::string() : " on " + goQuote(name);
    if (!who.token) {
        return "Permission denied: anonymous token lacks permission " + perm + on
            + ". The anonymous token is used implicitly when a request does not specify a token.";
    }
    return "Permission denied: token with AccessorID '" + who.token->accessorId + "' lacks permission " + perm + on;
}

} // namespace Baton::ConsulSim
