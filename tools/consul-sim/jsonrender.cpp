#include "tools/consul-sim/jsonrender.h"

namespace Baton::ConsulSim::JsonRender {

OJson stringList(const std::vector<std::string> &items)
{
    OJson a = OJson::array();
    for (const std::string &s : items)
        a.push_back(s);
    return a;
}

OJson stringMap(const std::map<std::string, std::string> &items)
{
    OJson o = OJson::object();
    for (const auto &[k, v] : items)
        o[k] = v;
    return o;
}

namespace {

// Service tagged addresses: lower-case "address"/"port", omitted when there are none (omitempty).
void taggedAddresses(OJson &o, const char *field, const ServiceRec &s)
{
    if (s.taggedAddresses.empty())
        return;
    OJson t = OJson::object();
    for (const auto &[name, addr] : s.taggedAddresses) {
        OJson a = OJson::object();
        a["address"] = addr.first;
        a["port"] = addr.second;
        t[name] = std::move(a);
    }
    o[field] = std::move(t);
}

OJson weights(int passing, int warning)
{
    OJson w = OJson::object();
    w["Passing"] = passing;
    w["Warning"] = warning;
    return w;
}

// ConnectProxyConfig of a typical (non-proxy) service: every field but these three is omitempty.
OJson emptyProxy()
{
    OJson p = OJson::object();
    p["Mode"] = "";
    p["MeshGateway"] = OJson::object();
    p["Expose"] = OJson::object();
    return p;
}

} // namespace

OJson node(const NodeRec &n)
{
    OJson o = OJson::object();
    o["ID"] = n.id;
    o["Node"] = n.name;
    o["Address"] = n.address;
    o["Datacenter"] = n.datacenter;
    o["TaggedAddresses"] = stringMap(n.taggedAddresses);
    o["Meta"] = stringMap(n.meta);
    o["CreateIndex"] = n.index.create;
    o["ModifyIndex"] = n.index.modify;
    return o;
}

OJson serviceNode(const NodeRec &n, const ServiceRec &s)
{
    OJson o = OJson::object();
    o["ID"] = n.id;
    o["Node"] = n.name;
    o["Address"] = n.address;
    o["Datacenter"] = n.datacenter;
    o["TaggedAddresses"] = stringMap(n.taggedAddresses);
    o["NodeMeta"] = stringMap(n.meta);
    o["ServiceKind"] = "";
    o["ServiceID"] = s.id;
    o["ServiceName"] = s.name;
    o["ServiceTags"] = stringList(s.tags);
    o["ServiceAddress"] = s.address;
    taggedAddresses(o, "ServiceTaggedAddresses", s);
    o["ServiceWeights"] = weights(s.weightPassing, s.weightWarning);
    o["ServiceMeta"] = stringMap(s.meta);
    o["ServicePort"] = s.port;
    o["ServiceSocketPath"] = "";
    o["ServiceEnableTagOverride"] = s.enableTagOverride;
    o["ServiceProxy"] = emptyProxy();
    o["ServiceConnect"] = OJson::object();
    o["ServiceLocality"] = nullptr;
    o["CreateIndex"] = s.index.create;
    o["ModifyIndex"] = s.index.modify;
    return o;
}

OJson nodeService(const ServiceRec &s)
{
    OJson o = OJson::object();
    o["ID"] = s.id;
    o["Service"] = s.name;
    o["Tags"] = stringList(s.tags);
    o["Address"] = s.address;
    taggedAddresses(o, "TaggedAddresses", s);
    o["Meta"] = stringMap(s.meta);
    if (s.port != 0)
        o["Port"] = s.port;
    o["Weights"] = weights(s.weightPassing, s.weightWarning);
    o["EnableTagOverride"] = s.enableTagOverride;
    o["Proxy"] = emptyProxy();
    o["Connect"] = OJson::object();
    o["PeerName"] = "";
    o["CreateIndex"] = s.index.create;
    o["ModifyIndex"] = s.index.modify;
    return o;
}

OJson agentService(const ServiceRec &s, const std::string &datacenter)
{
    OJson o = OJson::object();
    o["ID"] = s.id;
    o["Service"] = s.name;
    o["Tags"] = stringList(s.tags);
    o["Meta"] = stringMap(s.meta);
    o["Port"] = s.port;
    o["Address"] = s.address;
    taggedAddresses(o, "TaggedAddresses", s);
    o["Weights"] = weights(s.weightPassing, s.weightWarning);
    o["EnableTagOverride"] = s.enableTagOverride;
    o["Datacenter"] = datacenter;
    return o;
}

OJson healthCheck(const CheckRec &c, bool withRaftIndex)
{
    OJson o = OJson::object();
    o["Node"] = c.node;
    o["CheckID"] = c.checkId;
    o["Name"] = c.name;
    o["Status"] = c.status;
    o["Notes"] = c.notes;
    o["Output"] = c.output;
    o["ServiceID"] = c.serviceId;
    o["ServiceName"] = c.serviceName;
    o["ServiceTags"] = stringList(c.serviceTags);
    o["Type"] = c.type;
    o["Interval"] = c.interval;
    o["Timeout"] = c.timeout;
    o["ExposedPort"] = 0;
    o["Definition"] = OJson::object();
    o["CreateIndex"] = withRaftIndex ? c.index.create : 0;
    o["ModifyIndex"] = withRaftIndex ? c.index.modify : 0;
    return o;
}

OJson dirEntry(const KvEntry &e, bool withValue)
{
    OJson o = OJson::object();
    o["LockIndex"] = e.lockIndex;
    o["Key"] = e.key;
    o["Flags"] = e.flags;
    if (withValue && !e.value.empty()) {
        const QByteArray b64 = QByteArray::fromRawData(e.value.data(), qsizetype(e.value.size())).toBase64();
        o["Value"] = b64.toStdString();
    } else {
        o["Value"] = nullptr;
    }
    if (!e.session.empty())
        o["Session"] = e.session;
    o["CreateIndex"] = e.index.create;
    o["ModifyIndex"] = e.index.modify;
    return o;
}

OJson session(const SessionRec &s)
{
    OJson o = OJson::object();
    o["ID"] = s.id;
    o["Name"] = s.name;
    o["Node"] = s.node;
    o["LockDelay"] = s.lockDelay;
    o["Behavior"] = s.behavior;
    o["TTL"] = s.ttl;
    o["NodeChecks"] = s.nodeChecks.empty() ? OJson(nullptr) : stringList(s.nodeChecks);
    if (s.serviceChecks.empty()) {
        o["ServiceChecks"] = nullptr;
    } else {
        OJson a = OJson::array();
        for (const std::string &id : s.serviceChecks) {
            OJson sc = OJson::object();
            sc["ID"] = id;
            sc["Namespace"] = "";
            a.push_back(std::move(sc));
        }
        o["ServiceChecks"] = std::move(a);
    }
    const bool defaultAlias = s.checksAlias.size() == 1 && s.checksAlias.front() == "serfHealth";
    if (!s.checksAlias.empty() && !defaultAlias)
        o["Checks"] = stringList(s.checksAlias);
    o["CreateIndex"] = s.index.create;
    o["ModifyIndex"] = s.index.modify;
    return o;
}

QByteArray dump(const OJson &value, bool pretty)
{
    const std::string text = pretty ? value.dump(4, ' ', false, OJson::error_handler_t::replace)
                                    : value.dump(-1, ' ', false, OJson::error_handler_t::replace);
    // These characters can only occur inside JSON strings, so escaping them in the whole text is safe.
    QByteArray out;
    out.reserve(qsizetype(text.size()) + 16);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '<') {
            out += "\\u003c";
        } else if (c == '>') {
            out += "\\u003e";
        } else if (c == '&') {
            out += "\\u0026";
        } else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80'
            && (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
            out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += c;
        }
    }
    if (pretty)
        out += '\n';
    return out;
}

} // namespace Baton::ConsulSim::JsonRender
