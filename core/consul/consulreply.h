#pragma once

#include "core/base/result.h"
#include "core/consul/consultypes.h"

#include <QByteArray>
#include <QList>

namespace Baton {

// What a typed ConsulClient call delivers: the decoded value or a typed error, and the query metadata
// (X-Consul-Index, KnownLeader, LastContact) that came with it. Meta is filled whenever the server answered,
// on errors too (a KV 404 carries an index).
template<typename T> struct ConsulReply
{
    Result<T> result;
    Consul::Meta meta;

    bool ok() const { return result.has_value(); }
};

// One raw HTTP exchange (ConsulClient::send): any HTTP status is a reply; only transport failures, timeouts
// and over-limit bodies are errors.
struct ConsulRawReply
{
    int status = 0;
    QByteArray body;
    Consul::Meta meta;
};

// A request as ConsulClient::send takes it. Query parameters are given unencoded; `bare` ones are sent as a
// presence flag (`?recurse`), which is how Consul reads them.
struct ConsulHttpRequest
{
    struct Param
    {
        QByteArray name;
        QByteArray value;
        bool bare = false;
    };

    QByteArray method = "GET";
    QByteArray path; // percent-encoded, starting with /v1/
    QList<Param> query;
    QByteArray body;
    QByteArray contentType; // sent when there is a body
    qint64 timeoutMs = 0; // 0: derived from the config and the blocking wait

    void addParam(const QByteArray &name, const QByteArray &value) { query.append({ name, value, false }); }
    void addFlag(const QByteArray &name) { query.append({ name, {}, true }); }
    bool hasParam(const QByteArray &name) const;
    QByteArray param(const QByteArray &name) const;
    QByteArray encodedQuery() const; // every byte outside RFC 3986's unreserved set is percent-encoded
};

} // namespace Baton
