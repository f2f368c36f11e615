#pragma once

#include "tools/consul-sim/simconfig.h"

#include <string>

namespace Baton::ConsulSim {

// Consul's ACL decisions for the resources the simulated API touches, with Consul's 403 texts. A policy's
// exact rule for a name wins over its longest matching prefix rule; with no matching rule the datacenter's
// default policy decides (allow = write, deny = deny). Management tokens may do anything.
class Acl
{
public:
    enum class Access
    {
        Read,
        List,
        Write
    };

    struct Identity
    {
        bool anonymous = true;
        bool tokenSent = false; // the caller sent some token (X-Consul-Results-Filtered-By-ACLs is only for them)
        const AclTokenConfig *token = nullptr;
    };

    explicit Acl(const AclConfig &config);

    bool enabled() const { return m_config.enabled; }
    bool keyListPolicy() const { return m_config.enabled && m_config.enableKeyListPolicy; }
    const char *defaultPolicyName() const { return (!m_config.enabled || m_config.defaultAllow) ? "allow" : "deny"; }

    // Resolves a secret ("" = no token sent). An unknown secret is Consul's "ACL not found".
    bool resolve(const std::string &secret, Identity *out) const;

    bool allowed(const Identity &who, const std::string &resource, Access access, const std::string &name) const;
    // key:write on a whole prefix (DELETE ?recurse): the prefix and every rule under it must grant write.
    bool keyWritePrefix(const Identity &who, const std::string &prefix) const;

    // "Permission denied: token with AccessorID '…' lacks permission 'key:read' on "foo"" and the anonymous form.
    std::string denial(const Identity &who, const std::string &resource, Access access, const std::string &name) const;

    static const char *accessName(Access access);

private:
    AclPolicyConfig::Level level(
        const Identity &who, const std::string &resource, const std::string &name, bool *matched) const;

    AclConfig m_config;
};

} // namespace Baton::ConsulSim
