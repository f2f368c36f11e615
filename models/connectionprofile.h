#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace Baton {

// One environment the console can connect to: where its job service and Consul are, how to trust them, and
// whether mutating actions are allowed. Tokens are not part of the profile: they live in the system keychain
// (or its documented fallback file), keyed by the profile's name.
struct ConnectionProfile
{
    QString name;
    QUrl jobServiceUrl;
    QUrl consulUrl;
    QString datacenter; // empty: the agent's own
    QString caFile; // PEM CA bundle for both, empty: the system trust store
    QString keyPrefix = QStringLiteral("baton/"); // Consul KV prefix of the coordination keys
    bool readOnly = false; // hide or disable every mutating action
    bool production = false; // marked in red everywhere; confirmations ask to type what is affected

    // Problems that make the profile unusable, one line each; empty when it can be used.
    QStringList problems() const;
    // "prod-eu (read-only, production)"
    QString label() const;

    bool operator==(const ConnectionProfile &) const = default;
};

// What the console is told on its command line and environment, applied over a saved profile.
struct ConnectionOverrides
{
    QUrl jobServiceUrl; // --job-service, else BATON_URL
    QUrl consulUrl; // --consul, else CONSUL_HTTP_ADDR
    QByteArray jobServiceToken; // BATON_TOKEN
    QByteArray consulToken; // CONSUL_HTTP_TOKEN (or CONSUL_HTTP_TOKEN_FILE)
    QString consulCaFile; // CONSUL_CACERT, used for Consul when the profile names no CA file
};

} // namespace Baton
