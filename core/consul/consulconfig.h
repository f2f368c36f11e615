#pragma once

#include "core/base/jsonlimits.h"
#include "core/base/result.h"

#include <QProcessEnvironment>
#include <QString>
#include <QUrl>

namespace Baton {

// Where and how to reach Consul. The token is a secret: it is only ever sent as the X-Consul-Token header and
// never appears in logs, URLs or describe().
struct ConsulConfig
{
    QUrl address = QUrl(QStringLiteral("http://127.0.0.1:8500"));
    QString datacenter; // empty: the agent's own
    QString token; // ACL token; empty: the agent's default
    QString caFile; // PEM CA bundle for https; empty: the system trust store
    qint64 requestTimeoutMs = 30'000; // non-blocking calls
    // Blocking calls wait for the server's wait plus its wait/16 jitter, plus this much for the network.
    qint64 blockingGraceMs = 10'000;
    qint64 maxBodyBytes = qint64(JsonLimits::consulDefault().maxBytes); // enforced while the body downloads
    JsonLimits jsonLimits = JsonLimits::consulDefault();
    // Bodies at least this large are parsed and decoded on a worker thread (0: never).
    qint64 offThreadDecodeBytes = 256 * 1024;

    // Consul's own environment, as the consul CLI reads it: CONSUL_HTTP_ADDR ("host:port", "http://…",
    // "https://…"), CONSUL_HTTP_SSL, CONSUL_HTTP_TOKEN (or CONSUL_HTTP_TOKEN_FILE), CONSUL_CACERT.
    static Result<ConsulConfig> fromEnvironment(
        const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());

    // "127.0.0.1:8500", "http://host:8500" or "https://host:8501" → a URL; anything else is an error.
    static Result<QUrl> parseAddress(const QString &text, bool https = false);

    Result<void> validate() const;

    // For logs and status lines: "http://127.0.0.1:8500 dc=dc1 token=set ca=/etc/consul/ca.pem".
    QString describe() const;
};

} // namespace Baton
