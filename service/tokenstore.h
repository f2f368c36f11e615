#pragma once

#include "core/base/result.h"

#include <optional>

#include <QByteArray>
#include <QList>
#include <QString>

namespace Baton {

enum class Role
{
    Viewer = 1,
    Operator = 2,
    Admin = 3
};
QString toWire(Role role);
std::optional<Role> roleFromWire(QStringView text);

// Who made a request: the token's name and role. The token itself is never kept past the lookup.
struct Principal
{
    QString name;
    Role role = Role::Viewer;
    bool anonymous = false; // auth is off (no tokens file on a loopback listener)

    bool may(Role needed) const { return int(role) >= int(needed); }
};

// The tokens file: {"tokens": [{"name": "alice", "token": "…", "role": "operator"}]}. Only SHA-256 digests
// of the tokens are held in memory and compared in constant time.
class TokenStore
{
public:
    static Result<TokenStore> load(const QString &path);
    static Result<TokenStore> parse(const QByteArray &bytes);

    std::optional<Principal> lookup(QByteArrayView token) const;
    // From an Authorization header value ("Bearer <token>").
    std::optional<Principal> fromAuthorization(QByteArrayView header) const;
    int size() const { return int(m_entries.size()); }

private:
    struct Entry
    {
        QByteArray digest;
        Principal principal;
    };
    QList<Entry> m_entries;
};

} // namespace Baton
